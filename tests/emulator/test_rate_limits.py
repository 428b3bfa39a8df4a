"""Auth0's Management API buckets in the emulator, driven through the control API and real calls.

Most tests run a tenant on a fake monotonic clock (``Emulator(clock=...)``): buckets refill only
when the test says so, so token counts are exact and nothing sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from auth0.management import ManagementClient
from auth0.management.errors import TooManyRequestsError

from selfservice.emulator import Emulator
from selfservice.emulator.__main__ import build_parser

from .conftest import DOMAIN, NO_RETRY, fetch_token

ALICE = "/api/v2/users/auth0|alice"
ALICE_METHODS = ALICE + "/authentication-methods"
GLOBAL_429 = {"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached",
              "errorCode": "too_many_requests"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tenant(clock: FakeClock) -> Emulator:
    return Emulator(seed="demo", clock=clock)


@pytest.fixture
def api(tenant: Emulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the fake-clock tenant, with a Management token (fetched before any limit)."""
    with httpx.Client(transport=tenant.transport(), base_url=f"https://{DOMAIN}") as client:
        client.headers["Authorization"] = f"Bearer {fetch_token(client)}"
        yield client


def put_limits(api: httpx.Client, body: Any) -> httpx.Response:
    return api.put("/__emulator__/rate-limit", json=body)


def limits(api: httpx.Client) -> dict[str, Any]:
    response = api.get("/__emulator__/rate-limit")
    assert response.status_code == 200
    return dict(response.json())


def remaining(api: httpx.Client) -> dict[str, int]:
    return {name: bucket["remaining"] for name, bucket in limits(api)["buckets"].items()}


def header_triplet(response: httpx.Response) -> tuple[int, int, int]:
    return (int(response.headers["x-ratelimit-limit"]), int(response.headers["x-ratelimit-remaining"]),
            int(response.headers["x-ratelimit-reset"]))


# -- classification -------------------------------------------------------------------------------

def test_essentials_charges_reads_writes_and_everything_else_to_their_own_buckets(api: httpx.Client) -> None:
    assert put_limits(api, {"preset": "essentials"}).status_code == 200
    assert remaining(api) == {"users.read": 40, "users.write": 20, "other": 10}

    read = api.get(ALICE)
    assert read.status_code == 200 and header_triplet(read)[:2] == (40, 39)
    assert remaining(api) == {"users.read": 39, "users.write": 20, "other": 10}

    write = api.patch(ALICE, json={"user_metadata": {"theme": "dark"}})
    assert write.status_code == 200 and header_triplet(write)[:2] == (20, 19)
    assert remaining(api) == {"users.read": 39, "users.write": 19, "other": 10}

    methods = api.get(ALICE_METHODS)
    assert methods.status_code == 200 and header_triplet(methods)[:2] == (10, 9)
    api.get(ALICE + "/sessions")  # a user's sub-resource is "other", not users.read
    api.get("/api/v2/guardian/factors")
    assert remaining(api) == {"users.read": 39, "users.write": 19, "other": 7}

    assert api.delete("/api/v2/users/auth0|carol").status_code == 204
    assert remaining(api)["users.write"] == 18


def test_an_endpoint_bucket_refuses_only_its_own_calls(api: httpx.Client) -> None:
    put_limits(api, {"buckets": {"other": {"per_second": 1, "burst": 1}}})
    assert api.get(ALICE_METHODS).status_code == 200
    refused = api.get(ALICE_METHODS)
    assert refused.status_code == 429
    body = refused.json()
    assert body["statusCode"] == 429 and body["error"] == "Too Many Requests"
    assert body["errorCode"] == "too_many_requests" and body["message"] != GLOBAL_429["message"]
    assert header_triplet(refused)[:2] == (1, 0)
    read = api.get(ALICE)  # no users.read bucket and no global one: unlimited, no headers
    assert read.status_code == 200 and "x-ratelimit-limit" not in read.headers


def test_token_login_and_control_calls_are_never_limited(api: httpx.Client) -> None:
    put_limits(api, {"preset": "free"})
    for _ in range(4):
        token = api.post("/oauth/token", data={"grant_type": "client_credentials", "audience": f"https://{DOMAIN}/api/v2/",
                                               "client_id": "selfservice-m2m", "client_secret": "selfservice-m2m-secret"})
        assert token.status_code == 200 and "x-ratelimit-limit" not in token.headers
        assert api.get("/authorize", params={"client_id": "selfservice-web"}).status_code != 429
        limits(api)
    assert remaining(api) == {"global": 2}


