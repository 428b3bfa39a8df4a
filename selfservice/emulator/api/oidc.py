"""OIDC login: ``/authorize`` (login form, SSO cookie, prompt/max_age), code exchange, userinfo, logout.

Logging in creates an Auth0 session carrying the browser's user agent and IP; the ID token's
``sid`` is that session's id (auth0-facts.md §3, addendum).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from fnmatch import fnmatch
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from selfservice.emulator import pages, records
from selfservice.emulator.api import api_tokens, oauth
from selfservice.emulator.errors import OAuthError
from selfservice.emulator.http import Request, Response, html_response, json_response, redirect_response
from selfservice.emulator.keys import now
from selfservice.emulator.routing import Route
from selfservice.emulator.tenant import Client, Tenant

SSO_COOKIE = "auth0"
CODE_LIFETIME = 600
ID_TOKEN_LIFETIME = 36000
ACCESS_TOKEN_LIFETIME = 86400
PROFILE_CLAIMS = ("name", "nickname", "picture", "given_name", "family_name", "updated_at")


def _matches(url: str, patterns: tuple[str, ...]) -> bool:
    """Auth0 matches callbacks exactly; the emulator also takes ``*`` (e.g. any loopback port)."""
    base = url.split("?", 1)[0].split("#", 1)[0]
    return any(fnmatch(base, pattern) for pattern in patterns)


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def _client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for", "")
    return forwarded.split(",")[0].strip() or request.remote_addr


def _sso_session(tenant: Tenant, request: Request) -> dict[str, Any] | None:
    cookie = SimpleCookie(request.headers.get("cookie", ""))
    morsel = cookie.get(SSO_COOKIE)
    sid = tenant.sso.get(morsel.value) if morsel else None
    return tenant.sessions.get(sid) if sid else None


def authorize(tenant: Tenant, request: Request) -> Response:
    client = tenant.clients.get(request.arg("client_id") or "")
    if client is None or client.app_type != "regular_web":
        return html_response(pages.error_page("Unknown client", "The client_id is not a web application of this tenant."), 400)
    redirect_uri = request.arg("redirect_uri") or ""
    if not _matches(redirect_uri, client.callbacks):
        return html_response(pages.error_page("Callback URL mismatch", f"{redirect_uri} is not an allowed callback URL."), 400)
    state = request.arg("state")

    def fail(error: str, description: str) -> Response:
        params = {"error": error, "error_description": description}
        if state:
            params["state"] = state
        return redirect_response(_with_query(redirect_uri, params))

    if request.arg("response_type") != "code":
        return fail("unsupported_response_type", "Unsupported response type; use code")
    session = _sso_session(tenant, request)
    prompt = (request.arg("prompt") or "").split()
    if request.method == "POST":
        # The form was filled in: the same user re-authenticates this browser's session (its
        # authenticated_at, hence the next ID token's auth_time, becomes now); anyone else gets
        # a session of their own.
        return _login(tenant, request, client, redirect_uri, state, session)
    if session is not None and _must_sign_in_again(session, prompt, request.arg("max_age")):
        session = None
    if session is None:
        if "none" in prompt:
            return fail("login_required", "Login required")
        return html_response(pages.login_page(_action(request), client.name, request.arg("login_hint") or "",
                                              demo_users=_demo_users(tenant), connection=request.arg("connection") or ""))
    return _issue_code(tenant, request, client, redirect_uri, state, session, reused=True)


def _must_sign_in_again(session: dict[str, Any], prompt: list[str], max_age: str | None) -> bool:
    """Whether an SSO session may not answer: ``prompt=login``, or an authentication older than
    ``max_age`` seconds (``max_age=0``: always, whatever the clock says)."""
    if "login" in prompt:
        return True
    if max_age is None or not max_age.isdigit():
        return False
    authenticated = records.parse_iso(session["authenticated_at"]).timestamp()
    return int(max_age) == 0 or time.time() - authenticated > int(max_age)


def _demo_users(tenant: Tenant) -> tuple[str, ...]:
    """The demo seed's logins, listed on the form only when that seed is loaded."""
    from selfservice.emulator.seeds import DEMO_LOGINS

    return tuple(label for user_id, label in DEMO_LOGINS if user_id in tenant.users)


def _action(request: Request) -> str:
    return f"/authorize?{urlencode([(k, v) for k, values in request.query.items() for v in values])}"


