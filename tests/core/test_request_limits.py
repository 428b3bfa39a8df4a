"""Every account page request is limited per signed-in user and per client IP, before any upstream call."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from tests.conftest import ALICE, CAROL, HTMX

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_minute_window")]

GENERAL = reverse("selfservice:general")


def limits(settings: Any, trusted_proxies: int = 0, **rates: str | None) -> None:
    off = {"read.user": None, "read.ip": None, "write.user": None, "write.ip": None}
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {**off, **rates}, "TRUSTED_PROXIES": trusted_proxies}


def test_reads_over_the_users_limit_are_429_with_the_wait_and_no_upstream_call(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    limits(settings, **{"read.user": "2/m"})
    assert [logged_in_client.get(GENERAL).status_code for _ in range(2)] == [200, 200]
    tenant.clear_requests()

    refused = logged_in_client.get(GENERAL, headers=HTMX)

    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many requests from you or your network." in refused.content.decode()
    assert [r for r in tenant.requests() if r["path"].startswith("/api/v2/")] == []


def test_two_users_behind_one_address_share_its_limit(client_for: Any, tenant: Emulator, settings: Any) -> None:
    limits(settings, **{"read.ip": "2/m"})
    alice = client_for(ALICE)
    assert alice.get(GENERAL).status_code == 200
    assert alice.get(GENERAL).status_code == 200

    carol = client_for(CAROL)  # same test client address, another user

    assert carol.get(GENERAL).status_code == 429


def test_writes_have_their_own_limit(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    from tests.profile.test_general import ALICE_FORM

    limits(settings, **{"write.ip": "1/m"})
    logged_in_client.post(GENERAL, {**ALICE_FORM, "nickname": "One"})
    tenant.clear_requests()

    refused = logged_in_client.post(GENERAL, {**ALICE_FORM, "nickname": "Two"})
    still_reads = logged_in_client.get(GENERAL)

    assert refused.status_code == 429 and still_reads.status_code == 200
    assert tenant.count("PATCH") == 0


def test_inline_validation_is_limited_as_a_read(logged_in_client: Client, settings: Any) -> None:
    limits(settings, **{"read.user": "1/m"})
    url = reverse("selfservice:validate-preferences")
    logged_in_client.post(url, {}, headers=HTMX)

    assert logged_in_client.post(url, {}, headers=HTMX).status_code == 429


def test_inline_validation_never_spends_the_saves_write_budget(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    from tests.profile.test_general import ALICE_FORM

    limits(settings, **{"write.user": "1/m", "write.ip": "1/m"})
    url = reverse("selfservice:validate-preferences")
    validated = [logged_in_client.post(url, {}, headers=HTMX).status_code for _ in range(5)]

    saved = logged_in_client.post(GENERAL, {**ALICE_FORM, "nickname": "After validating"})

    assert set(validated) == {204} and saved.status_code == 302
    assert (tenant.user(ALICE) or {})["nickname"] == "After validating"


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(client_for: Any, tenant: Emulator, settings: Any) -> None:
    limits(settings, **{"read.ip": "1/m"})
    alice = client_for(ALICE)
    assert alice.get(GENERAL, headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200

    # A client inventing another address does not get a fresh counter.
    assert alice.get(GENERAL, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 429


def test_with_one_trusted_proxy_the_address_it_added_counts(client_for: Any, tenant: Emulator, settings: Any) -> None:
    limits(settings, trusted_proxies=1, **{"read.ip": "1/m"})
    alice = client_for(ALICE)
    assert alice.get(GENERAL, headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}).status_code == 200
    # The proxy added 198.51.100.1 again; what the client put in front (203.0.113.x) is ignored.
    assert alice.get(GENERAL, headers={"X-Forwarded-For": "203.0.113.10, 198.51.100.1"}).status_code == 429
    # Another client behind the same proxy has its own counter.
    assert alice.get(GENERAL, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200


def test_django_ratelimits_switch_turns_every_account_limit_off(logged_in_client: Client, tenant: Emulator,
                                                                  settings: Any) -> None:
    from tests.profile.test_general import ALICE_FORM

    limits(settings, **{"read.user": "1/m", "write.user": "1/m", "profile.update": "1/m"})
    settings.RATELIMIT_ENABLE = False  # django-ratelimit's documented switch, e.g. for a load test

    assert [logged_in_client.get(GENERAL).status_code for _ in range(3)] == [200, 200, 200]
    assert [logged_in_client.post(GENERAL, ALICE_FORM).status_code for _ in range(2)] == [302, 302]

    settings.RATELIMIT_ENABLE = True
    assert [logged_in_client.get(GENERAL).status_code for _ in range(2)] == [200, 429]
