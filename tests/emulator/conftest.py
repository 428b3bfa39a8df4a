"""Clients that drive the emulator the way real callers do: auth0-python and raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from auth0.management import ManagementClient

from selfservice.emulator import Emulator

DOMAIN = "tenant.emulator.test"
AUDIENCE = f"https://{DOMAIN}/api/v2/"
M2M = {"client_id": "selfservice-m2m", "client_secret": "selfservice-m2m-secret"}
NO_RETRY = {"max_retries": 0}


def fetch_token(http: httpx.Client, scope: str | None = None, audience: str = AUDIENCE) -> str:
    data = {"grant_type": "client_credentials", "audience": audience, **M2M}
    if scope is not None:
        data["scope"] = scope
    response = http.post(f"https://{DOMAIN}/oauth/token", data=data)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def http(emulator: Emulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the in-process tenant (for status codes and error bodies)."""
    with httpx.Client(transport=emulator.transport(), base_url=f"https://{DOMAIN}") as client:
        yield client


@pytest.fixture
def token(http: httpx.Client) -> str:
    return fetch_token(http)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def mc(http: httpx.Client, token: str) -> ManagementClient:
    """auth0-python's own client, in-process: every response must parse into its types."""
    return ManagementClient(domain=DOMAIN, token=lambda: token, httpx_client=http)
