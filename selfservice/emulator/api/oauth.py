"""Authentication API: ``/oauth/token`` (client credentials), JWKS and OIDC discovery."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from selfservice.emulator.errors import OAuthError
from selfservice.emulator.http import Request, Response, json_response
from selfservice.emulator.keys import now
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Client, Tenant

M2M_TOKEN_LIFETIME = 86400

# Other grant types (authorization_code) register themselves here.
GRANTS: dict[str, Callable[[Tenant, Request, Client, dict[str, str]], dict[str, Any]]] = {}


def authenticate_client(tenant: Tenant, request: Request, form: dict[str, str]) -> Client:
    """client_secret_post or client_secret_basic, as Auth0 accepts both."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "Client authentication failed") from None
    client = tenant.clients.get(client_id or "")
    if client is None or not secret or secret != client.client_secret:
        raise OAuthError(401, "invalid_client", "Client authentication failed")
    return client


def token(tenant: Tenant, request: Request) -> Response:
    form = request.form()
    grant_type = form.get("grant_type", "")
    client = authenticate_client(tenant, request, form)
    if grant_type == "client_credentials":
        body = client_credentials(tenant, request, client, form)
    elif grant_type in GRANTS:
        body = GRANTS[grant_type](tenant, request, client, form)
    else:
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    return json_response(body, 200, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])


def client_credentials(tenant: Tenant, request: Request, client: Client, form: dict[str, str]) -> dict[str, Any]:
    audience = form.get("audience")
    if not audience:
        raise OAuthError(403, "access_denied", "No audience parameter was provided, and no default audience has been configured")
    if audience not in (f"https://{request.host}/api/v2/", f"http://{request.host}/api/v2/"):
        raise OAuthError(403, "access_denied", f"Service not found: {audience}")
    if client.app_type != "non_interactive" or not client.scopes:
        # UNVERIFIED text: Auth0 refuses clients without a grant for the audience.
        raise OAuthError(403, "access_denied", "Client is not authorized to access \"" + audience + "\". You need to create a \"client-grant\" associated to this API.")
    scopes = list(client.scopes)
    if form.get("scope"):
        asked = set(form["scope"].split())
        scopes = [s for s in scopes if s in asked]
    issued = now()
    claims = {
        "iss": request.issuer,
        "sub": f"{client.client_id}@clients",
        "aud": audience,
        "iat": issued,
        "exp": issued + M2M_TOKEN_LIFETIME,
        "scope": " ".join(scopes),
        "gty": "client-credentials",
        "azp": client.client_id,
    }
    return {
        "access_token": tenant.key.sign(claims, typ="JWT"),
        "scope": " ".join(scopes),
        "expires_in": M2M_TOKEN_LIFETIME,
        "token_type": "Bearer",
    }


def jwks(tenant: Tenant, request: Request) -> Response:
    return json_response(tenant.key.jwks())


def openid_configuration(tenant: Tenant, request: Request) -> Response:
    issuer = request.issuer
    return json_response({
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}authorize",
        "token_endpoint": f"{issuer}oauth/token",
        "device_authorization_endpoint": f"{issuer}oauth/device/code",
        "userinfo_endpoint": f"{issuer}userinfo",
        "mfa_challenge_endpoint": f"{issuer}mfa/challenge",
        "jwks_uri": f"{issuer}.well-known/jwks.json",
        "registration_endpoint": f"{issuer}oidc/register",
        "revocation_endpoint": f"{issuer}oauth/revoke",
        "end_session_endpoint": f"{issuer}oidc/logout",
        "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name", "family_name",
                             "nickname", "email", "email_verified", "picture", "created_at", "identities",
                             "phone", "address"],
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token",
                                     "token id_token", "code token id_token"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name",
                             "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number",
                             "picture", "sub", "sid"],
        "request_uri_parameter_supported": False,
        "request_parameter_supported": False,
        "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    })


ROUTES = (
    Route("POST", "/oauth/token", token),
    Route("GET", "/.well-known/jwks.json", jwks),
    Route("GET", "/.well-known/openid-configuration", openid_configuration),
)