def _login(
    tenant: Tenant, request: Request, client: Client, redirect_uri: str, state: str | None, session: dict[str, Any] | None
) -> Response:
    form = request.form()
    email = form.get("email", "").strip()
    connection = request.arg("connection") or ""
    found = _find_login(tenant, email, connection)
    user, identity = found if found is not None else (None, {})
    password = tenant.passwords.get(_password_key(user, identity)) if user else None
    if user is None or not password or not hmac.compare_digest(password, form.get("password", "")):
        page = pages.login_page(_action(request), client.name, email, error="Wrong email or password.",
                                demo_users=_demo_users(tenant), connection=connection)
        return html_response(page, 401)
    if user.get("blocked"):
        return html_response(pages.login_page(_action(request), client.name, email, error="This user is blocked."), 401)
    method = "federated" if identity.get("isSocial") else "pwd"
    stamp = records.iso()
    agent = request.headers.get("user-agent", "")
    ip = _client_ip(request)
    with tenant.lock:
        if session is not None and session["user_id"] == user["user_id"]:
            session["authenticated_at"] = stamp  # re-authentication in the same browser session
            session["authentication"]["methods"].append({"name": method, "timestamp": stamp})
        else:
            session = tenant.add_session(user["user_id"], {
                "created_at": stamp, "authenticated_at": stamp,
                "device": {"initial_user_agent": agent, "initial_ip": ip, "initial_asn": "0"},
                "clients": [{"client_id": client.client_id}],
                "authentication": {"methods": [{"name": method, "timestamp": stamp}]},
            })
        user["last_login"] = stamp
        user["last_ip"] = ip
        user["logins_count"] = int(user.get("logins_count", 0)) + 1
    return _issue_code(tenant, request, client, redirect_uri, state, session, reused=False)


