"""Test settings for the production-like matrix cell: PostgreSQL + Redis (several workers share both).

Run: ``DJANGO_SETTINGS_MODULE=tests.settings_postgres pytest`` (or ``tox -e py311-django52-postgres``).
Expects PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust auth; pytest-django creates
``test_test``) and Redis on 127.0.0.1:6379 (database 14). When either does not answer, importing
these settings fails at once with the commands that start them, instead of a pile of connection
errors in every test.
"""

from __future__ import annotations

import os
import socket

from django.core.exceptions import ImproperlyConfigured

from tests.settings import *  # noqa: F403

SERVICES = {"PostgreSQL": ("127.0.0.1", 5432), "Redis": ("127.0.0.1", 6379)}
START_COMMANDS = """\
  Debian/Ubuntu:  apt-get install -y postgresql redis-server && service postgresql start && service redis-server start
                  (allow trust auth for 127.0.0.1 in pg_hba.conf, or set PGPASSWORD)
  Docker:         docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16
                  docker run -d -p 6379:6379 redis:7"""

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": 5432,
        "USER": "postgres",
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "NAME": "test",
        "TEST": {"NAME": "test_test"},
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/14",
        "KEY_PREFIX": "selfservice-tests",
    }
}


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


_missing = [f"{name} on {host}:{port}" for name, (host, port) in SERVICES.items() if not _answers(host, port)]
if _missing:
    raise ImproperlyConfigured(
        f"tests.settings_postgres needs {' and '.join(_missing)}, which did not answer. Start them:\n{START_COMMANDS}"
    )