# -- the global bucket, headers, refusals -------------------------------------------------------------

def test_free_refuses_the_third_immediate_call_with_the_global_message(api: httpx.Client) -> None:
    put_limits(api, {"preset": "free"})
    responses = [api.get(ALICE) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[2].json() == GLOBAL_429
    assert responses[2].headers["content-type"].startswith("application/json")
    assert header_triplet(responses[2])[:2] == (2, 0)


def test_headers_count_down_and_reset_is_a_whole_epoch_second_ahead(api: httpx.Client) -> None:
    put_limits(api, {"preset": "enterprise"})
    before = int(time.time())
    responses = [api.get(ALICE) for _ in range(3)] + [api.get(ALICE_METHODS)]
    assert [header_triplet(r)[:2] for r in responses] == [(50, 49), (50, 48), (50, 47), (50, 46)]
    for response in responses:
        assert response.headers["x-ratelimit-reset"].isdigit()
        assert int(response.headers["x-ratelimit-reset"]) >= before
    not_found = api.get("/api/v2/users/auth0|nobody")  # errors carry the headers too
    assert not_found.status_code == 404 and header_triplet(not_found)[:2] == (50, 45)


def test_refused_calls_spend_nothing_from_either_bucket(api: httpx.Client) -> None:
    put_limits(api, {"buckets": {"global": {"per_second": 1, "burst": 5}, "users.read": {"per_second": 1, "burst": 1}}})
    first = api.get(ALICE)
    assert header_triplet(first)[:2] == (1, 0)  # the endpoint bucket's headers when it has one
    for _ in range(3):
        refused = api.get(ALICE)
        assert refused.status_code == 429 and refused.json()["message"] != GLOBAL_429["message"]
    assert remaining(api) == {"global": 4, "users.read": 0}
    other = api.get(ALICE_METHODS)  # no "other" bucket: the global bucket decides and speaks
    assert other.status_code == 200 and header_triplet(other)[:2] == (5, 3)

    put_limits(api, {"buckets": {"global": {"per_second": 1, "burst": 1}, "users.read": {"per_second": 1, "burst": 5}}})
    assert header_triplet(api.get(ALICE))[:2] == (5, 4)
    for _ in range(3):
        refused = api.get(ALICE)
        assert refused.json() == GLOBAL_429 and header_triplet(refused)[:2] == (1, 0)  # global checked first
    assert remaining(api) == {"global": 0, "users.read": 4}


def test_tokens_refill_at_the_sustained_rate_up_to_the_burst(api: httpx.Client, clock: FakeClock) -> None:
    put_limits(api, {"preset": "free"})
    assert [api.get(ALICE).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(0.5)  # 2/s: one token back
    assert [api.get(ALICE).status_code for _ in range(2)] == [200, 429]
    clock.advance(60)
    state = limits(api)["buckets"]["global"]
    assert state["tokens"] == 2 and state["remaining"] == 2  # never more than the burst


def test_refill_runs_on_the_real_monotonic_clock_by_default(emulator: Emulator, http: httpx.Client, auth: dict[str, str]) -> None:
    emulator.seed("demo")
    # One token per 0.5 s: the second call comes well within that, even on a loaded machine.
    emulator.set_rate_limits({"global": {"per_second": 2, "burst": 1}})
    assert [http.get(ALICE, headers=auth).status_code for _ in range(2)] == [200, 429]
    time.sleep(0.6)
    assert http.get(ALICE, headers=auth).status_code == 200


def test_concurrent_calls_never_spend_more_than_the_bucket(emulator: Emulator) -> None:
    emulator.seed("demo")
    host = emulator.url.split("//", 1)[1]
    with httpx.Client(base_url=emulator.url, timeout=5) as client:
        token = client.post("/oauth/token", data={"grant_type": "client_credentials", "audience": f"http://{host}/api/v2/",
                                                  "client_id": "selfservice-m2m", "client_secret": "selfservice-m2m-secret"})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        emulator.set_rate_limits({"global": {"per_second": 0, "burst": 10}})
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: client.get(ALICE).status_code, range(24)))
    assert sorted(statuses) == [200] * 10 + [429] * 14


# -- the original contract -------------------------------------------------------------------------

