"""One call that points both halves of a site at the emulated tenant.

A site talks to Auth0 twice: the Management API (``SELFSERVICE``, the machine-to-machine
client) and the login (social-auth's ``SOCIAL_AUTH_AUTH0_*``, the regular web application).
Pointing one at the emulator and forgetting the other sends the login to a real Auth0 domain
(or the Management calls to one), which is what ``selfservice.W003`` warns about. So the
settings for both come from here, in the site's settings module::

    from selfservice.emulator.settings import emulated_tenant

    globals().update(emulated_tenant("http://127.0.0.1:8001"))   # python -m selfservice.emulator

Plain data, no Django import (the emulator package stays framework-free): the result is a dict
of setting names to values, with the emulator's own client ids and secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .tenant import default_clients

__all__ = ["DEFAULT_URL", "emulated_tenant"]

#: Where ``python -m selfservice.emulator`` listens unless told otherwise.
DEFAULT_URL = "http://127.0.0.1:8001"
M2M_CLIENT = "selfservice-m2m"
WEB_CLIENT = "selfservice-web"


def emulated_tenant(base_url: str = DEFAULT_URL, selfservice: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings that send the Management API *and* the login to the emulator at ``base_url``.

    Returns ``SELFSERVICE`` (``selfservice``'s other keys kept, the tenant keys replaced) and
    ``SOCIAL_AUTH_AUTH0_DOMAIN`` / ``_BASE_URL`` / ``_KEY`` / ``_SECRET``. ``base_url`` is the
    emulator's origin (scheme, host and port; a path is refused: it would never be reached).
    """
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"base_url must be an origin such as {DEFAULT_URL!r}, not {base_url!r}")
    origin = f"{parts.scheme}://{parts.netloc}"
    clients = default_clients()
    m2m, web = clients[M2M_CLIENT], clients[WEB_CLIENT]
    return {
        "SELFSERVICE": {
            **dict(selfservice or {}),
            # The domain names the tenant (the token audience is https://{domain}/api/v2/); the
            # base URL is where the calls go (the emulator answers plain http).
            "AUTH0_DOMAIN": parts.netloc,
            "AUTH0_BASE_URL": origin,
            "AUTH0_CLIENT_ID": m2m.client_id,
            "AUTH0_CLIENT_SECRET": m2m.client_secret,
        },
        "SOCIAL_AUTH_AUTH0_DOMAIN": parts.netloc,
        # selfservice.backends.Auth0OAuth2 sends /authorize, /oauth/token and the JWKS here.
        "SOCIAL_AUTH_AUTH0_BASE_URL": origin,
        "SOCIAL_AUTH_AUTH0_KEY": web.client_id,
        "SOCIAL_AUTH_AUTH0_SECRET": web.client_secret,
    }
