"""View-test fixtures that need more than tests/conftest.py: the tenant over a real socket."""

from __future__ import annotations

from typing import Any

import pytest

from selfservice.emulator import Emulator


@pytest.fixture
def socket_tenant(tenant: Emulator, settings: Any) -> Emulator:
    """The demo tenant reached over a socket: only a socket can time out."""
    host_port = tenant.url.split("://", 1)[1]
    settings.SELFSERVICE = {
        **settings.SELFSERVICE,
        "AUTH0_DOMAIN": host_port,
        "AUTH0_BASE_URL": tenant.url,
        "AUTH0_TRANSPORT": None,
        "TIMEOUT": 0.3,
    }
    return tenant
