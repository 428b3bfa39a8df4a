"""Who is calling: the site's session (cookie + CSRF) or a bearer access token from the tenant.

Bearer tokens (RFC 6750) are checked like this, and anything else is a 401 with
``WWW-Authenticate: Bearer error="invalid_token"``:

- RS256 only (``alg: none``, HS256 and every other algorithm are refused before any key is
  looked at); the key comes from the tenant's JWKS by ``kid`` (:mod:`selfservice.core.jwks`);
- ``iss`` is the tenant (the login's issuer), ``aud`` contains ``API_AUDIENCE``, ``exp`` and
  ``iat`` present, ``exp``/``nbf`` honoured with 30 s of leeway;
- ``sub`` is a user (machine-to-machine tokens, ``…@clients``, act for no one);
- the scopes are the token's ``scope`` (space separated) plus ``permissions`` (Auth0 RBAC).

A session caller has every scope (the site's own pages are as powerful); a bearer caller needs
the operation's scope (:data:`SCOPES`), else 403 ``insufficient_scope``. Step-up
(:func:`require_recent_login`, RFC 9470) looks at the token's ``auth_time`` or the session's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from selfservice.api.problems import ApiProblem
from selfservice.conf import get_settings
from selfservice.core import jwks
from selfservice.core.adapter import act_for, get_adapter, resolve_auth0_user_id
from selfservice.login.logout_tokens import expected_issuer
from selfservice.login.pipeline import AUTH_TIME_KEY, SID_KEY

__all__ = ["SCOPES", "BearerAuth", "Caller", "CookieAuth", "caller_of", "require_recent_login", "require_scope"]

#: The scopes of the site's API in Auth0 (define them there), and what each allows.
SCOPES = {
    "read:me": "Read the profile, preferences, methods, sessions, identities, activity and export.",
    "update:me": "Change the profile, preferences, email and password; manage methods, sessions and identities.",
    "delete:me": "Delete the account.",
}
LEEWAY = 30
REALM = 'Bearer realm="selfservice"'


@dataclass(frozen=True)
class Caller:
    """The Auth0 user an API request acts for, and what it may do."""

    auth0_user_id: str
    via: str  # "session" or "bearer"
    scopes: frozenset[str] | None  # None: a session, which may do everything
    auth_time: int | None
    sid: str | None


def invalid_token(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, code="invalid_token",
                      headers={"WWW-Authenticate": f'{REALM}, error="invalid_token", error_description="{detail}"'})


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <access token>`` issued by the tenant for ``API_AUDIENCE``."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        audience = get_settings().api_audience
        if not audience:
            raise invalid_token("This site accepts no bearer tokens (API_AUDIENCE is not set).")
        claims = _verified_claims(token, audience)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or sub.endswith("@clients") or claims.get("gty") == "client-credentials":
            raise invalid_token("The token does not act for a user.")
        scopes = set(str(claims.get("scope") or "").split())
        permissions = claims.get("permissions")
        if isinstance(permissions, list):
            scopes.update(str(p) for p in permissions)
        auth_time = claims.get("auth_time")
        sid = claims.get("sid")
        _adopt_local_user(request, sub)
        return Caller(
            auth0_user_id=sub, via="bearer", scopes=frozenset(scopes),
            auth_time=int(auth_time) if isinstance(auth_time, int | float) and not isinstance(auth_time, bool) else None,
            sid=str(sid) if isinstance(sid, str) and sid else None,
        )


class CookieAuth(APIKeyCookie):
    """The site's session, as the account pages use it (CSRF checked on unsafe methods)."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        if not request.user.is_authenticated:
            return None
        auth0_user_id = resolve_auth0_user_id(request)
        if not auth0_user_id:
            raise ApiProblem(403, "This account is not linked to an Auth0 user.", code="not_linked")
        auth_time = request.session.get(AUTH_TIME_KEY)
        sid = request.session.get(SID_KEY)
        return Caller(
            auth0_user_id=auth0_user_id, via="session", scopes=None,
            auth_time=int(auth_time) if isinstance(auth_time, int) else None,
            sid=str(sid) if isinstance(sid, str) and sid else None,
        )


def caller_of(request: HttpRequest) -> Caller:
    caller = getattr(request, "auth", None)
    if not isinstance(caller, Caller):  # pragma: no cover - every operation has auth
        raise ApiProblem(401, "Sign in first.", code="not_authenticated", headers={"WWW-Authenticate": REALM})
    return caller


def require_scope(caller: Caller, scope: str) -> None:
    """403 ``insufficient_scope`` unless a bearer caller's token has ``scope``."""
    if caller.scopes is not None and scope not in caller.scopes:
        raise ApiProblem(
            403, f"The access token lacks the scope {scope}.", code="insufficient_scope",
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'},
        )


def require_recent_login(request: HttpRequest, caller: Caller, action: str) -> None:
    """RFC 9470: 401 ``insufficient_user_authentication`` unless the sign-in is recent enough."""
    max_age = get_settings().step_up_max_age
    if max_age is None:
        return
    if caller.via == "session":
        stale = get_adapter().requires_recent_login(request, action)
    else:
        stale = caller.auth_time is None or time.time() - caller.auth_time > max_age
    if stale:
        raise ApiProblem(
            401, f"This needs a sign-in at most {max_age} seconds old: sign in again (max_age={max_age}).",
            code="insufficient_user_authentication",
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_user_authentication", '
                                         f'error_description="A more recent sign-in is required", max_age={max_age}'},
            extra={"max_age": max_age},
        )


def _verified_claims(token: str, audience: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise invalid_token("The token is not a JWT.") from None
    if header.get("alg") != "RS256":
        raise invalid_token("The token must be signed with RS256.")
    try:
        key = jwks.signing_key(str(header.get("kid") or ""))
    except jwks.UnknownKey:
        raise invalid_token("The token is signed with an unknown key.") from None
    except jwks.KeysUnavailable:
        raise ApiProblem(503, "The tenant's signing keys cannot be read; try again.", code="keys_unavailable",
                         headers={"Retry-After": "5"}) from None
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["RS256"], audience=audience, issuer=expected_issuer(), leeway=LEEWAY,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise invalid_token("The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise invalid_token("The token is not valid yet.") from None
    except jwt.InvalidAudienceError:
        raise invalid_token("The token is for another audience.") from None
    except jwt.InvalidIssuerError:
        raise invalid_token("The token comes from another issuer.") from None
    except jwt.PyJWTError:
        raise invalid_token("The token does not verify.") from None
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or isinstance(issued, bool) or issued > time.time() + LEEWAY:
        raise invalid_token("The token's iat is missing or in the future.")
    return claims


def _adopt_local_user(request: HttpRequest, sub: str) -> None:
    """The site's own user for ``sub`` (audit rows, exports and deletion name it), if it has one."""
    from social_django.models import UserSocialAuth

    act_for(request, sub)
    link = UserSocialAuth.objects.filter(provider="auth0", uid=sub).select_related("user").first()
    if link is not None:
        request.user = link.user
