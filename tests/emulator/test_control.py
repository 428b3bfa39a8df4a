"""The control surface over HTTP (the stable contract outside tools use) and its Python twin."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from selfservice.emulator import Emulator

M2M = {"grant_type": "client_credentials", "client_id": "selfservice-m2m", "client_secret": "selfservice-m2m-secret"}


@pytest.fixture
def live(emulator: Emulator):
    """HTTP client on the real socket server; audience matches the host it is reached at."""
    with httpx.Client(base_url=emulator.url, timeout=5) as client:
        host = emulator.url.split("//", 1)[1]
        token = client.post("/oauth/token", data={**M2M, "audience": f"http://{host}/api/v2/"}).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_seed_users_over_http_and_read_them_through_the_management_api(live: httpx.Client) -> None:
    created = live.post("/__emulator__/users", json={
        "user_id": "auth0|zoe", "email": "zoe@example.com", "password": "pw-123456",
        "user_metadata": {"theme": "dark"},
        "sessions": [{"device": {"initial_user_agent": "Firefox", "initial_ip": "198.51.100.7"}}],
        "authentication_methods": [{"type": "totp"}],
    })
    assert created.status_code == 201 and created.json()["user_id"] == "auth0|zoe"
    assert "password" not in created.json()
    user = live.get("/api/v2/users/auth0|zoe").json()
    assert user["user_metadata"] == {"theme": "dark"} and user["identities"][0]["provider"] == "auth0"
    sessions = live.get("/api/v2/users/auth0|zoe/sessions").json()["sessions"]
    assert sessions[0]["device"]["last_ip"] == "198.51.100.7"
    stored = live.get("/__emulator__/users/auth0|zoe").json()
    assert [m["type"] for m in stored["authentication_methods"]] == ["totp"]


def test_reset_empties_the_tenant_but_keeps_the_default_clients(live: httpx.Client, emulator: Emulator) -> None:
    emulator.seed("demo")
    assert live.post("/__emulator__/reset").status_code == 204
    assert emulator.tenant.users == {}
    assert live.get("/api/v2/users/auth0|alice").status_code == 404  # users gone; the signing key is kept
    fresh = live.post("/oauth/token", data={**M2M, "audience": f"http://{emulator.url.split('//')[1]}/api/v2/"})
    assert fresh.status_code == 200  # the default M2M client still works


def test_faults_by_path_method_and_count(live: httpx.Client, emulator: Emulator) -> None:
    emulator.seed("demo")
    response = live.post("/__emulator__/faults", json={"path": "/users/auth0\\|alice$", "method": "GET", "status": 503, "times": 2})
    assert response.status_code == 201
    assert [live.get("/api/v2/users/auth0|alice").status_code for _ in range(3)] == [503, 503, 200]
    assert live.patch("/api/v2/users/auth0|alice", json={}).status_code == 200  # other methods unaffected


def test_a_fault_body_string_is_sent_raw(live: httpx.Client, emulator: Emulator) -> None:
    emulator.seed("demo")
    live.post("/__emulator__/faults", json={"path": "/api/v2/guardian", "status": 200, "body": "<html>oops</html>"})
    response = live.get("/api/v2/guardian/factors")
    assert response.status_code == 200 and response.text == "<html>oops</html>"
    assert live.delete("/__emulator__/faults").status_code == 204
    assert isinstance(live.get("/api/v2/guardian/factors").json(), list)


def test_a_429_fault_carries_rate_limit_headers(live: httpx.Client, emulator: Emulator) -> None:
    emulator.seed("demo")
    emulator.add_fault(path="/api/v2/", status=429, times=1)
    response = live.get("/api/v2/users/auth0|alice")
    assert response.status_code == 429
    assert response.json()["errorCode"] == "too_many_requests"
    assert int(response.headers["x-ratelimit-reset"]) >= int(time.time())
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_latency_faults_delay_without_failing(emulator: Emulator) -> None:
    emulator.seed("demo")
    emulator.add_fault(path="/guardian/factors", latency_ms=300, times=1)
    with httpx.Client(base_url=emulator.url, timeout=0.1) as slow, pytest.raises(httpx.ReadTimeout):
        slow.get("/api/v2/guardian/factors")


def test_rate_limit_answers_429_with_auth0_headers_once_the_burst_is_spent(live: httpx.Client, emulator: Emulator) -> None:
    emulator.seed("demo")
    assert live.put("/__emulator__/rate-limit", json={"per_second": 0.01, "burst": 3}).status_code == 200
    statuses = [live.get("/api/v2/users/auth0|alice") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in statuses[:3]] == ["2", "1", "0"]
    assert statuses[3].headers["x-ratelimit-limit"] == "3"
    assert int(statuses[3].headers["x-ratelimit-reset"]) > time.time()
    assert live.put("/__emulator__/rate-limit", content=b"null", headers={"content-type": "application/json"}).status_code == 204
    assert live.get("/api/v2/users/auth0|alice").status_code == 200


def test_request_log_lists_management_and_token_calls_but_not_control_calls(live: httpx.Client, emulator: Emulator) -> None:
    live.get("/api/v2/users/auth0|nobody")
    live.get("/__emulator__/faults")
    log = live.get("/__emulator__/requests").json()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("POST", "/oauth/token", 200), ("GET", "/api/v2/users/auth0|nobody", 404),
    ]
    assert emulator.count("GET", r"/users/") == 1 and emulator.count(path="^/oauth/token$") == 1


def test_bad_control_requests_are_400_not_500(live: httpx.Client) -> None:
    assert live.post("/__emulator__/faults", json={"status": 500}).status_code == 400
    assert live.post("/__emulator__/users", json=["not", "a", "user"]).status_code == 400
    assert live.patch("/__emulator__/tenant", json={"nonsense": 1}).status_code == 400
    assert live.get("/__emulator__/unknown").status_code == 404


@pytest.mark.parametrize("fault", [
    {"path": "("}, {"path": 5}, {"path": "x", "status": "abc"}, {"path": "x", "status": 1000}, {"path": "x", "status": True},
    {"path": "x", "latency_ms": -1}, {"path": "x", "latency_ms": "slow"}, {"path": "x", "times": 0}, {"path": "x", "times": 1.5},
    {"path": "x", "method": 3}, {"path": "x", "headers": {"retry-after": 5}}, {"path": "x", "headers": ["a"]},
], ids=["regex", "path-type", "status-text", "status-range", "status-bool", "latency-negative", "latency-text",
        "times-zero", "times-fraction", "method-type", "header-value", "headers-list"])
def test_a_fault_that_could_not_be_served_is_refused_with_400_when_added(
    live: httpx.Client, emulator: Emulator, fault: dict[str, object]
) -> None:
    refused = live.post("/__emulator__/faults", json=fault)

    assert refused.status_code == 400 and "Bad control request" in refused.json()["message"]
    assert live.get("/__emulator__/faults").json() == []
    answer = live.get("/api/v2/users/auth0|nobody")  # the tenant still answers as Auth0 would
    assert answer.status_code == 404 and answer.json()["errorCode"] == "inexistent_user"


def test_a_user_id_that_is_not_a_string_is_refused(live: httpx.Client) -> None:
    refused = live.post("/__emulator__/users", json={"user_id": 5, "email": "five@example.com"})

    assert refused.status_code == 400 and "user_id" in refused.json()["message"]


def test_factors_and_tenant_options_are_settable(live: httpx.Client, emulator: Emulator) -> None:
    live.put("/__emulator__/factors", json={"email": True, "sms": False})
    factors = {f["name"]: f["enabled"] for f in live.get("/api/v2/guardian/factors").json()}
    assert factors["email"] is True and factors["sms"] is False
    options = live.patch("/__emulator__/tenant", json={"sessions_enabled": False}).json()
    assert options["sessions_enabled"] is False


def test_the_demo_seed_matches_the_stable_contract(emulator: Emulator) -> None:
    emulator.seed("demo")
    tenant = emulator.tenant
    # Alice's Google and GitHub sign-ins, standalone until she links them (General tab).
    assert set(tenant.users) == {"auth0|alice", "google-oauth2|bob", "auth0|carol", "google-oauth2|alice", "github|alice"}
    assert all(tenant.passwords[u] == "demo-password" for u in tenant.users)
    assert tenant.users["google-oauth2|bob"]["identities"][0]["isSocial"] is True
    assert [m["type"] for m in tenant.methods["auth0|alice"]] == ["totp", "recovery-code"]
    assert tenant.users["auth0|alice"]["user_metadata"]
    assert len(tenant.user_sessions("auth0|alice")) == 3
    assert len(tenant.user_sessions("auth0|carol")) == 40
    assert len(tenant.methods["auth0|carol"]) >= 4
    assert set(tenant.clients) == {"selfservice-m2m", "selfservice-web"}


def _slow_request_through_a_reset(emulator: Emulator, method: str, path: str, **options: Any) -> list[httpx.Response]:
    """Send ``method path`` held up by a latency fault, reset the tenant while it waits; its answer."""
    import threading

    answers: list[httpx.Response] = []
    emulator.add_fault(path=path, latency_ms=500, times=1)
    slow = threading.Thread(target=lambda: answers.append(httpx.request(method, f"{emulator.url}{path}", timeout=5, **options)))
    slow.start()
    # The fault is taken when the request arrives: from then on it is in flight (no guessed sleep).
    deadline = time.monotonic() + 5
    while emulator.tenant.faults and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not emulator.tenant.faults, "the slow request never reached the emulator"
    emulator.reset()
    emulator.seed("demo")
    emulator.set_rate_limit(0.01, 1)  # one request's worth: a stray one would leave none
    slow.join()
    return answers


def test_a_request_that_began_before_a_reset_is_not_logged_after_it(emulator: Emulator) -> None:
    emulator.seed("demo")
    [answer] = _slow_request_through_a_reset(emulator, "GET", "/api/v2/guardian/factors")

    assert answer.status_code == 503  # its tenant is gone
    assert emulator.requests() == []
    assert emulator.rate_limits()["buckets"]["global"]["remaining"] == 1  # nothing spent of the new limit


def test_a_change_that_began_before_a_reset_does_not_reach_the_new_tenant(emulator: Emulator) -> None:
    emulator.seed("demo")
    token = httpx.post(f"{emulator.url}/oauth/token", data={**M2M, "audience": f"http://{emulator.url.split('//')[1]}/api/v2/"}).json()
    [answer] = _slow_request_through_a_reset(emulator, "PATCH", "/api/v2/users/auth0|alice", json={"nickname": "from-before"},
                                             headers={"Authorization": f"Bearer {token['access_token']}"})

    assert answer.status_code == 503
    assert (emulator.user("auth0|alice") or {}).get("nickname") != "from-before"
