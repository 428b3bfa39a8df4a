"""A change whose answer is lost or unreadable is reported as unconfirmed, never as done.

Where the view can read the state back, it does (tests/faults/test_read_back.py); these cases
make that read fail as well, so "unconfirmed" is all that can honestly be said.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from selfservice.gateway import UpstreamUnavailable, UpstreamUncertain, get_gateway
from tests.conftest import ALICE, CAROL

pytestmark = pytest.mark.django_db

USER_PATH = r"^/api/v2/users/auth0\|alice$"


def first_method(tenant: Emulator, user_id: str, type_: str) -> str:
    return next(m["id"] for m in tenant.tenant.methods[user_id] if m["type"] == type_)


@pytest.mark.parametrize("body", ["<html><body>Bad gateway page</body></html>", "OK"])
def test_an_html_success_to_a_delete_is_unconfirmed(tenant: Emulator, body: str) -> None:
    method = first_method(tenant, CAROL, "totp")
    tenant.add_fault(r"/authentication-methods/", method="DELETE", status=200, body=body, times=1)

    with pytest.raises(UpstreamUncertain):
        get_gateway().delete_authentication_method(CAROL, method)


def test_an_empty_or_json_success_to_a_delete_is_done(tenant: Emulator) -> None:
    method = first_method(tenant, CAROL, "totp")

    get_gateway().delete_authentication_method(CAROL, method)  # the emulator answers 204

    assert method not in [m["id"] for m in tenant.tenant.methods[CAROL]]


def test_an_unreadable_answer_to_a_read_is_plain_unavailable(tenant: Emulator) -> None:
    tenant.add_fault(USER_PATH, method="GET", status=200, body="<html>", times=1)

    with pytest.raises(UpstreamUnavailable) as caught:
        get_gateway().get_user(ALICE)

    assert not isinstance(caught.value, UpstreamUncertain)


def test_a_change_whose_answer_times_out_is_unconfirmed(socket_tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "WRITE_TIMEOUT": 0.3}
    get_gateway().get_user(ALICE)  # the token is fetched before the slow call
    socket_tenant.add_fault(USER_PATH, method="PATCH", latency_ms=900, times=1)

    with pytest.raises(UpstreamUncertain):
        get_gateway().update_user(ALICE, {"nickname": "Slow"})


def test_changes_get_the_longer_write_timeout(socket_tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "TIMEOUT": 0.3, "WRITE_TIMEOUT": 5.0}
    get_gateway().get_user(ALICE)
    socket_tenant.add_fault(USER_PATH, method="PATCH", latency_ms=600, times=1)

    assert get_gateway().update_user(ALICE, {"nickname": "Patient"}).nickname == "Patient"


def test_an_unconfirmed_save_says_so_and_the_next_view_reads_the_truth(
    logged_in_client: Client, tenant: Emulator
) -> None:
    from tests.profile.test_general import ALICE_FORM

    url = reverse("selfservice:general")
    logged_in_client.get(url)
    tenant.add_fault(USER_PATH, method="PATCH", status=200, body="<html>", times=1)
    tenant.add_fault(USER_PATH, method="GET", status=503, times=1)  # and reading it back fails too

    saved = logged_in_client.post(url, {**ALICE_FORM, "nickname": "Maybe"})

    html = saved.content.decode()
    assert saved.status_code == 503
    assert "We could not confirm this" in html and "Nothing was saved" not in html
    assert "saved" not in " ".join(str(m) for m in saved.context["messages"]).lower()
    tenant.clear_requests()
    logged_in_client.get(url)
    assert tenant.count("GET", USER_PATH) == 1  # no copy was kept of the unknown outcome


def test_an_unconfirmed_revoke_is_not_reported_as_signed_out(client_for: Any, tenant: Emulator) -> None:
    carol = client_for(CAROL)
    carol.get(reverse("selfservice:sessions"))
    victim = tenant.tenant.user_sessions(CAROL)[0]["id"]
    tenant.add_fault(r"^/api/v2/sessions/[^/]+/revoke$", method="POST", status=200, body="<html>", times=1)
    tenant.add_fault(r"^/api/v2/sessions/[^/]+$", method="GET", status=503, times=1)  # no read-back either

    response = carol.post(reverse("selfservice:revoke-session", args=[victim]))

    assert response.status_code == 503
    assert "We could not confirm this" in response.content.decode()
    assert not [str(m) for m in response.context["messages"] if "Signed out" in str(m)]


@pytest.mark.parametrize(
    ("action", "path", "says", "never"),
    [
        ("regenerate-recovery-code", r"/recovery-code-regeneration$", "may no longer work: generate a new one",
         "was not changed"),
        ("remove-method", r"/authentication-methods/", "could not confirm whether the method was removed",
         "Nothing was removed"),
    ],
)
def test_an_unconfirmed_security_change_never_says_nothing_happened(
    client_for: Any, tenant: Emulator, action: str, path: str, says: str, never: str
) -> None:
    carol = client_for(CAROL)
    carol.get(reverse("selfservice:security"))
    if action == "remove-method":
        url = reverse("selfservice:remove-method", args=[first_method(tenant, CAROL, "totp")])
        data = {"confirm": "1"}
    else:
        url, data = reverse("selfservice:regenerate-recovery-code"), {}
    tenant.add_fault(path, method=None, status=200, body="<html>", times=1)
    tenant.add_fault(r"/authentication-methods$", method="GET", status=503, times=1)  # no read-back either

    response = carol.post(url, data)

    messages = " ".join(str(m) for m in response.context["messages"])
    assert response.status_code == 503
    assert says in messages and never not in messages
