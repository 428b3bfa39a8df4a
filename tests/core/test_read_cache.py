"""The shared per-user read cache, counted at the emulator: calls per action, stale copies, drops.

Every count here is of Management API requests the emulated tenant received, so it holds
whatever the machine's speed. Timing-dependent paths (the budget's windows) only assert what
was sent and what the user saw, never how long it took.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.core.read_cache import ReadCache, forget_user
from selfservice.emulator import Emulator
from selfservice.gateway import get_gateway
from tests.conftest import ALICE, CAROL, HTMX
from tests.preferences.test_preferences import DANA, dana, form_data, schema  # noqa: F401 - fixtures
from tests.profile.test_general import ALICE_FORM

pytestmark = pytest.mark.django_db

TABS = ("general", "preferences", "security", "sessions")
API = r"^/api/v2/"


def url(tab: str) -> str:
    return reverse(f"selfservice:{tab}")


def calls(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/")]


def configure(settings: Any, **values: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, **values}


def seconds_left_in_the_hour() -> float:
    """The budget's "1/h" window is the clock hour: what it has left is the honest Retry-After."""
    return 3600 - time.time() % 3600


@pytest.fixture
def mid_hour() -> None:
    """Start an hour-window test at least 10 s before the hour turns (its budget would refill)."""
    if seconds_left_in_the_hour() < 10:
        time.sleep(seconds_left_in_the_hour() + 0.1)


@pytest.fixture
def warm_factors(tenant: Emulator) -> None:
    """The tenant-wide factors are read (they are cached for every user), then the log cleared."""
    get_gateway().list_factors()
    tenant.clear_requests()


# -- calls per action -------------------------------------------------------------------------


def test_a_cold_visit_of_every_tab_costs_three_calls(logged_in_client: Client, tenant: Emulator, warm_factors: None) -> None:
    for tab in TABS:
        assert logged_in_client.get(url(tab)).status_code == 200

    # General and Preferences share one read of the user; Security its methods; Sessions one page.
    assert sorted(calls(tenant)) == sorted([
        ("GET", f"/api/v2/users/{ALICE}"),
        ("GET", f"/api/v2/users/{ALICE}/authentication-methods"),
        ("GET", f"/api/v2/users/{ALICE}/sessions"),
    ])


def test_a_warm_revisit_and_htmx_switches_make_no_call(logged_in_client: Client, tenant: Emulator) -> None:
    for tab in TABS:
        logged_in_client.get(url(tab))
    tenant.clear_requests()

    for tab in TABS:
        assert logged_in_client.get(url(tab)).status_code == 200
        assert logged_in_client.get(url(tab), headers=HTMX).status_code == 200

    assert calls(tenant) == []


def test_paging_through_forty_sessions_reads_them_once(client_for: Any, tenant: Emulator) -> None:
    carol = client_for(CAROL)
    first = carol.get(url("sessions"))
    tenant.clear_requests()

    pages = [carol.get(url("sessions"), {"page": n}, headers=HTMX) for n in (2, 1, 2)]

    assert first.status_code == 200 and [p.status_code for p in pages] == [200, 200, 200]
    assert "Page 2 of 2" in pages[0].content.decode()
    assert calls(tenant) == []


def test_a_warm_save_on_general_is_one_write_and_no_read(logged_in_client: Client, tenant: Emulator) -> None:
    logged_in_client.get(url("general"))
    tenant.clear_requests()

    saved = logged_in_client.post(url("general"), {**ALICE_FORM, "nickname": "Ally"}, follow=True)

    assert saved.status_code == 200 and 'value="Ally"' in saved.content.decode()
    assert calls(tenant) == [("PATCH", f"/api/v2/users/{ALICE}")]


def test_a_warm_save_on_preferences_is_one_write_and_no_read(dana: Client, tenant: Emulator) -> None:  # noqa: F811
    data = {**form_data(dana.get(url("preferences"))), "handle": "alice"}
    tenant.clear_requests()

    saved = dana.post(url("preferences"), data, follow=True)

    assert saved.status_code == 200 and 'value="alice"' in saved.content.decode()
    assert calls(tenant) == [("PATCH", f"/api/v2/users/{DANA}")]


