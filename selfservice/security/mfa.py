"""The Security tab's model: which MFA factors are offered, and which of the user's methods belong to each.

Auth0 names the same thing differently in three places (auth0-facts.md §4), and this module is
the one place that knows the mapping:

- ``/guardian/factors`` lists tenant-wide *factors*: ``sms`` (the phone factor), ``otp``,
  ``email``, ``push-notification``, ``webauthn-roaming``, ``webauthn-platform``,
  ``recovery-code``, ``duo`` (and ``passkey`` in newer SDKs).
- ``/users/{id}/authentication-methods`` lists a user's *methods* by ``type``: ``phone`` (with
  ``preferred_authentication_method`` ``sms``/``voice``), ``totp``, ``email``, ``push`` or
  ``guardian``, ``webauthn-roaming``, ``webauthn-platform``, ``recovery-code``, ...
- Enrollment tickets call the phone factor ``phone`` (the gateway translates ``sms``/``voice``).

:func:`build_overview` joins the first two into rows the template shows as they are: one row per
offered factor, each listing every method of that factor separately (two security keys are two
rows), plus the methods no offered factor claims (a disabled factor, an unknown type), which
the user may still remove. Nothing here does I/O; the view passes what the gateway returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from selfservice.gateway import AuthenticationMethod, Factor

__all__ = [
    "ENROLL_BY_TICKET",
    "FACTORS",
    "NOT_OFFERED",
    "REGENERATE",
    "FactorRow",
    "FactorSpec",
    "MethodRow",
    "SecurityOverview",
    "build_overview",
    "describe_method",
    "enrollable_factor_names",
    "factor_for_method",
    "offered_factor_names",
]

ENROLL_BY_TICKET = "ticket"
REGENERATE = "regenerate"


@dataclass(frozen=True)
class FactorSpec:
    """How the Security tab presents one tenant factor and recognises its methods."""

    name: str
    title: Promise
    description: Promise
    #: Authentication-method ``type`` values that belong to this factor.
    method_types: frozenset[str]
    #: ``"ticket"`` (enrollment ticket) or ``"regenerate"`` (the recovery code).
    action: str = ENROLL_BY_TICKET


# Every factor the tab can offer, in the order a real tenant lists them (facts §4.1).
FACTORS: dict[str, FactorSpec] = {
    spec.name: spec
    for spec in (
        FactorSpec(
            "sms", _("Text message"), _("Get a code by text message on your phone."), frozenset({"phone"})
        ),
        FactorSpec(
            "voice", _("Voice call"), _("Get a code read to you in a phone call."), frozenset({"phone"})
        ),
        FactorSpec(
            "push-notification",
            _("Push notification"),
            _("Approve sign-ins with a tap in the Auth0 Guardian app."),
            frozenset({"push", "guardian"}),
        ),
        FactorSpec(
            "otp",
            _("Authenticator app"),
            _("Enter a code from an app such as Google Authenticator, Microsoft Authenticator or 1Password."),
            frozenset({"totp"}),
        ),
        FactorSpec("email", _("Email"), _("Get a code by email."), frozenset({"email"})),
        FactorSpec(
            "webauthn-roaming",
            _("Security key"),
            _("Touch a USB, NFC or Bluetooth key such as a YubiKey."),
            frozenset({"webauthn-roaming"}),
        ),
        FactorSpec(
            "webauthn-platform",
            _("This device"),
            _("Use your face, fingerprint or screen lock on a device you own."),
            frozenset({"webauthn-platform"}),
        ),
        FactorSpec(
            "recovery-code",
            _("Recovery code"),
            _("A one-time code for when you cannot use your other methods. Keep it somewhere safe."),
            frozenset({"recovery-code"}),
            REGENERATE,
        ),
    )
}

# Factors a tenant may enable that cannot be set up from the account pages, and why.
NOT_OFFERED: dict[str, str] = {
    "duo": "Duo enrolls in Duo's own flow at sign-in; Auth0 has no enrollment ticket for it.",
    "passkey": "Passkeys are a first factor, created at sign-up or sign-in, not an MFA enrollment.",
}

# Method types never listed: the password is a sign-in method (the General tab shows those).
HIDDEN_METHOD_TYPES = frozenset({"password"})
# Listed but not removable here: the recovery code is regenerated instead.
NOT_REMOVABLE_TYPES = frozenset({"recovery-code"})

# What a method is called when Auth0 gave it no name.
METHOD_LABELS: dict[str, Promise] = {
    "totp": _("Authenticator app"),
    "phone": _("Phone"),
    "email": _("Email"),
    "push": _("Guardian app"),
    "guardian": _("Guardian app"),
    "webauthn-roaming": _("Security key"),
    "webauthn-platform": _("This device"),
    "recovery-code": _("Recovery code"),
    "passkey": _("Passkey"),
    "email-verification": _("Email verification"),
}
PHONE_CHANNELS: dict[str, Promise] = {"sms": _("text message"), "voice": _("voice call")}
_MASKED_PHONE = re.compile(r"^[X*•\s-]*(?P<digits>\d{2,4})$")


@dataclass(frozen=True)
class MethodRow:
    """One enrolled (or partly enrolled) method, ready to show."""

    id: str
    type: str
    label: str
    #: Masked contact data or the phone channel; ``""`` when there is nothing to add.
    detail: str
    added: datetime | None
    last_used: datetime | None
    confirmed: bool
    removable: bool


@dataclass(frozen=True)
class FactorRow:
    """One offered factor and the user's methods of it."""

    name: str
    title: Promise
    description: Promise
    methods: tuple[MethodRow, ...]
    #: ``"ticket"``, ``"regenerate"`` or ``""`` (nothing to do: e.g. a recovery code without MFA).
    action: str

    @property
    def enrolled(self) -> bool:
        return bool(self.methods)


