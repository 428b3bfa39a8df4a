"""The Sessions tab: listing (current first, by activity, paged), revoking, and its states."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from selfservice.emulator import Emulator
from selfservice.login.pipeline import SID_KEY
from selfservice.models import AuditEvent, Auth0Session
from selfservice.signals import session_revoked
from tests.conftest import ALICE, CAROL, HTMX
from tests.profile.test_general import receiving
from tests.sessions.test_devices import FIREFOX, IPHONE

URL = reverse("selfservice:sessions")
OTHERS_URL = reverse("selfservice:revoke-other-sessions")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def revoke_url(session_id: str) -> str:
    return reverse("selfservice:revoke-session", args=[session_id])


def set_current(client: Client, sid: str) -> None:
    """What the login pipeline does: keep the ID token's sid in the Django session."""
    session = client.session
    session[SID_KEY] = sid
    session.save()


def post_from_current(
    client: Client, tenant: Emulator, url: str, data: dict[str, str] | None = None, **kwargs: Any
) -> tuple[Any, list[dict[str, Any]]]:
    """POST from the browser whose session is the timeline's "current", with an empty request
    log; returns the response and the ``session_revoked`` signals sent meanwhile."""
    set_current(client, "current")
    tenant.clear_requests()
    with receiving(session_revoked) as calls:
        response = client.post(url, data or {}, **kwargs)
    return response, calls


def alices(tenant: Emulator) -> list[str]:
    return [s["id"] for s in tenant.tenant.user_sessions(ALICE)]


def mutations(tenant: Emulator) -> int:
    return tenant.count("POST", r"^/api/v2/sessions/") + tenant.count("DELETE", r"^/api/v2/")


@pytest.fixture
def timeline(tenant: Emulator) -> dict[str, str]:
    """Alice with four sessions whose activity order differs from their creation order."""
    for sid in alices(tenant):
        tenant.tenant.sessions.pop(sid)
    now = datetime.now(UTC)
    spec = {  # name: (created hours ago, last activity hours ago, user agent)
        "oldest-busy": (100, 1, FIREFOX),
        "newest-idle": (2, 2, IPHONE),
        "middle": (50, 10, FIREFOX),
        "current": (70, 30, IPHONE),
    }
    for name, (created, active, agent) in spec.items():
        tenant.add_session(ALICE, {
            "id": name, "created_at": iso(now - timedelta(hours=created)),
            "last_interacted_at": iso(now - timedelta(hours=active)),
            "device": {"initial_user_agent": agent, "initial_ip": "198.51.100.7"},
        })
    return {name: name for name in spec}


