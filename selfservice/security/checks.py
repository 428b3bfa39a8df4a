"""System checks of the Security tab's settings (``MFA_FACTORS``: E030-E039, W030-W039)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage

from selfservice.core.problems import PROBLEMS
from selfservice.security.mfa import FACTORS, NOT_OFFERED


def check_mfa_factors(merged: dict[str, Any]) -> list[CheckMessage]:
    value = merged.get("MFA_FACTORS")
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(name, str) for name in value):
        return [PROBLEMS["mfa_factors_not_a_list"](type=type(value).__name__)]
    if not value:
        return [PROBLEMS["mfa_factors_empty"]()]
    messages = []
    unknown = [name for name in value if name not in FACTORS and name not in NOT_OFFERED]
    if unknown:
        messages.append(PROBLEMS["unknown_mfa_factors"](names=", ".join(unknown), known=", ".join(FACTORS)))
    blocked = [name for name in value if name in NOT_OFFERED]
    if blocked:
        reasons = " ".join(f"{name}: {NOT_OFFERED[name]}" for name in blocked)
        messages.append(PROBLEMS["mfa_factors_not_offerable"](names=", ".join(blocked), reasons=reasons))
    return messages