@dataclass(frozen=True)
class SecurityOverview:
    """What the Security tab shows: offered factors, then methods no offered factor claims."""

    factors: tuple[FactorRow, ...]
    other_methods: tuple[MethodRow, ...]

    @property
    def methods(self) -> tuple[MethodRow, ...]:
        """Every listed method, offered factors first."""
        return (*(m for row in self.factors for m in row.methods), *self.other_methods)

    @property
    def has_mfa(self) -> bool:
        """True when the user has a confirmed method other than the recovery code."""
        return any(m.confirmed and m.type != "recovery-code" for m in self.methods)

    def find(self, method_id: str) -> MethodRow | None:
        """The listed method with this id, or None (not the user's, hidden, or gone)."""
        return next((m for m in self.methods if m.id == method_id), None)

    def factor(self, name: str) -> FactorRow | None:
        return next((row for row in self.factors if row.name == name), None)


def offered_factor_names(factors: Iterable[Factor], wanted: Sequence[str] | None = None) -> tuple[str, ...]:
    """The factors the tab offers: enabled by the tenant, known here, and wanted by the site.

    ``wanted`` is ``SELFSERVICE["MFA_FACTORS"]``: ``None`` offers everything the tenant enables
    (in the tenant's order); a list offers only those names, in the list's order.
    """
    enabled = [f.name for f in factors if f.enabled and f.name in FACTORS]
    if wanted is None:
        return tuple(dict.fromkeys(enabled))
    if "sms" in enabled:
        # Auth0 lists one phone factor, "sms", that covers both channels: a site that asks for
        # "voice" gets it whenever the phone factor is on (the tenant's list never says "voice").
        enabled.append("voice")
    return tuple(name for name in dict.fromkeys(wanted) if name in enabled)


def enrollable_factor_names(factors: Iterable[Factor], wanted: Sequence[str] | None = None) -> tuple[str, ...]:
    """The offered factors a user can enroll with an enrollment ticket (not the recovery code)."""
    return tuple(n for n in offered_factor_names(factors, wanted) if FACTORS[n].action == ENROLL_BY_TICKET)


def factor_for_method(method: AuthenticationMethod, offered: Sequence[str]) -> str | None:
    """The offered factor a method belongs to, or None.

    A ``phone`` method belongs to ``voice`` when voice is its preferred channel and ``voice`` is
    offered, otherwise to ``sms`` (Auth0's one phone factor covers both channels).
    """
    if method.type == "phone":
        order = ("voice", "sms") if method.preferred_authentication_method == "voice" else ("sms", "voice")
        return next((name for name in order if name in offered), None)
    return next((name for name in offered if method.type in FACTORS[name].method_types), None)


def describe_method(method: AuthenticationMethod) -> MethodRow:
    """How one method is shown: its name (or a label for its type) and masked contact data."""
    fallback = METHOD_LABELS.get(method.type)
    label = method.name or (str(fallback) if fallback is not None else _unknown_label(method.type))
    return MethodRow(
        id=method.id,
        type=method.type,
        label=label,
        detail=_detail(method, label),
        added=method.enrolled_at or method.created_at,
        last_used=method.last_auth_at,
        confirmed=method.confirmed is not False,
        removable=method.type not in NOT_REMOVABLE_TYPES,
    )


def build_overview(
    factors: Iterable[Factor], methods: Iterable[AuthenticationMethod], wanted: Sequence[str] | None = None
) -> SecurityOverview:
    """Join the tenant's factors with the user's methods (see the module docstring)."""
    offered = offered_factor_names(factors, wanted)
    claimed: dict[str, list[MethodRow]] = {name: [] for name in offered}
    other: list[MethodRow] = []
    for method in methods:
        if method.type in HIDDEN_METHOD_TYPES or not method.id:
            continue
        name = factor_for_method(method, offered)
        (claimed[name] if name else other).append(describe_method(method))
    has_mfa = any(
        m.confirmed and m.type != "recovery-code" for rows in (*claimed.values(), other) for m in rows
    )
    rows = []
    for name in offered:
        spec = FACTORS[name]
        action = spec.action
        if action == REGENERATE and not (claimed[name] or has_mfa):
            action = ""  # nothing to recover yet: Auth0 issues the first code at the first enrollment
        rows.append(FactorRow(name, spec.title, spec.description, tuple(claimed[name]), action))
    return SecurityOverview(factors=tuple(rows), other_methods=tuple(other))


def _detail(method: AuthenticationMethod, label: str) -> str:
    if method.type == "phone" and method.phone_number:
        found = _MASKED_PHONE.match(method.phone_number)
        number = gettext("ending in %(digits)s") % {"digits": found["digits"]} if found else method.phone_number
        channel = PHONE_CHANNELS.get(method.preferred_authentication_method or "")
        return f"{number} · {channel}" if channel else number
    if method.email and method.email != label:
        return method.email
    return ""


def _unknown_label(method_type: str) -> str:
    # A type this release does not know yet: readable rather than hidden ("new-thing" -> "New thing").
    return method_type.replace("-", " ").replace("_", " ").strip().capitalize() or gettext("Unknown method")
