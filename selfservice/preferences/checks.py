"""System checks of the Preferences tab's settings (E020-E029)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage

from selfservice.core.problems import PROBLEMS


def check_preferences_settings(merged: dict[str, Any]) -> list[CheckMessage]:
    value = merged.get("PREFERENCES_PROFILE_LIMIT")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return []
    return [PROBLEMS["bad_profile_limit"](value=value)]