def test_refresh_reads_again_although_the_copy_is_fresh(logged_in_client: Client, tenant: Emulator) -> None:
    logged_in_client.get(url("general"))
    tenant.clear_requests()

    page = logged_in_client.get(url("general"), {"refresh": "1"}, headers=HTMX)

    assert page.status_code == 200 and "Updated" in page.content.decode()
    assert calls(tenant) == [("GET", f"/api/v2/users/{ALICE}")]


def test_one_call_for_ten_concurrent_cold_readers(tenant: Emulator, alice: Any) -> None:
    # The first reader is still waiting for Auth0 when the others arrive.
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="GET", latency_ms=150)
    start = threading.Barrier(10)
    names: list[str] = []

    def read() -> None:
        start.wait()
        names.append(ReadCache(get_gateway(), ALICE).get_user(ALICE).user_id)

    threads = [threading.Thread(target=read) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert names == [ALICE] * 10
    assert tenant.count("GET", rf"^/api/v2/users/{ALICE}$".replace("|", r"\|")) == 1


def test_copies_never_cross_users(client_for: Any, tenant: Emulator) -> None:
    alices = client_for(ALICE).get(url("general")).content.decode()
    carols = client_for(CAROL).get(url("general")).content.decode()

    assert "alice@example.com" in alices and "alice@example.com" not in carols
    assert "carol@example.com" in carols
    assert tenant.count("GET", r"^/api/v2/users/auth0\|carol$") == 1


# -- stale but honest -------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [{"status": 429}, {"status": 503}, {"body": "<html>", "status": 200}])
def test_a_failed_read_shows_the_copy_with_its_age(
    logged_in_client: Client, tenant: Emulator, settings: Any, fault: dict[str, Any]
) -> None:
    configure(settings, READ_CACHE_TTL={"user": 0})  # every view wants a new read
    logged_in_client.get(url("general"))
    tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="GET", **fault)

    page = logged_in_client.get(url("general"))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-selfservice-stale="' in html and "alice@example.com" in html
    assert "The account service is busy right now" in html and "?refresh=1" in html


def test_a_timed_out_read_shows_the_copy(logged_in_client: Client, socket_tenant: Emulator, settings: Any) -> None:
    configure(settings, READ_CACHE_TTL={"user": 0})
    logged_in_client.get(url("general"))
    socket_tenant.add_fault(r"^/api/v2/users/auth0\|alice$", method="GET", latency_ms=800)

    page = logged_in_client.get(url("general"))

    assert page.status_code == 200 and 'data-selfservice-stale="' in page.content.decode()