def _find_login(tenant: Tenant, email: str, connection: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The user an email signs in as, and the identity it signs in with.

    ``connection=NAME`` (what a site sends to go straight to one provider) looks among every
    identity of that connection, linked ones included: signing in with an identity linked to
    another user signs in as that (primary) user, as on Auth0. Without it, the database user
    with that email comes first (the form stands in for Universal Login's password box).
    """
    wanted = email.strip().lower()
    if not wanted:
        return None
    if connection:
        for user in tenant.users.values():
            for index, identity in enumerate(user.get("identities") or []):
                address = user.get("email") if index == 0 else (identity.get("profileData") or {}).get("email")
                if identity.get("connection") == connection and str(address or "").lower() == wanted:
                    return user, identity
        return None
    matches = [user for user in tenant.users.values() if str(user.get("email", "")).lower() == wanted]
    matches.sort(key=lambda user: bool((user.get("identities") or [{}])[0].get("isSocial")))
    return (matches[0], (matches[0].get("identities") or [{}])[0]) if matches else None


def _password_key(user: dict[str, Any], identity: dict[str, Any]) -> str:
    """Passwords stay with the identity they were seeded for, linked or not (``provider|id``)."""
    primary = (user.get("identities") or [{}])[0]
    if identity is primary or not identity.get("provider"):
        return str(user["user_id"])
    return f"{identity['provider']}|{identity.get('user_id')}"


def _issue_code(
    tenant: Tenant, request: Request, client: Client, redirect_uri: str, state: str | None,
    session: dict[str, Any], reused: bool,
) -> Response:
    stamp = records.iso()
    agent = request.headers.get("user-agent", "")
    with tenant.lock:
        session["last_interacted_at"] = session["updated_at"] = stamp
        if agent:
            session["device"]["last_user_agent"] = agent
        session["device"]["last_ip"] = _client_ip(request)
        if {"client_id": client.client_id} not in session["clients"]:
            session["clients"].append({"client_id": client.client_id})
        code = records.random_id(32)
        tenant.codes[code] = {
            "client_id": client.client_id, "redirect_uri": request.arg("redirect_uri"), "user_id": session["user_id"],
            "sid": session["id"], "nonce": request.arg("nonce"), "scope": request.arg("scope") or "openid",
            "audience": request.arg("audience"), "code_challenge": request.arg("code_challenge"),
            "code_challenge_method": request.arg("code_challenge_method") or "plain",
            # The ID token's auth_time: when this browser's session last signed in, as of this
            # code (a later sign-in elsewhere in the session does not change what this one was).
            "auth_time": int(records.parse_iso(session["authenticated_at"]).timestamp()),
            "expires": time.time() + CODE_LIFETIME,
        }
        cookie_value = next((k for k, v in tenant.sso.items() if v == session["id"]), None) or records.random_id(40)
        tenant.sso[cookie_value] = session["id"]
        tenant.session_issuers[session["id"]] = request.issuer
    params = {"code": code}
    if state:
        params["state"] = state
    response = redirect_response(_with_query(request.arg("redirect_uri") or "", params))
    response.headers.append(("Set-Cookie", f"{SSO_COOKIE}={cookie_value}; Path=/; HttpOnly; SameSite=Lax"))
    return response


def authorization_code(tenant: Tenant, request: Request, client: Client, form: dict[str, str]) -> dict[str, Any]:
    with tenant.lock:
        grant = tenant.codes.pop(form.get("code", ""), None)  # single use
    if grant is None or grant["expires"] < time.time() or grant["client_id"] != client.client_id:
        raise OAuthError(403, "invalid_grant", "Invalid authorization code")
    if form.get("redirect_uri") != grant["redirect_uri"]:
        raise OAuthError(403, "invalid_grant", "Invalid redirect_uri: it must match the one sent to /authorize")
    if grant["code_challenge"]:
        verifier = form.get("code_verifier", "")
        if grant["code_challenge_method"] == "S256":
            verifier = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if not hmac.compare_digest(verifier, grant["code_challenge"]):
            raise OAuthError(403, "invalid_grant", "Failed to verify code verifier")
    user = tenant.users.get(grant["user_id"])
    session = tenant.sessions.get(grant["sid"])
    if user is None or session is None:
        raise OAuthError(403, "invalid_grant", "The session has ended")
    issued = now()
    scopes = set(grant["scope"].split())
    claims: dict[str, Any] = {
        "iss": request.issuer, "sub": user["user_id"], "aud": client.client_id, "iat": issued,
        "exp": issued + ID_TOKEN_LIFETIME, "sid": session["id"],
        "auth_time": grant["auth_time"],
        **_profile_claims(user, scopes),
    }
    if grant["nonce"]:
        claims["nonce"] = grant["nonce"]
    access, granted = api_tokens.access_token(
        tenant, request.issuer, user["user_id"], client, audience=grant["audience"], scope=grant["scope"],
        auth_time=grant["auth_time"], sid=session["id"],
    )
    return {
        "access_token": access,
        "id_token": tenant.key.sign(claims, typ="JWT"),
        "scope": granted,
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "token_type": "Bearer",
    }


def _profile_claims(user: dict[str, Any], scopes: set[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if "profile" in scopes:
        claims.update({k: user[k] for k in PROFILE_CLAIMS if k in user})
    if "email" in scopes and "email" in user:
        claims["email"] = user["email"]
        claims["email_verified"] = bool(user.get("email_verified"))
    return claims


def userinfo(tenant: Tenant, request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        claims = tenant.key.verify(token, audience=f"{request.issuer}userinfo") if scheme.lower() == "bearer" else None
    except Exception:
        claims = None
    user = tenant.users.get(str(claims.get("sub"))) if claims else None
    if user is None or claims is None:
        return Response(401, b"Unauthorized", [("WWW-Authenticate", 'Bearer error="invalid_token"')])
    return json_response({"sub": user["user_id"], **_profile_claims(user, set(str(claims.get("scope", "")).split()))})


def logout(tenant: Tenant, request: Request) -> Response:
    """``/v2/logout?client_id&returnTo`` and ``/oidc/logout?post_logout_redirect_uri&state``."""
    session = _sso_session(tenant, request)
    if session is not None:
        tenant.end_session(session["id"], request.issuer)
    return_to = request.arg("returnTo") or request.arg("post_logout_redirect_uri")
    clients = [tenant.clients[c] for c in [request.arg("client_id")] if c in tenant.clients] or list(tenant.clients.values())
    allowed = tuple(p for c in clients for p in c.allowed_logout_urls)
    clear = ("Set-Cookie", f"{SSO_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
    if return_to and _matches(return_to, allowed) and urlsplit(return_to).scheme in ("http", "https"):
        state = request.arg("state")
        response = redirect_response(_with_query(return_to, {"state": state}) if state else return_to)
    else:
        response = html_response(pages.logged_out_page())
    response.headers.append(clear)
    return response


oauth.GRANTS["authorization_code"] = authorization_code

ROUTES = (
    Route("GET", "/authorize", authorize),
    Route("POST", "/authorize", authorize),
    Route("GET", "/userinfo", userinfo),
    Route("POST", "/userinfo", userinfo),
    Route("GET", "/v2/logout", logout),
    Route("GET", "/oidc/logout", logout),
)
