"""Settings for ``redis_worker``: the test settings with a shared Redis cache and a socket tenant.

Everything that differs per run comes from the environment, set by test_multiprocess.py.
"""

from __future__ import annotations

import json
import os

from tests.settings import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("SELFSERVICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
}

SELFSERVICE = {
    "AUTH0_DOMAIN": os.environ.get("WORKER_AUTH0_DOMAIN", ""),
    "AUTH0_BASE_URL": os.environ.get("WORKER_AUTH0_BASE_URL") or None,
    "AUTH0_CLIENT_ID": "selfservice-m2m",
    "AUTH0_CLIENT_SECRET": "selfservice-m2m-secret",
    # A prefix per test run: runs never see each other's tokens, and cleanup is one pattern.
    "CACHE_KEY_PREFIX": os.environ.get("WORKER_CACHE_KEY_PREFIX", "selfservice-worker"),
    "TIMEOUT": 5.0,
    # A shared Management API budget (JSON), or none; refused calls never wait here.
    "MANAGEMENT_BUDGET": json.loads(os.environ.get("WORKER_BUDGET") or "null"),
    "BUDGET_WAIT": 0,
}
