"""Access tokens for a site's own API (an Auth0 "API", i.e. resource server), and the
password-realm grant tests use to get one without a browser.

A site tells the emulator about its API (``Emulator.add_api(identifier, scopes=...)`` or
``POST /__emulator__/apis``). A login whose ``/authorize`` named that ``audience`` then gets an
access token for it: ``aud`` is ``[identifier, {issuer}userinfo]`` (Auth0's shape when ``openid``
is asked too), ``scope`` is the asked scopes the API defines plus the OIDC ones, and, when the
API's ``auth_time_claim`` is on, ``auth_time`` — what the one-line Auth0 Action in docs/api.md
adds (UNVERIFIED: that Auth0 lets an Action set this registered claim name unprefixed).
"""

from __future__ import annotations

import hmac
from typing import Any

from selfservice.emulator.api import oauth
from selfservice.emulator.errors import OAuthError
from selfservice.emulator.keys import now
from selfservice.emulator.tenant import Client, Tenant

ACCESS_TOKEN_LIFETIME = 86400
OIDC_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
PASSWORD_REALM = "http://auth0.com/oauth/grant-type/password-realm"


def access_token(
    tenant: Tenant, issuer: str, user_id: str, client: Client, *, audience: str | None, scope: str,
    auth_time: int, sid: str | None = None,
) -> tuple[str, str]:
    """``(token, granted scope)``: for the API ``audience`` if the tenant has it, else /userinfo only."""
    api = tenant.apis.get(audience or "")
    asked = scope.split()
    issued = now()
    claims: dict[str, Any] = {
        "iss": issuer, "sub": user_id, "aud": [f"{issuer}userinfo"], "iat": issued,
        "exp": issued + ACCESS_TOKEN_LIFETIME, "azp": client.client_id,
    }
    if api is not None:
        granted = [s for s in asked if s in OIDC_SCOPES or s in api["scopes"]]
        claims["aud"] = [str(audience), f"{issuer}userinfo"]
        if api.get("auth_time_claim"):
            claims["auth_time"] = auth_time
    else:
        granted = [s for s in asked if s in OIDC_SCOPES]
    claims["scope"] = " ".join(granted)
    if sid:
        claims["sid"] = sid
    return tenant.key.sign(claims, typ="at+jwt" if api is not None else "JWT"), claims["scope"]


def password_realm(tenant: Tenant, request: Any, client: Client, form: dict[str, str]) -> dict[str, Any]:
    """Resource owner password with a realm (a database connection): tokens for tests."""
    email = form.get("username", "").strip().lower()
    user = next((u for u in tenant.users.values() if str(u.get("email", "")).lower() == email
                 and (u.get("identities") or [{}])[0].get("provider") == "auth0"), None)
    password = tenant.passwords.get(user["user_id"]) if user else None
    if user is None or not password or not hmac.compare_digest(password, form.get("password", "")):
        raise OAuthError(403, "invalid_grant", "Wrong email or password.")
    if user.get("blocked"):
        raise OAuthError(401, "unauthorized", "user is blocked")
    scope = form.get("scope") or "openid"
    token, granted = access_token(tenant, request.issuer, user["user_id"], client, audience=form.get("audience"),
                                  scope=scope, auth_time=now())
    return {"access_token": token, "scope": granted, "expires_in": ACCESS_TOKEN_LIFETIME, "token_type": "Bearer"}


oauth.GRANTS[PASSWORD_REALM] = password_realm
