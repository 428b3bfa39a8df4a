"""Privacy tab fixtures: Carol signed in (just now, or an hour ago), the request log empty."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from selfservice.emulator import Emulator
from tests.conftest import CAROL, signed_in_at


@pytest.fixture
def carol(client_for: Callable[[str], Client], tenant: Emulator) -> Client:
    """Carol (40 sessions, six methods, rich metadata), signed in just now; nothing logged yet."""
    client = client_for(CAROL)
    tenant.clear_requests()
    return client


@pytest.fixture
def old_carol(carol: Client) -> Client:
    """Carol signed in an hour ago: past the default STEP_UP_MAX_AGE (300 s)."""
    signed_in_at(carol, seconds_ago=3600)
    return carol
