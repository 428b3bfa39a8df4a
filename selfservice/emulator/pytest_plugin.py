"""pytest plugin (entry point ``pytest11``): a fresh emulated Auth0 tenant per test.

Fixtures:
- ``emulator``: an :class:`~selfservice.emulator.Emulator`, empty, reset after each test. One
  tenant (and, on first use of ``emulator.url``, one socket server) serves the whole session.
- ``selfservice_emulator``: the same, with pytest-django's ``settings`` pointing
  ``SELFSERVICE`` at it in-process and Django's cache cleared (needs pytest-django).

Kept tiny and side-effect free: every site that installs selfservice loads it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from . import Emulator


@pytest.fixture(scope="session")
def _selfservice_emulator_session() -> Iterator[Emulator]:
    emulator = Emulator(seed="empty")
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(_selfservice_emulator_session: Emulator) -> Iterator[Emulator]:
    """A fresh, empty tenant (default clients only) for this test."""
    _selfservice_emulator_session.reset()
    yield _selfservice_emulator_session
    _selfservice_emulator_session.reset()


@pytest.fixture
def selfservice_emulator(emulator: Emulator, request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """``emulator`` wired into Django: ``SELFSERVICE`` uses it through an in-process transport."""
    settings: Any = request.getfixturevalue("settings")
    current = dict(getattr(settings, "SELFSERVICE", {}) or {})
    settings.SELFSERVICE = {
        **current,
        "AUTH0_DOMAIN": "tenant.emulator.test",
        "AUTH0_CLIENT_ID": "selfservice-m2m",
        "AUTH0_CLIENT_SECRET": "selfservice-m2m-secret",
        "AUTH0_BASE_URL": None,
        "AUTH0_TRANSPORT": emulator.transport(),
    }
    _clear_caches()
    yield emulator
    _clear_caches()


def _clear_caches() -> None:
    """Empty every configured cache; one a test made unreachable (a dead Redis) is left alone."""
    from django.core.cache import caches

    from selfservice.core.shared_cache import OUTAGE_ERRORS

    for cache in caches.all():
        with contextlib.suppress(*OUTAGE_ERRORS):
            cache.clear()
