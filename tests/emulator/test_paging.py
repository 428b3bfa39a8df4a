"""Paged lists as Auth0 answers them: bare arrays unless include_totals=true; sessions by checkpoint.

Also ``GET /users/{id}/organizations`` (Auth0 answers 200 ``[]`` for a user in none).
"""

from __future__ import annotations

import httpx
import pytest
from auth0.management import ManagementClient
from auth0.management.errors import ForbiddenError, NotFoundError
from auth0.management.types import Organization

from selfservice.emulator import Emulator
from selfservice.emulator.errors import ApiError

from .conftest import NO_RETRY, fetch_token

CAROL = "/api/v2/users/auth0|carol"
ACME = {"id": "org_acme000000000001", "name": "acme", "display_name": "Acme Inc.",
        "branding": {"logo_url": "https://example.com/logo.gif"}}


@pytest.fixture(autouse=True)
def _demo(emulator: Emulator) -> None:
    emulator.seed("demo")


def test_authentication_methods_are_a_bare_array_by_default(http: httpx.Client, auth: dict[str, str]) -> None:
    bare = http.get(f"{CAROL}/authentication-methods", headers=auth).json()
    assert isinstance(bare, list) and [m["type"] for m in bare][:2] == ["totp", "phone"] and len(bare) == 6
    paged = http.get(f"{CAROL}/authentication-methods", params={"per_page": 4, "page": 1}, headers=auth).json()
    assert [m["type"] for m in paged] == ["email", "recovery-code"]
    assert http.get(f"{CAROL}/authentication-methods", params={"page": 9}, headers=auth).json() == []


def test_authentication_methods_with_totals_are_auth0s_object(http: httpx.Client, auth: dict[str, str]) -> None:
    body = http.get(f"{CAROL}/authentication-methods", params={"include_totals": "true", "per_page": 4},
                    headers=auth).json()
    assert set(body) == {"authenticators", "start", "limit", "total"}
    assert (len(body["authenticators"]), body["start"], body["limit"], body["total"]) == (4, 0, 4, 6)


def test_include_totals_must_be_a_boolean(http: httpx.Client, auth: dict[str, str]) -> None:
    response = http.get(f"{CAROL}/authentication-methods", params={"include_totals": "yes"}, headers=auth)
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_query_string"


def test_sessions_are_an_object_and_take_defaults_to_50(
    emulator: Emulator, http: httpx.Client, auth: dict[str, str]
) -> None:
    emulator.add_user({"user_id": "auth0|many", "email": "many@example.com",
                       "sessions": [{"device": {"initial_user_agent": f"agent {i}"}} for i in range(60)]})
    for params in ({}, {"include_totals": "false"}, {"include_totals": "true"}):
        body = http.get("/api/v2/users/auth0|many/sessions", params=params, headers=auth).json()
        assert set(body) == {"sessions", "next"} and len(body["sessions"]) == 50
    rest = http.get("/api/v2/users/auth0|many/sessions", params={"from": body["next"]}, headers=auth).json()
    assert set(rest) == {"sessions"} and len(rest["sessions"]) == 10


def test_a_user_in_no_organization_gets_an_empty_array(http: httpx.Client, auth: dict[str, str]) -> None:
    response = http.get(f"{CAROL}/organizations", headers=auth)
    assert response.status_code == 200 and response.json() == []
    totals = http.get(f"{CAROL}/organizations", params={"include_totals": "true"}, headers=auth).json()
    assert totals == {"organizations": [], "start": 0, "limit": 50, "total": 0}


def test_seeded_organizations_are_listed_and_shared_by_id(
    emulator: Emulator, http: httpx.Client, auth: dict[str, str]
) -> None:
    emulator.add_user({"user_id": "auth0|dora", "email": "dora@example.com",
                       "organizations": [ACME, {"name": "globex", "display_name": "Globex"}]})
    emulator.add_user({"user_id": "auth0|eve", "email": "eve@example.com", "organizations": [{"id": ACME["id"]}]})
    dora = http.get("/api/v2/users/auth0|dora/organizations", headers=auth).json()
    assert dora[0] == ACME and dora[1]["name"] == "globex" and dora[1]["id"].startswith("org_")
    assert http.get("/api/v2/users/auth0|eve/organizations", headers=auth).json() == [ACME]
    totals = http.get("/api/v2/users/auth0|dora/organizations", params={"include_totals": "true", "per_page": 1},
                      headers=auth).json()
    assert totals == {"organizations": [ACME], "start": 0, "limit": 1, "total": 2}


@pytest.mark.parametrize("organization", ["acme", {"display_name": "No name"}])
def test_a_seeded_organization_needs_a_name(emulator: Emulator, organization: object) -> None:
    with pytest.raises(ApiError) as caught:
        emulator.add_user({"user_id": "auth0|fay", "email": "fay@example.com", "organizations": [organization]})
    assert caught.value.status == 400 and caught.value.error_code == "invalid_body"


def test_organizations_parse_into_auth0_python_and_its_pager_stops(emulator: Emulator, mc: ManagementClient) -> None:
    emulator.add_user({"user_id": "auth0|dora", "email": "dora@example.com", "organizations": [ACME]})
    found = list(mc.users.organizations.list("auth0|dora", request_options=NO_RETRY))
    assert all(isinstance(o, Organization) for o in found)
    assert [(o.id, o.display_name) for o in found] == [(ACME["id"], "Acme Inc.")]
    assert emulator.count("GET", "/organizations$") == 2  # the SDK asks for page+1, which is empty


def test_organizations_of_an_unknown_user_are_auth0s_404(mc: ManagementClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        mc.users.organizations.list("auth0|nobody", request_options=NO_RETRY)
    assert caught.value.body["errorCode"] == "inexistent_user"


def test_organizations_need_read_organizations(http: httpx.Client) -> None:
    token = fetch_token(http, scope="read:users")
    client = ManagementClient(domain="tenant.emulator.test", token=lambda: token, httpx_client=http)
    with pytest.raises(ForbiddenError) as caught:
        client.users.organizations.list("auth0|carol", request_options=NO_RETRY)
    assert caught.value.body["message"] == "Insufficient scope, expected any of: read:organizations"
