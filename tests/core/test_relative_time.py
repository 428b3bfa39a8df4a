"""Relative times ("just now", "3 hours ago", "in 2 days") on the Sessions, General and Security tabs.

Each is a ``<time>`` element from the ``relative_time`` filter: machine-readable ``datetime``
and the exact moment as ``title``, both in the active time zone, the words translated.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext

from selfservice.emulator import Emulator
from tests.conftest import ALICE, CAROL
from tests.sessions.test_sessions import iso

SESSIONS = reverse("selfservice:sessions")
TIME = re.compile(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>')
# The "Updated just now · Refresh" line (includes/freshness.html) is about the page, not the data.
FRESHNESS = re.compile(r'<p class="selfservice-freshness.*?</p>', re.DOTALL)


def times(html: str) -> list[str]:
    """The words of every ``<time>`` (Django puts no-break spaces between numbers and units)."""
    return [text.replace("\xa0", " ") for _datetime, _title, text in TIME.findall(FRESHNESS.sub("", html))]


def add_sessions(tenant: Emulator) -> None:
    """Alice's only sessions: one active seconds ago that idles out within the minute, one
    active three hours ago that expires in two days and five hours."""
    for sid in [s["id"] for s in tenant.tenant.user_sessions(ALICE)]:
        tenant.tenant.sessions.pop(sid)
    now = datetime.now(UTC)
    tenant.add_session(ALICE, {
        "id": "fresh", "created_at": iso(now - timedelta(days=1)), "last_interacted_at": iso(now - timedelta(seconds=20)),
        "idle_expires_at": iso(now + timedelta(seconds=40)),
    })
    tenant.add_session(ALICE, {
        "id": "older", "created_at": iso(now - timedelta(days=1)), "last_interacted_at": iso(now - timedelta(hours=3, minutes=-1)),
        "expires_at": iso(now + timedelta(days=2, hours=5, minutes=30)),
    })


def test_sessions_say_just_now_instead_of_zero_minutes_and_in_for_the_future(
    logged_in_client: Client, tenant: Emulator
) -> None:
    add_sessions(tenant)

    html = logged_in_client.get(SESSIONS).content.decode()

    assert "0 minutes" not in html
    assert times(html) == ["just now", "in less than a minute", "2 hours ago", "in 2 days"]


def test_the_time_element_is_in_the_active_time_zone_with_the_exact_moment_as_title(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    settings.TIME_ZONE = "America/New_York"
    add_sessions(tenant)

    html = logged_in_client.get(SESSIONS).content.decode()

    stamp, title, _text = TIME.findall(FRESHNESS.sub("", html))[0]
    moment = datetime.fromisoformat(stamp)
    assert moment.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))
    assert timedelta(seconds=19) < datetime.now(UTC) - moment < timedelta(minutes=1)  # the "fresh" session
    assert title == formats.date_format(moment, "F j, Y, P")  # New York's wall clock, not UTC's; full month
    assert title != formats.date_format(moment.astimezone(UTC), "F j, Y, P")


def test_the_words_are_translated(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:2], "django.middleware.locale.LocaleMiddleware", *settings.MIDDLEWARE[2:]]
    add_sessions(tenant)

    with translation.override("en"):  # LocaleMiddleware leaves its language active in this thread
        html = logged_in_client.get(SESSIONS, headers={"accept-language": "es"}).content.decode()

    assert times(html) == ["ahora mismo", "en menos de un minuto", "hace 2 horas", "dentro de 2 días"]


def test_the_general_tab_shows_the_last_sign_in_relatively(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.tenant.users[ALICE]["last_login"] = iso(datetime.now(UTC) - timedelta(seconds=5))

    html = logged_in_client.get(reverse("selfservice:general")).content.decode()

    assert times(html) == ["just now"]


def test_the_security_tab_shows_when_a_method_was_last_used(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.tenant.methods[ALICE][0]["last_auth_at"] = iso(datetime.now(UTC) - timedelta(days=3, hours=1, minutes=5))

    html = logged_in_client.get(reverse("selfservice:security")).content.decode()

    assert times(html) == ["3 days ago"]
    assert "Last used" in html


def test_a_warm_revisit_formats_no_date(client_for: Any, tenant: Emulator) -> None:
    """Every exact date and time a tab shows is kept per moment, zone and language, the "Updated"
    time included (it is the instant Auth0 answered, not "now minus the copy's age")."""
    client = client_for(CAROL)
    pages = [reverse(f"selfservice:{tab}") for tab in ("general", "preferences", "security", "sessions")]
    for page in pages:
        client.get(page)

    with mock.patch("django.utils.formats.date_format", wraps=formats.date_format) as date_format:
        for page in pages:
            assert client.get(page).status_code == 200

    assert date_format.call_count == 0


@pytest.mark.parametrize("tab", ["general", "preferences", "security", "sessions"])
def test_every_tab_renders_on_a_site_without_time_zones(client_for: Any, tenant: Emulator, settings: Any, tab: str) -> None:
    """USE_TZ = False: Auth0's moments are still aware; "now" must be too, or the subtraction fails."""
    settings.USE_TZ = False
    client = client_for(CAROL)
    first = client.get(reverse(f"selfservice:{tab}"))
    again = client.get(reverse(f"selfservice:{tab}"))  # from the cache: "Updated" is a naive moment

    assert first.status_code == again.status_code == 200
    assert len(times(again.content.decode())) >= (20 if tab == "sessions" else 0)
    assert ("Updated" in again.content.decode()) is (tab != "preferences")  # no schema here: nothing read


