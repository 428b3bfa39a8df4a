"""Every upstream failure maps to the error family, costs one request, and never sleeps."""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import pytest
from django.core.cache import caches

from selfservice.conf import get_settings
from selfservice.emulator.tenant import Client
from selfservice.gateway import (
    GatewayError,
    NotFound,
    Rejected,
    UpstreamMisconfigured,
    UpstreamRateLimited,
    UpstreamUnavailable,
    get_gateway,
)
from selfservice.gateway.errors import retry_after_from_headers
from selfservice.gateway.tokens import cache_key

ALICE = "auth0|alice"
USER_PATH = r"^/api/v2/users/auth0\|alice$"
TOKEN_PATH = r"^/oauth/token$"


def test_an_unknown_user_is_not_found_after_one_request(gateway: Any, emulator: Any) -> None:
    with pytest.raises(NotFound) as caught:
        gateway.get_user("auth0|nobody")

    assert (caught.value.status, caught.value.code) == (404, "inexistent_user")
    assert caught.value.message == "The user does not exist."
    assert emulator.count("GET", "/api/v2/users/") == 1


def test_a_400_is_rejected_with_auth0s_message_and_error_code(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_fault(
        USER_PATH,
        method="PATCH",
        status=400,
        body={
            "statusCode": 400,
            "error": "Bad Request",
            "message": "Payload validation error: 'x'.",
            "errorCode": "invalid_body",
        },
    )

    with pytest.raises(Rejected) as caught:
        gateway.update_user(ALICE, {"name": "x"})

    assert (caught.value.status, caught.value.code) == (400, "invalid_body")
    assert caught.value.message == "Payload validation error: 'x'."


def test_a_409_is_rejected_after_one_request_instead_of_the_sdks_retries(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    emulator.add_fault(
        USER_PATH,
        method="PATCH",
        status=409,
        body={
            "statusCode": 409,
            "error": "Conflict",
            "message": "The user already exists.",
            "errorCode": "user_exists",
        },
    )

    with pytest.raises(Rejected) as caught:
        gateway.update_user(ALICE, {"email": "taken@example.com"})

    assert (caught.value.status, caught.value.code) == (409, "user_exists")
    assert emulator.count("PATCH", USER_PATH) == 1


def test_a_401_drops_the_token_and_retries_once_with_a_fresh_one(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_fault(USER_PATH, method="GET", status=401, times=1)

    profile = gateway.get_user(ALICE)

    assert profile.user_id == ALICE
    assert emulator.count("GET", USER_PATH) == 2
    assert emulator.count("POST", TOKEN_PATH) == 2


def test_a_401_that_persists_is_upstream_misconfigured_after_exactly_one_retry(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    emulator.add_fault(USER_PATH, method="GET", status=401)

    with pytest.raises(UpstreamMisconfigured) as caught:
        gateway.get_user(ALICE)

    assert caught.value.status == 401
    assert isinstance(caught.value, UpstreamUnavailable)  # views may treat it as "not now"
    assert emulator.count("GET", USER_PATH) == 2
    assert emulator.count("POST", TOKEN_PATH) == 2


def test_a_cached_token_auth0_no_longer_accepts_is_replaced(gateway: Any, alice: Any, emulator: Any) -> None:
    key = cache_key(get_settings(), "mgmt-token")
    now = time.time()
    caches["default"].set(
        key, {"access_token": "revoked.token.value", "expires_at": now + 3600, "refresh_at": now + 3000}
    )

    assert gateway.get_user(ALICE).user_id == ALICE

    assert [r["status"] for r in emulator.requests()] == [401, 200, 200]
    assert caches["default"].get(key)["access_token"] != "revoked.token.value"


def test_a_403_for_a_missing_scope_is_misconfigured_and_names_the_scope(
    gateway: Any, emulator: Any, configure: Any
) -> None:
    emulator.tenant.clients["narrow-m2m"] = Client(
        "narrow-m2m", "narrow-secret", "reads users only", "non_interactive", ("read:users",)
    )
    configure(AUTH0_CLIENT_ID="narrow-m2m", AUTH0_CLIENT_SECRET="narrow-secret")

    with pytest.raises(UpstreamMisconfigured) as caught:
        get_gateway().list_factors()

    assert (caught.value.status, caught.value.code) == (403, "insufficient_scope")
    assert caught.value.scopes == ("read:guardian_factors",)
    assert "read:guardian_factors" in str(caught.value)
    assert emulator.count("GET", "guardian/factors") == 1


def test_a_429_waits_for_x_ratelimit_reset_without_any_retry(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_fault(
        USER_PATH,
        status=429,
        headers={
            "x-ratelimit-limit": "10",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(int(time.time()) + 30),
        },
    )

    with pytest.raises(UpstreamRateLimited) as caught:
        gateway.get_user(ALICE)

    assert 29 <= caught.value.retry_after <= 30
    assert (caught.value.status, caught.value.code) == (429, "too_many_requests")
    assert emulator.count("GET", USER_PATH) == 1


def test_a_429_waits_for_retry_after_without_any_retry(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_fault(USER_PATH, status=429, headers={"Retry-After": "12"})

    with pytest.raises(UpstreamRateLimited) as caught:
        gateway.get_user(ALICE)

    assert caught.value.retry_after == 12
    assert emulator.count("GET", USER_PATH) == 1


@pytest.mark.parametrize("skew", [-3000, 3000], ids=["this-clock-ahead", "this-clock-behind"])
def test_a_reset_is_measured_on_auth0s_clock_when_it_sends_its_date(
    gateway: Any, alice: Any, emulator: Any, skew: int
) -> None:
    auth0_now = time.time() + skew  # this machine's clock is off by -skew seconds
    emulator.add_fault(USER_PATH, status=429, times=1, headers={
        "Date": email.utils.formatdate(auth0_now, usegmt=True), "x-ratelimit-reset": str(int(auth0_now) + 30),
        "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0",
    })

    with pytest.raises(UpstreamRateLimited) as sent:
        gateway.get_user(ALICE)
    with pytest.raises(UpstreamRateLimited) as refused:  # every worker holds back as long, no longer
        get_gateway().get_user(ALICE)

    assert 28 <= sent.value.retry_after <= 31
    assert refused.value.code == "budget_spent" and 27 <= refused.value.retry_after <= 31
    assert emulator.count("GET", USER_PATH) == 1


@pytest.mark.parametrize("headers", [{"x-ratelimit-reset": "9999999999"}, {"Retry-After": "86400"}],
                         ids=["reset-years-ahead", "retry-after-a-day"])
def test_a_wait_longer_than_an_hour_is_believed_for_an_hour_only(
    gateway: Any, alice: Any, emulator: Any, headers: dict[str, str]
) -> None:
    emulator.add_fault(USER_PATH, status=429, headers=headers, times=1)

    with pytest.raises(UpstreamRateLimited) as sent:
        gateway.get_user(ALICE)
    with pytest.raises(UpstreamRateLimited) as refused:  # every worker holds back, for the hour only
        get_gateway().get_user(ALICE)

    assert sent.value.retry_after == 3600
    assert (refused.value.status, refused.value.code) == (None, "budget_spent")
    assert 3590 <= refused.value.retry_after <= 3600
    assert emulator.count("GET", USER_PATH) == 1


def test_the_tenants_rate_limit_surfaces_as_retry_after_without_sleeping(
    gateway: Any, alice: Any, emulator: Any
) -> None:
    emulator.set_rate_limit(0.01, 1)  # one request now, the next in 100 s
    gateway.get_user(ALICE)

    with pytest.raises(UpstreamRateLimited) as caught:
        get_gateway().get_user(ALICE)

    assert 90 <= caught.value.retry_after <= 101
    # Auth0 said "0 remaining": the second call is refused here, not sent into a 429.
    assert [r["status"] for r in emulator.requests() if r["path"] != "/oauth/token"] == [200]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_unavailable_after_exactly_one_request(gateway: Any, alice: Any, emulator: Any, status: int) -> None:
    emulator.add_fault(USER_PATH, status=status)

    with pytest.raises(UpstreamUnavailable) as caught:
        gateway.get_user(ALICE)

    assert caught.value.status == status
    assert not isinstance(caught.value, UpstreamMisconfigured)
    assert emulator.count("GET", USER_PATH) == 1


def test_a_body_that_is_not_json_is_unavailable(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_fault(USER_PATH, status=200, body="not json")

    with pytest.raises(UpstreamUnavailable) as caught:
        gateway.get_user(ALICE)

    assert "not json" not in caught.value.message
    assert emulator.count("GET", USER_PATH) == 1


def test_an_error_page_that_is_not_json_is_unavailable(gateway: Any, alice: Any, emulator: Any) -> None:
    emulator.add_fault(USER_PATH, status=502, body="<html>Bad gateway</html>")

    with pytest.raises(UpstreamUnavailable) as caught:
        gateway.get_user(ALICE)

    assert caught.value.status == 502
    assert "html" not in caught.value.message


def test_json_that_does_not_fit_auth0s_schema_is_unavailable(gateway: Any, alice: Any, emulator: Any) -> None:
    # An authentication method without created_at: the SDK raises ParsingError, not ApiError.
    emulator.add_fault("authentication-methods", status=200, body={"authenticators": [{"id": "x", "type": "totp"}]})

    with pytest.raises(UpstreamUnavailable):
        gateway.list_authentication_methods(ALICE)

    assert emulator.count("GET", "authentication-methods") == 1


def test_wrong_client_credentials_are_misconfigured_and_never_echo_the_secret(
    gateway: Any, emulator: Any, configure: Any, caplog: pytest.LogCaptureFixture
) -> None:
    configure(AUTH0_CLIENT_SECRET="wrong-secret-value")

    with pytest.raises(UpstreamMisconfigured) as caught, caplog.at_level(logging.WARNING):
        get_gateway().get_user(ALICE)

    assert caught.value.status == 401
    assert "wrong-secret-value" not in str(caught.value) and "wrong-secret-value" not in caplog.text
    assert emulator.count(path="^/api/v2/") == 0
    assert emulator.count("POST", TOKEN_PATH) == 1


def test_a_rate_limited_token_request_is_rate_limited(gateway: Any, emulator: Any) -> None:
    emulator.add_fault(TOKEN_PATH, status=429, headers={"Retry-After": "7"})

    with pytest.raises(UpstreamRateLimited) as caught:
        gateway.get_user(ALICE)

    assert caught.value.retry_after == 7
    assert emulator.count(path="^/api/v2/") == 0


@pytest.mark.parametrize(("status", "body"), [(500, None), (200, "not json"), (200, {"token_type": "Bearer"})])
def test_a_failed_or_unreadable_token_response_is_unavailable(
    gateway: Any, emulator: Any, status: int, body: Any
) -> None:
    emulator.add_fault(TOKEN_PATH, status=status, body=body)

    with pytest.raises(UpstreamUnavailable) as caught:
        gateway.get_user(ALICE)

    assert not isinstance(caught.value, UpstreamMisconfigured)
    assert emulator.count(path="^/api/v2/") == 0


def test_each_upstream_failure_is_logged_once_with_method_status_and_error_code_but_no_token(
    gateway: Any, emulator: Any, configure: Any, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.tenant.clients["narrow-m2m"] = Client(
        "narrow-m2m", "narrow-secret", "n", "non_interactive", ("read:users",)
    )
    configure(AUTH0_CLIENT_ID="narrow-m2m", AUTH0_CLIENT_SECRET="narrow-secret")

    with caplog.at_level(logging.WARNING, logger="selfservice.gateway"), pytest.raises(UpstreamMisconfigured):
        get_gateway().list_factors()

    records = [r for r in caplog.records if r.name == "selfservice.gateway"]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    text = records[0].getMessage()
    assert "list_factors" in text and "403" in text and "insufficient_scope" in text
    token = caches["default"].get(cache_key(get_settings(), "mgmt-token"))["access_token"]
    assert token not in caplog.text and "narrow-secret" not in caplog.text


def test_every_gateway_error_is_a_gateway_error() -> None:
    for cls in (UpstreamUnavailable, UpstreamMisconfigured, UpstreamRateLimited, NotFound, Rejected):
        assert issubclass(cls, GatewayError)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "5"}, 5),
        ({"retry-after": "0"}, 1),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:40 GMT"}, 20),
        ({"x-ratelimit-reset": "1445412520"}, 20),
        ({"x-ratelimit-reset": "1445412000"}, 1),  # already past: still at least 1 s
        ({"x-ratelimit-reset": "soon"}, 1),
        ({"x-ratelimit-reset": "9999999999"}, 3600),  # at most an hour, whatever the header says
        ({"Retry-After": "7200"}, 3600),
        ({"x-ratelimit-reset": "inf"}, 1),
        ({"Retry-After": "9" * 400}, 3600),
        # Auth0's clock says 07:28:40 (epoch 1445412520) while this one says 20 s earlier: the
        # reset is 10 s away on Auth0's clock, not 30 s.
        ({"x-ratelimit-reset": "1445412530", "Date": "Wed, 21 Oct 2015 07:28:40 GMT"}, 10),
        ({}, 1),
    ],
)
def test_retry_after_is_read_from_either_header_and_is_one_second_to_an_hour(
    headers: dict[str, str], expected: int
) -> None:
    now = 1445412500.0  # 20 s before Wed, 21 Oct 2015 07:28:40 GMT (epoch 1445412520)

    assert retry_after_from_headers(headers, now=now) == expected


@pytest.mark.parametrize(
    ("path", "call", "says"),
    [
        ("enrollments/ticket", lambda g: g.create_enrollment_ticket(ALICE, "otp"), "could not be read"),
        # A new code may have been made (the old one then no longer works): unconfirmed, not "failed".
        ("recovery-code-regeneration", lambda g: g.regenerate_recovery_code(ALICE), "did not confirm"),
    ],
)
def test_a_success_missing_the_field_we_need_is_unavailable(
    gateway: Any, alice: Any, emulator: Any, path: str, call: Any, says: str
) -> None:
    emulator.add_fault(path, status=200, body={})

    with pytest.raises(UpstreamUnavailable, match=says):
        call(gateway)

    assert emulator.count(path=path) == 1