def test_sessions_list_the_current_one_first_then_by_last_activity(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    set_current(logged_in_client, "current")

    response = logged_in_client.get(URL)

    rows = response.context_data["rows"]
    assert [row.id for row in rows] == ["current", "oldest-busy", "newest-idle", "middle"]
    assert [row.is_current for row in rows] == [True, False, False, False]
    html = response.content.decode()
    assert html.count("This device") == 1 and html.index("This device") < html.index("Firefox 132 on Windows")
    assert "Sign out of this device" in html and "Safari on iPhone" in html
    assert 'aria-label="Phone"' in html and 'aria-label="Computer"' in html
    assert "198.51.100.7" in html and "This site" in html and "Password" in html
    assert tenant.count("GET", r"^/api/v2/users/auth0\|alice/sessions$") == 1


def test_without_a_known_sid_nothing_is_marked_and_sign_out_elsewhere_is_explained(
    logged_in_client: Client, timeline: dict[str, str]
) -> None:
    response = logged_in_client.get(URL)

    assert [row.id for row in response.context_data["rows"]] == ["oldest-busy", "newest-idle", "middle", "current"]
    html = response.content.decode()
    assert "This device" not in html
    assert "This browser's session is not known" in html
    assert f'action="{OTHERS_URL}"' in html and 'type="submit" class="selfservice-button selfservice-button--primary"' not in html


def test_times_are_machine_readable_and_shown_in_the_active_timezone(
    logged_in_client: Client, timeline: dict[str, str], settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Madrid"
    set_current(logged_in_client, "current")

    html = logged_in_client.get(URL).content.decode()

    assert '<time datetime="' in html and "+01:00\">" in html and " ago</time>" in html and ">in " in html


def test_applications_and_sign_in_methods_are_named_for_people(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "SESSIONS_CLIENT_NAMES": {"mobile-app-id": "Acme for iOS"}}
    tenant.add_session(ALICE, {
        "id": "mixed", "clients": [{"client_id": "selfservice-web"}, {"client_id": "mobile-app-id"}, {"client_id": "cli-id"}],
        "authentication": {"methods": [{"name": "federated"}, {"name": "mfa", "type": "webauthn-roaming"},
                                       {"name": "https://example.com/custom"}]},
    })

    rows = {row.id: row for row in logged_in_client.get(URL).context_data["rows"]}

    assert rows["mixed"].applications == ("This site", "Acme for iOS", "cli-id")
    assert rows["mixed"].authentication == ("Social or enterprise sign-in", "Multi-factor (security key)", "Other method")


def test_many_sessions_are_read_in_pages_of_50_and_shown_20_per_page(logged_in_client: Client, tenant: Emulator) -> None:
    now = datetime.now(UTC)
    for index in range(120):
        tenant.add_session(ALICE, {"id": f"bulk-{index:03d}", "created_at": iso(now - timedelta(days=3, minutes=index)),
                                   "last_interacted_at": iso(now - timedelta(minutes=index))})
    tenant.clear_requests()

    first = logged_in_client.get(URL)

    assert tenant.count("GET", r"^/api/v2/users/auth0\|alice/sessions$") == 3  # 123 sessions: 50 + 50 + 23
    assert first.context_data["total"] == 123 and len(first.context_data["rows"]) == 20
    assert [row.id for row in first.context_data["rows"]][:3] == ["bulk-000", "bulk-001", "bulk-002"]
    html = first.content.decode()
    assert f'href="{URL}?page=2"' in html and f'hx-get="{URL}?page=2"' in html and "Page 1 of 7" in html
    last = logged_in_client.get(URL, {"page": "7"}, headers=HTMX)
    assert len(last.context_data["rows"]) == 3 and "Page 7 of 7" in last.content.decode()
    assert logged_in_client.get(URL, {"page": "999"}).context_data["page_obj"].number == 7
    assert logged_in_client.get(URL, {"page": "nope"}).context_data["page_obj"].number == 1


def test_a_user_without_sessions_sees_an_empty_state(client_for: Any, tenant: Emulator) -> None:
    client = client_for("auth0|nobody")
    tenant.add_user({"user_id": "auth0|nobody", "email": "nobody@example.com"})

    response = client.get(URL)

    assert response.status_code == 200
    assert "There are no active sessions" in response.content.decode()
    assert "Sign out everywhere else" not in response.content.decode()


def test_revoking_an_own_session_ends_it_upstream_and_redirects(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    response, calls = post_from_current(logged_in_client, tenant, revoke_url("middle"), {"page": "1"})

    assert response.status_code == 302 and response["Location"] == URL
    assert "middle" not in tenant.tenant.sessions and len(alices(tenant)) == 3
    assert [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/")] == [
        ("GET", "/api/v2/sessions/middle"), ("POST", "/api/v2/sessions/middle/revoke"),
    ]
    assert tenant.tenant.revoked_refresh_tokens == 1
    event = AuditEvent.objects.get(action="session.revoke")
    assert event.target == "middle" and event.details == {"current": False, "device": "Firefox 132 on Windows"}
    assert [(c["session_id"], c["current"], c["auth0_user_id"]) for c in calls] == [("middle", False, ALICE)]
    page = logged_in_client.get(URL).content.decode()
    assert "Signed out Firefox 132 on Windows." in page


def test_an_htmx_revoke_swaps_in_the_fresh_list(logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]) -> None:
    response = logged_in_client.post(revoke_url("middle"), headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert [row.id for row in response.context_data["rows"]] == ["oldest-busy", "newest-idle", "current"]


@pytest.mark.parametrize("owner", ["someone else", "nobody"])
def test_a_session_that_is_not_the_users_gives_404_and_nothing_upstream_changes(
    logged_in_client: Client, tenant: Emulator, owner: str
) -> None:
    target = tenant.tenant.user_sessions(CAROL)[0]["id"] if owner == "someone else" else "no-such-session"
    tenant.clear_requests()

    response = logged_in_client.post(revoke_url(target), headers=HTMX)

    assert response.status_code == 404
    assert mutations(tenant) == 0
    assert len(tenant.tenant.user_sessions(CAROL)) == 40
    refusal = AuditEvent.objects.get(action="session.revoke_refused")
    assert refusal.target == target and refusal.details == {"reason": "not_owner" if owner == "someone else" else "unknown"}


def test_a_get_on_a_revoke_url_changes_nothing_and_calls_nothing_upstream(logged_in_client: Client, tenant: Emulator) -> None:
    sid = alices(tenant)[0]
    tenant.clear_requests()

    other = logged_in_client.get(revoke_url(sid))
    others = logged_in_client.get(OTHERS_URL)

    assert other.status_code == 302 and other["Location"] == URL  # another device: nothing to confirm
    assert others.status_code == 200 and "Sign out of every other device and browser?" in others.content.decode()
    assert tenant.requests() == [] and sid in tenant.tenant.sessions


@pytest.mark.parametrize(
    ("which", "question"),
    [("current", "Sign out of this device?"), ("others", "Sign out of every other device and browser?")],
)
def test_without_javascript_the_wide_sign_outs_ask_first_on_a_page_of_their_own(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str], which: str, question: str
) -> None:
    set_current(logged_in_client, "current")
    url = revoke_url("current") if which == "current" else OTHERS_URL
    tab = logged_in_client.get(URL).content.decode()
    # The tab's form for this action GETs the confirm step (htmx posts directly, after hx-confirm).
    assert re.search(rf'<form[^>]*method="get" action="{re.escape(url)}" hx-post="{re.escape(url)}"[^>]*hx-confirm=', tab)
    tenant.clear_requests()

    step = logged_in_client.get(url, {"page": "2"})

    html = step.content.decode()
    assert step.status_code == 200 and question in html
    assert re.search(rf'<form method="post" action="{re.escape(url)}"', html)
    assert 'name="csrfmiddlewaretoken"' in html and '<input type="hidden" name="page" value="2">' in html
    assert f'href="{URL}?page=2"' in html  # Cancel goes back to the same page
    assert tenant.requests() == []

    response, _calls = post_from_current(logged_in_client, tenant, url, {"page": "2"})
    assert response.status_code == 302 and mutations(tenant) >= 1


def test_revoking_the_current_session_signs_this_browser_out(
    logged_in_client: Client, tenant: Emulator, alice: Any
) -> None:
    current = alices(tenant)[0]
    set_current(logged_in_client, current)
    Auth0Session.objects.create(sid=current, session_key=logged_in_client.session.session_key, user=alice,
                                auth0_user_id=ALICE)

    response = logged_in_client.post(revoke_url(current), headers=HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == reverse("selfservice:login")
    assert current not in tenant.tenant.sessions
    assert "_auth_user_id" not in logged_in_client.session
    assert logged_in_client.get(URL).status_code == 302
    assert not Auth0Session.objects.exists()
    assert AuditEvent.objects.get(action="session.revoke").details["current"] is True


def test_a_plain_post_revoking_the_current_session_redirects_to_login_which_says_so(logged_in_client: Client, tenant: Emulator) -> None:
    current = alices(tenant)[1]
    set_current(logged_in_client, current)

    response = logged_in_client.post(revoke_url(current))

    assert response.status_code == 302 and response["Location"] == reverse("selfservice:login")
    assert "Signed out of this device." in logged_in_client.get(response["Location"]).content.decode()


def test_sign_out_everywhere_else_leaves_only_the_current_session(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    response, calls = post_from_current(logged_in_client, tenant, OTHERS_URL, headers=HTMX)

    assert response.status_code == 200
    assert alices(tenant) == ["current"]
    assert tenant.count("POST", r"^/api/v2/sessions/[^/]+/revoke$") == 3
    assert tenant.count("DELETE", r"^/api/v2/users/") == 0  # never "delete all": it would end this one too
    assert sorted(c["session_id"] for c in calls) == ["middle", "newest-idle", "oldest-busy"]
    assert [row.id for row in response.context_data["rows"]] == ["current"]
    assert "Signed out 3 other sessions." in response.content.decode()
    assert logged_in_client.get(URL).status_code == 200  # still signed in
    event = AuditEvent.objects.get(action="session.revoke_others")
    assert event.target == "current" and event.details["remaining"] == 0


def test_sign_out_everywhere_else_without_a_known_current_session_revokes_nothing(
    logged_in_client: Client, tenant: Emulator
) -> None:
    tenant.clear_requests()

    response = logged_in_client.post(OTHERS_URL)

    assert response.status_code == 302
    assert tenant.requests() == []
    assert len(alices(tenant)) == 3
    assert "session is not known" in logged_in_client.get(URL).content.decode()


def test_a_rate_limit_halfway_through_says_how_many_remain(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    set_current(logged_in_client, "current")
    # Order is by activity: oldest-busy, newest-idle, middle. The second revoke hits a 429.
    tenant.add_fault(r"^/api/v2/sessions/newest-idle/revoke$", status=429, headers={"Retry-After": "7"})

    response = logged_in_client.post(OTHERS_URL, headers=HTMX)

    assert response.status_code == 429 and response["Retry-After"] == "7"
    html = response.content.decode()
    assert "Signed out 1 of 3 other sessions. 2 are still active." in html
    assert "Try again in 7 seconds" in html
    assert sorted(alices(tenant)) == ["current", "middle", "newest-idle"]
    assert AuditEvent.objects.get(action="session.revoke_others").details["remaining"] == 2


@pytest.mark.usefixtures("one_minute_window")
def test_our_own_rate_limit_refuses_before_any_upstream_call(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"sessions.revoke": "1/m"}}
    first, second = alices(tenant)[:2]
    logged_in_client.post(revoke_url(first))
    tenant.clear_requests()

    response = logged_in_client.post(revoke_url(second), headers=HTMX)

    assert response.status_code == 429
    seconds = re.search(r"You are making changes too quickly\. Try again in (\d+) seconds?\.", response.content.decode())
    assert seconds and 1 <= int(seconds[1]) <= 60 and response["Retry-After"] == seconds[1]
    assert tenant.requests() == [] and second in tenant.tenant.sessions


def test_a_tenant_without_session_endpoints_gets_an_explanation_not_an_error(
    logged_in_client: Client, tenant: Emulator
) -> None:
    tenant.configure(sessions_enabled=False)

    response = logged_in_client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Session management is not available on this site." in html and "Enterprise" not in html and "Auth0" not in html
    assert "Retry" not in html and "cannot be reached" not in html


def test_a_missing_scope_is_not_mistaken_for_the_plan(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_fault(r"/sessions$", status=403, body={
        "statusCode": 403, "error": "Forbidden", "message": "Insufficient scope, expected any of: read:sessions",
        "errorCode": "insufficient_scope"})

    response = logged_in_client.get(URL)

    assert response.status_code == 503 and "not available on this site" not in response.content.decode()


@pytest.mark.parametrize(("status", "expected"), [(500, 503), (429, 429)])
def test_upstream_failures_show_a_retry_state(logged_in_client: Client, tenant: Emulator, status: int, expected: int) -> None:
    tenant.add_fault(r"/sessions$", status=status, headers={"Retry-After": "4"} if status == 429 else None)

    response = logged_in_client.get(URL, headers=HTMX)

    assert response.status_code == expected
    html = response.content.decode()
    assert f'hx-get="{URL}"' in html and "Retry" in html
    if status == 429:
        assert response["Retry-After"] == "4" and "Try again in 4 seconds" in html


def test_a_revoked_session_stays_hidden_while_auth0_still_lists_it(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    stale = dict(tenant.tenant.sessions["middle"])
    logged_in_client.post(revoke_url("middle"))
    tenant.tenant.sessions["middle"] = stale  # Auth0 deletes asynchronously

    rows = logged_in_client.get(URL).context_data["rows"]

    assert "middle" not in [row.id for row in rows]


def test_database_queries_do_not_grow_with_the_number_of_sessions(
    logged_in_client: Client, tenant: Emulator, django_assert_max_num_queries: Any
) -> None:
    for index in range(120):
        tenant.add_session(ALICE, {"id": f"bulk-{index:03d}"})
    # The Django session, the user and the Auth0 id (social-auth): the sessions themselves are Auth0's.
    with django_assert_max_num_queries(3):
        response = logged_in_client.get(URL)
    assert response.context_data["total"] == 123


def test_a_plain_revoke_comes_back_to_the_same_page(logged_in_client: Client, tenant: Emulator) -> None:
    sid = alices(tenant)[0]

    response = logged_in_client.post(revoke_url(sid), {"page": "2"})

    assert response.status_code == 302 and response["Location"] == f"{URL}?page=2"


def test_the_login_client_can_be_given_its_own_name(logged_in_client: Client, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "SESSIONS_CLIENT_NAMES": {"selfservice-web": "Acme web"}}

    rows = logged_in_client.get(URL).context_data["rows"]

    assert {row.applications for row in rows} == {("Acme web",)}


def test_expired_sessions_auth0_still_lists_are_neither_shown_counted_nor_revoked(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    set_current(logged_in_client, "current")
    now = datetime.now(UTC)
    tenant.add_session(ALICE, {"id": "idled-out", "last_interacted_at": iso(now - timedelta(days=4)),
                               "idle_expires_at": iso(now - timedelta(days=1))})
    tenant.add_session(ALICE, {"id": "too-old", "created_at": iso(now - timedelta(days=31)),
                               "last_interacted_at": iso(now - timedelta(hours=1)),
                               "expires_at": iso(now - timedelta(minutes=1))})

    response = logged_in_client.get(URL)

    assert [row.id for row in response.context_data["rows"]] == ["current", "oldest-busy", "newest-idle", "middle"]
    assert "signed in on 4 devices" in response.content.decode()
    tenant.clear_requests()
    logged_in_client.post(OTHERS_URL, headers=HTMX)
    assert tenant.count("POST", r"^/api/v2/sessions/[^/]+/revoke$") == 3
    assert sorted(alices(tenant)) == ["current", "idled-out", "too-old"]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_browser_signed_out_meanwhile_comes_back_to_the_tab_not_to_a_post_only_url(
    client: Client, tenant: Emulator, headers: dict[str, str]
) -> None:
    # Another device ended this browser's session; the page is still open and "Sign out" is pressed.
    response = client.post(revoke_url("some-session"), {"page": "2"}, headers=headers)

    login = f"{reverse('selfservice:login')}?next={URL}"
    assert (response.get("HX-Redirect") if headers else response["Location"]) == login
    assert mutations(tenant) == 0


def test_after_an_htmx_page_change_or_revoke_focus_goes_to_the_heading_not_the_body(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    heading = '<h2 id="selfservice-sessions-heading" tabindex="-1" data-selfservice-focus autofocus>'
    assert heading not in logged_in_client.get(URL).content.decode()  # a page load keeps the browser's focus
    assert heading not in logged_in_client.get(URL, headers=HTMX).content.decode()  # a tab switch too
    assert heading in logged_in_client.get(URL, {"page": "1"}, headers=HTMX).content.decode()
    assert heading in logged_in_client.post(revoke_url("middle"), headers=HTMX).content.decode()


def test_each_sign_out_button_names_its_device_for_screen_readers(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str]
) -> None:
    set_current(logged_in_client, "current")

    html = logged_in_client.get(URL).content.decode()

    assert 'Sign out<span class="selfservice-visually-hidden"> Firefox 132 on Windows</span></button>' in html
    assert ">Sign out of this device</button>" in html


def test_labels_start_with_a_capital_in_spanish(logged_in_client: Client, tenant: Emulator) -> None:
    with translation.override("es"):
        html = logged_in_client.get(URL).content.decode()

    assert "<dt>Dirección IP</dt>" in html


def test_each_page_has_its_own_title_for_the_browser_history(
    logged_in_client: Client, tenant: Emulator, timeline: dict[str, str], settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "SESSIONS_PAGE_SIZE": 3}

    assert "<title>Sessions, page 1 of 2 · Your account</title>" in logged_in_client.get(URL).content.decode()
    partial = logged_in_client.get(URL, {"page": "2"}, headers=HTMX).content.decode()
    assert "<title>Sessions, page 2 of 2 · Your account</title>" in partial


def test_each_row_posts_to_its_own_revoke_url_exactly_as_reverse_builds_it(logged_in_client: Client, tenant: Emulator) -> None:
    odd = "odd id+with~chars:@!$&'()*,;=%é"
    tenant.add_session(ALICE, {"id": odd})

    html = logged_in_client.get(URL).content.decode()

    for sid in [*alices(tenant), odd]:
        expected = reverse("selfservice:revoke-session", args=[sid]).replace("&", "&amp;").replace("'", "&#x27;")
        assert f'action="{expected}"' in html, sid
    assert logged_in_client.post(reverse("selfservice:revoke-session", args=[odd])).status_code == 302
    assert odd not in {session["id"] for session in tenant.tenant.user_sessions(ALICE)}


def test_facts_every_session_shares_are_said_once_and_the_rest_is_behind_details(logged_in_client: Client, tenant: Emulator) -> None:
    html = logged_in_client.get(URL).content.decode()  # alice: 3 sessions, all "This site", all password

    assert "Every session here: This site · signed in with Password." in html
    assert html.count("<details class=\"selfservice-session-more\">") == 3
    assert "<dt>Applications</dt>" not in html and "<dt>Signed in with</dt>" not in html
    assert html.count("<dt>Expires</dt>") == 3


def test_facts_that_differ_stay_on_each_row(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.add_session(ALICE, {"clients": [{"client_id": "mobile-app"}]})

    html = logged_in_client.get(URL).content.decode()

    assert "Every session here: This site" not in html and "signed in with Password." in html
    assert html.count("<dt>Applications</dt>") == 4


def test_a_session_id_with_a_nul_is_refused_and_audited_without_it(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.clear_requests()

    response = logged_in_client.post(revoke_url("a\x00b"), headers=HTMX)  # PostgreSQL stores no NUL

    assert response.status_code == 404 and mutations(tenant) == 0
    assert AuditEvent.objects.get(action="session.revoke_refused").target == "a\N{REPLACEMENT CHARACTER}b"
