"""Foreign ids on every id-taking URL: 404, and nothing written upstream (kept from the attack run).

A new URL with a path parameter fails ``test_the_table_covers_every_id_taking_url`` until it
gets a row here: an id from the browser is never trusted without checking it is the user's.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from selfservice.emulator import Emulator
from tests.conftest import CAROL
from tests.security.attack_support import patterns, upstream_writes

# url name -> how to get ids of *another* user's object in the demo tenant (alice is signed in).
FOREIGN: dict[str, Callable[[Emulator], list[dict[str, str]]]] = {
    "remove-method": lambda tenant: [{"method_id": m["id"]} for m in tenant.tenant.user_methods(CAROL)[:2]]
    + [{"method_id": "totp|made-up"}],
    "revoke-session": lambda tenant: [{"session_id": s["id"]} for s in tenant.tenant.user_sessions(CAROL)[:2]]
    + [{"session_id": "made-up-session"}],
    "unlink-identity": lambda tenant: [{"provider": "google-oauth2", "user_id": "bob"},
                                       {"provider": "auth0", "user_id": "carol"},
                                       {"provider": "github", "user_id": "made-up"}],
}


def test_the_table_covers_every_id_taking_url() -> None:
    assert {name for name, params in patterns().items() if params} == set(FOREIGN)


@pytest.mark.parametrize("name", sorted(FOREIGN))
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_foreign_or_made_up_id_is_404_and_nothing_is_written(
    logged_in_client: Client, tenant: Emulator, name: str, method: str
) -> None:
    cases = FOREIGN[name](tenant)
    assert len(cases) >= 2
    for kwargs in cases:
        tenant.clear_requests()
        url = reverse(f"selfservice:{name}", kwargs=kwargs)
        call = getattr(logged_in_client, method)
        response = call(url, {"confirm": "1", "page": "1"}) if method == "post" else call(url)
        if method == "get" and response.status_code == 302:
            # A GET that is not a confirm step (revoke-session for a session that is not this
            # device's) goes back to the tab, exactly as it does for the user's own ids: no write,
            # nothing told about the id.
            assert name == "revoke-session", url
            assert response["Location"] == reverse("selfservice:sessions"), url
        else:
            assert response.status_code == 404, (url, response.status_code)
        assert upstream_writes(tenant) == [], url
    # The owner's data is untouched.
    assert len(tenant.tenant.user_methods(CAROL)) >= 2 and len(tenant.tenant.user_sessions(CAROL)) >= 2
