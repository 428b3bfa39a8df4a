"""social-auth pipeline step: remember which Auth0 session this Django session belongs to.

Add it to ``SOCIAL_AUTH_PIPELINE`` after ``social_core.pipeline.user.user_details``::

    "selfservice.pipeline.store_auth0_session",  # the public path (selfservice/pipeline.py)

The Sessions tab marks "this device" by comparing ``sid`` with each Auth0 session id, back-channel
logout ends the Django sessions holding a ``sid``, and step-up compares ``auth_time`` with the
age a sensitive action allows.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt

SID_KEY = "selfservice_auth0_sid"
AUTH_TIME_KEY = "selfservice_auth0_auth_time"
# The same claims (and the sub) on the request, for selfservice.login.session_map: Django's login()
# flushes the session when another user was signed in in this browser.
REQUEST_ATTRIBUTE = "_selfservice_auth0_claims"


def login_age(session: Mapping[str, Any], now: float | None = None) -> float | None:
    """Seconds since the sign-in this Django session holds (the ID token's ``auth_time``).

    None when the session has no usable ``auth_time`` (signed in before this step was in the
    pipeline, or by another backend): step-up treats that as an old sign-in. A time slightly in
    the future (clocks differ between Auth0 and this host) counts as just now.
    """
    value = session.get(AUTH_TIME_KEY)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return max((time.time() if now is None else now) - value, 0.0)


def store_auth0_session(
    strategy: Any, details: dict[str, Any], response: dict[str, Any] | None = None, backend: Any = None, **kwargs: Any
) -> None:
    """Store the ID token's ``sid`` and ``auth_time`` in the Django session (Auth0 logins only)."""
    if backend is None or getattr(backend, "name", None) != "auth0":
        return
    claims: dict[str, Any] = {key: details[key] for key in ("sid", "auth_time") if key in details}
    if not claims and response and response.get("id_token"):
        # social-core's stock Auth0OAuth2 verified this very token (signature, audience, issuer,
        # expiry) in get_user_details() earlier in this request, but keeps only the profile.
        claims = jwt.decode(str(response["id_token"]), options={"verify_signature": False})
    if claims.get("sid"):
        strategy.session_set(SID_KEY, str(claims["sid"]))
    if claims.get("auth_time") is not None:
        strategy.session_set(AUTH_TIME_KEY, int(claims["auth_time"]))
    request = getattr(strategy, "request", None)
    if request is not None and claims.get("sid"):
        stash = {"sid": str(claims["sid"]), "auth_time": claims.get("auth_time"), "sub": kwargs.get("uid")}
        setattr(request, REQUEST_ATTRIBUTE, stash)