@pytest.mark.usefixtures("mid_hour")
def test_a_spent_budget_shows_the_copy_without_calling(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    configure(settings, READ_CACHE_TTL={"user": 0}, MANAGEMENT_BUDGET={"users.read": {"rate": "1/h", "burst": 1}})
    logged_in_client.get(url("general"))  # spends the one read of this hour
    tenant.clear_requests()

    page = logged_in_client.get(url("general"))

    assert page.status_code == 200 and 'data-selfservice-stale="' in page.content.decode()
    assert calls(tenant) == []


@pytest.mark.usefixtures("mid_hour")
def test_with_no_copy_a_spent_budget_is_the_busy_page(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    configure(settings, BUDGET_WAIT=0, MANAGEMENT_BUDGET={"other": {"rate": "1/h", "burst": 1}})
    logged_in_client.get(url("security"))  # the one "other" call of this hour
    forget_user(ALICE)
    tenant.clear_requests()

    page = logged_in_client.get(url("security"))

    assert page.status_code == 429
    assert abs(int(page["Retry-After"]) - seconds_left_in_the_hour()) <= 2
    assert calls(tenant) == []


def test_a_cold_read_waits_for_the_next_window_instead_of_failing(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    # One call per 0.5 s window: the second cold read waits for the next window (<= 2 s).
    configure(settings, BUDGET_WAIT=2.0, MANAGEMENT_BUDGET={"global": {"rate": "2/s", "burst": 2}})
    pages = [logged_in_client.get(url(tab)) for tab in ("general", "security", "sessions")]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert all('data-selfservice-stale="' not in page.content.decode() for page in pages)


@pytest.mark.usefixtures("mid_hour")
def test_a_write_without_budget_is_refused_at_once_with_the_input_kept(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    configure(settings, MANAGEMENT_BUDGET={"users.write": {"rate": "1/h", "burst": 1}})
    logged_in_client.post(url("general"), {**ALICE_FORM, "nickname": "One"})
    tenant.clear_requests()
    began = time.monotonic()

    refused = logged_in_client.post(url("general"), {**ALICE_FORM, "nickname": "Two"})

    assert time.monotonic() - began < 1.5  # a write never waits for budget
    assert refused.status_code == 429
    assert abs(int(refused["Retry-After"]) - seconds_left_in_the_hour()) <= 2
    assert 'value="Two"' in refused.content.decode()
    assert calls(tenant) == []


# -- what each mutation drops or updates --------------------------------------------------------


def test_revoking_a_session_updates_the_listing_without_reading_it_again(client_for: Any, tenant: Emulator) -> None:
    carol = client_for(CAROL)
    carol.get(url("sessions"))
    victim = tenant.tenant.user_sessions(CAROL)[0]["id"]
    tenant.clear_requests()

    carol.post(reverse("selfservice:revoke-session", args=[victim]))
    after = carol.get(url("sessions"))

    assert [method for method, _path in calls(tenant)] == ["POST"]  # the revoke; ownership from the copy
    assert victim not in after.content.decode()


def test_a_foreign_session_id_is_checked_upstream_and_refused(client_for: Any, tenant: Emulator) -> None:
    alices = tenant.tenant.user_sessions(ALICE)[0]["id"]
    carol = client_for(CAROL)
    carol.get(url("sessions"))
    tenant.clear_requests()

    refused = carol.post(reverse("selfservice:revoke-session", args=[alices]))

    assert refused.status_code == 404
    assert calls(tenant) == [("GET", f"/api/v2/sessions/{alices}")]


def test_removing_a_method_makes_the_next_visit_read_the_methods_again(client_for: Any, tenant: Emulator) -> None:
    from tests.security.test_security import method_id, remove_url

    carol = client_for(CAROL)
    carol.get(url("security"))
    totp = method_id(tenant, CAROL, "totp")
    carol.post(remove_url(totp), {"confirm": "1"})
    tenant.clear_requests()

    carol.get(url("security"))

    assert calls(tenant) == [("GET", f"/api/v2/users/{CAROL}/authentication-methods")]


@pytest.mark.parametrize("action", ["enroll", "regenerate-recovery-code"])
def test_enrolling_or_a_new_recovery_code_reads_the_methods_again(
    logged_in_client: Client, tenant: Emulator, action: str
) -> None:
    logged_in_client.get(url("security"))
    data = {"factor": "webauthn-roaming"} if action == "enroll" else {}
    logged_in_client.post(reverse(f"selfservice:{action}"), data)
    tenant.clear_requests()

    logged_in_client.get(url("security"))
    logged_in_client.get(url("security"))  # while an enrollment may be under way, every visit reads

    expected = 2 if action == "enroll" else 1
    assert calls(tenant) == [("GET", f"/api/v2/users/{ALICE}/authentication-methods")] * expected


def test_signing_out_drops_the_users_copies(logged_in_client: Client, tenant: Emulator, alice: Any) -> None:
    logged_in_client.get(url("general"))
    logged_in_client.post(reverse("selfservice:logout"))
    logged_in_client.force_login(alice)
    tenant.clear_requests()

    logged_in_client.get(url("general"))

    assert calls(tenant) == [("GET", f"/api/v2/users/{ALICE}")]


def test_a_back_channel_logout_drops_the_users_copies(
    logged_in_client: Client, tenant: Emulator, alice: Any, settings: Any
) -> None:
    from tests.login.test_backchannel import claims, post

    settings.SOCIAL_AUTH_AUTH0_BASE_URL = "http://127.0.0.1:8001"
    logged_in_client.get(url("general"))

    assert post(tenant.tenant.key.sign(claims(sid=None), typ="logout+jwt")).status_code == 200
    logged_in_client.force_login(alice)
    tenant.clear_requests()
    logged_in_client.get(url("general"))

    assert calls(tenant) == [("GET", f"/api/v2/users/{ALICE}")]