def test_the_per_second_burst_body_still_sets_one_global_bucket(api: httpx.Client, clock: FakeClock) -> None:
    response = put_limits(api, {"per_second": 0.5, "burst": 3})
    assert response.status_code == 200 and response.json() == {"per_second": 0.5, "burst": 3}
    assert [api.get(ALICE).status_code for _ in range(3)] + [api.get(ALICE_METHODS).status_code] == [200, 200, 200, 429]
    assert api.get(ALICE).json() == GLOBAL_429
    clock.advance(2)
    assert api.get(ALICE).status_code == 200
    assert limits(api)["preset"] is None and set(limits(api)["buckets"]) == {"global"}
    assert put_limits(api, {"per_second": 2}).json() == {"per_second": 2.0, "burst": 2}  # burst defaults to the rate
    off = api.put("/__emulator__/rate-limit", content=b"null", headers={"content-type": "application/json"})
    assert off.status_code == 204
    assert limits(api) == {"preset": None, "buckets": {}}
    assert "x-ratelimit-limit" not in api.get(ALICE).headers


def test_python_twins(tenant: Emulator, api: httpx.Client) -> None:
    tenant.set_rate_limit(0.01, 1)
    assert [api.get(ALICE).status_code for _ in range(2)] == [200, 429]
    assert tenant.tenant.rate_limit is not None and tenant.tenant.rate_limit.as_dict() == {"per_second": 0.01, "burst": 1}

    tenant.set_rate_limit_preset("essentials")
    assert tenant.rate_limits()["preset"] == "essentials"
    assert tenant.rate_limits()["buckets"]["users.read"]["per_second"] == pytest.approx(500 / 60)

    tenant.set_rate_limits({"users.write": {"per_minute": 60, "burst": 2}})
    assert tenant.rate_limits()["buckets"] == {"users.write": {
        "per_second": 1.0, "burst": 2, "tokens": 2, "remaining": 2, "reset": tenant.rate_limits()["buckets"]["users.write"]["reset"],
    }}
    with pytest.raises(ValueError, match="preset"):
        tenant.set_rate_limit_preset("gold")
    tenant.set_rate_limit_preset(None)
    assert tenant.rate_limits() == {"preset": None, "buckets": {}}
    tenant.set_rate_limit_preset("free")
    tenant.reset()  # reset clears limits, as before
    assert tenant.rate_limits() == {"preset": None, "buckets": {}}


@pytest.mark.parametrize("body", [
    [1, 2],
    {"preset": "gold"},
    {"preset": "free", "per_second": 1},
    {"buckets": {"users.delete": {"per_second": 1, "burst": 1}}},
    {"buckets": {"global": {"burst": 1}}},
    {"buckets": {"global": {"per_second": 1, "per_minute": 60, "burst": 1}}},
    {"buckets": {"global": {"per_second": -1, "burst": 1}}},
    {"buckets": {"global": {"per_second": 1, "burst": 0.5}}},
    {"buckets": ["global"]},
    {"per_second": "fast"},
    {"per_second": True},
    {"burst": 3},
    {"nonsense": 1},
])
def test_bad_bodies_are_400_and_change_nothing(api: httpx.Client, body: Any) -> None:
    put_limits(api, {"preset": "free"})
    response = put_limits(api, body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["statusCode"] == 400 and error["errorCode"] == "invalid_body"
    assert error["message"].startswith("Bad control request:")
    assert limits(api)["preset"] == "free"


def test_a_non_json_body_is_400(api: httpx.Client) -> None:
    response = api.put("/__emulator__/rate-limit", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["errorCode"] == "invalid_body"


# -- the SDK and the CLI ---------------------------------------------------------------------------

def test_auth0_python_gets_its_typed_429_with_the_headers(tenant: Emulator, api: httpx.Client) -> None:
    tenant.set_rate_limit_preset("free")
    mc = ManagementClient(domain=DOMAIN, token=lambda: api.headers["Authorization"].split()[1], httpx_client=api)
    raw = mc.users.with_raw_response.get("auth0|alice", request_options=NO_RETRY)
    assert raw.data.email == "alice@example.com" and raw.headers["x-ratelimit-remaining"] == "1"
    mc.users.update("auth0|alice", user_metadata={"theme": "dark"}, request_options=NO_RETRY)
    with pytest.raises(TooManyRequestsError) as refused:
        mc.users.get("auth0|alice", request_options=NO_RETRY)
    assert refused.value.body["message"] == "Global limit has been reached"
    assert int(refused.value.headers["x-ratelimit-reset"]) >= int(time.time())


def test_the_cli_takes_a_plan_preset() -> None:
    parser = build_parser()
    assert parser.parse_args([]).rate_limit is None
    assert parser.parse_args(["--rate-limit", "essentials"]).rate_limit == "essentials"
    with pytest.raises(SystemExit):
        parser.parse_args(["--rate-limit", "gold"])