def test_updated_names_the_instant_auth0_answered(logged_in_client: Client, tenant: Emulator) -> None:
    general = reverse("selfservice:general")
    before = datetime.now(UTC).replace(microsecond=0)
    first = logged_in_client.get(general).content.decode()
    after = datetime.now(UTC)
    time.sleep(1.05 - after.microsecond / 1e6)  # into the next second: "now" has moved on
    again = logged_in_client.get(general).content.decode()

    updated = [TIME.search(FRESHNESS.search(html).group()) for html in (first, again)]  # type: ignore[union-attr]

    assert all(match is not None for match in updated)
    moments = {datetime.fromisoformat(match.group(1)) for match in updated if match}
    assert len(moments) == 1 and before <= moments.pop() <= after


@pytest.mark.parametrize(
    ("language", "day", "moment", "says"),
    [
        ("en", "November 30, 2026", "November 30, 2026, 2:04 p.m.", "March 2, 2024"),
        ("es", "30 de noviembre de 2026", "30 de noviembre de 2026 a las 14:04", "2 de marzo de 2024"),
    ],
)
def test_dates_and_moments_share_one_format_with_full_month_names(
    settings: Any, language: str, day: str, moment: str, says: str
) -> None:
    settings.USE_TZ, settings.TIME_ZONE = True, "UTC"
    page = Template(
        "{% load selfservice_time %}{{ when|absolute_date }}|{{ when|absolute_time }}|{{ day|absolute_date }}|{{ nothing|absolute_date }}"
    )
    when = datetime(2026, 11, 30, 14, 4, tzinfo=UTC)

    with translation.override(language):
        html = page.render(Context({"when": when, "day": date(2024, 3, 2), "nothing": "2024-03-02"}))

    assert html == (
        f'<time datetime="2026-11-30T14:04:00+00:00">{day}</time>|'
        f'<time datetime="2026-11-30T14:04:00+00:00">{moment}</time>|'
        f'<time datetime="2024-03-02">{says}</time>|'
    )



@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("amount", [timedelta(minutes=1, seconds=5), timedelta(minutes=59), timedelta(hours=1),
                                    timedelta(hours=23), timedelta(days=1), timedelta(days=6), timedelta(days=8),
                                    timedelta(days=45), timedelta(days=400), timedelta(days=800)])
def test_the_words_are_djangos_own_for_every_unit_in_both_directions(language: str, amount: timedelta) -> None:
    now = datetime.now(UTC)
    template = Template("{% load selfservice_time %}{{ past|relative_time }}|{{ future|relative_time }}")
    with translation.override(language):
        # Rendered twice: the second time comes from the translated-words cache.
        first, again = (template.render(Context({"past": now - amount, "future": now + amount + timedelta(seconds=30)}))
                        for _ in range(2))
        since = timesince(now - amount, datetime.now(UTC), depth=1)
        until = timeuntil(now + amount + timedelta(seconds=30), datetime.now(UTC), depth=1)
        expected = [gettext("%(since)s ago") % {"since": since}, gettext("in %(until)s") % {"until": until}]

    assert [text for _stamp, _title, text in TIME.findall(first)] == expected
    assert again == first


#: Elapsed seconds on each side of every unit boundary below a month, and of the month itself.
BOUNDARIES = sorted({max(60, k * size + step) for size in (60, 3600, 86400, 604800) for k in (1, 2, 3)
                     for step in (-1, 0, 1)} | {28 * 86400 + step for step in (-1, 0, 1)} | {27 * 86400 + 86399})


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_words_match_djangos_timesince_on_each_side_of_every_unit_boundary(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a month the filter counts the elapsed seconds itself: it must say what timesince says."""
    from django.utils import timezone

    now = datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)  # just after February, the shortest month
    monkeypatch.setattr(timezone, "now", lambda: now)
    template = Template("{% load selfservice_time %}{{ past|relative_time }}|{{ future|relative_time }}")
    shown, expected = [], []
    with translation.override(language):
        for seconds in BOUNDARIES:
            for micro in (0, 999999):
                amount = timedelta(seconds=seconds, microseconds=micro)
                html = template.render(Context({"past": now - amount, "future": now + amount}))
                shown.append([text for _stamp, _title, text in TIME.findall(html)])
                expected.append([gettext("%(since)s ago") % {"since": timesince(now - amount, now, depth=1)},
                                 gettext("in %(until)s") % {"until": timeuntil(now + amount, now, depth=1)}])

    assert len(shown) == 2 * len(BOUNDARIES) > 60
    assert shown == expected
