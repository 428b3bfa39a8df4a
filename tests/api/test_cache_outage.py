"""Bearer tokens while the shared cache cannot be reached: the key set is this process's copy.

Normally the tenant's key set is shared through the cache and fetched again at most once a
minute (a forged ``kid`` cannot make the site hammer the tenant). With the cache down, each
process keeps the set it last saw, under the same once-a-minute limit.
"""

from __future__ import annotations

from collections.abc import Callable

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from selfservice.emulator import Emulator
from tests.core.test_cache_outage import cache_down  # noqa: F401 - the fixture

from .conftest import AUDIENCE, BASE

JWKS = r"^/\.well-known/jwks\.json$"


def forged(kid: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"iss": "https://tenant.emulator.test/", "aud": AUDIENCE, "sub": "auth0|alice", "exp": 2**31 - 1,
              "scope": "read:me"}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_bearer_calls_share_one_key_set_fetch_and_forged_kids_fetch_nothing_more(
    bearer: Callable[..., Client], api_tenant: Emulator, cache_down: None  # noqa: F811
) -> None:
    client = bearer("alice@example.com")
    first = client.get(f"{BASE}/me")  # fetches the key set: this process keeps it
    api_tenant.add_fault(JWKS, status=500)  # any fetch from now on fails, and the call with it (503)

    answers = [client.get(f"{BASE}/me").status_code for _ in range(2)]
    forgeries = [Client(HTTP_AUTHORIZATION=f"Bearer {forged(f'forged-{n}')}").get(f"{BASE}/me").status_code
                 for n in range(3)]

    assert first.status_code == 200 and answers == [200, 200]
    assert forgeries == [401, 401, 401]  # unknown kid, refused without fetching again (that would be 503)
