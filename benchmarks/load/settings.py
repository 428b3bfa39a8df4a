"""Django settings for the load runs: the demo site as a production deployment would run it.

Why not the demo's own settings: the demo keeps sessions and the cache in one process (SQLite,
LocMem), which hides exactly what the load runs measure (several workers and hosts sharing the
Management token, the rate-limit state, the Management budget and the read cache). So:
PostgreSQL, Redis through django-redis, ``DEBUG=False``, behind a proxy. Everything that varies between runs
comes from the environment (``benchmarks/load/run.py`` sets it); the defaults match what the
harness starts on one host.

The tenant is the emulator as its own process (``SELFSERVICE_BENCH_TENANT``). On two hosts the
gunicorns run in network namespaces where 127.0.0.1 is their own loopback; the harness puts
forwards there (see ``netns.py``), so these settings are identical on every host, including
the tenant URL, which is also the ID tokens' issuer.
"""

from __future__ import annotations

import os

from demo_project.settings import *  # noqa: F403
from demo_project.settings import env

DEBUG = False
ALLOWED_HOSTS = ["*"]
SECRET_KEY = env("DJANGO_SECRET_KEY", "selfservice-load-benchmark-only-not-a-secret")

# What a deployment behind a TLS-terminating proxy sets; HAProxy sends the scheme it received
# (plain http on the bench, because the emulator only allows http loopback callbacks).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": env("SELFSERVICE_BENCH_PGHOST", "127.0.0.1"),
        "PORT": int(env("SELFSERVICE_BENCH_PGPORT", "5432")),
        "USER": env("SELFSERVICE_BENCH_PGUSER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "NAME": env("SELFSERVICE_BENCH_DB", "selfservice_bench"),
        # Persistent connections, as gthread deployments run them (one per worker thread).
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("SELFSERVICE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "KEY_PREFIX": env("SELFSERVICE_BENCH_CACHE_PREFIX", "selfservice-bench"),
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
}
SESSION_ENGINE = "selfservice.login.session_store"  # cached_db, as docs/deployment.md recommends
RATELIMIT_USE_CACHE = "default"

# --- the emulated tenant, as its own process (mirrors demo_project.settings' emulator branch) ---
TENANT_URL = env("SELFSERVICE_BENCH_TENANT", "http://127.0.0.1:8001").rstrip("/")
TENANT_NETLOC = TENANT_URL.split("://", 1)[1]
SELFSERVICE = {
    "AUTH0_DOMAIN": TENANT_NETLOC,
    "AUTH0_BASE_URL": TENANT_URL,
    "AUTH0_CLIENT_ID": env("AUTH0_CLIENT_ID", "selfservice-m2m"),
    "AUTH0_CLIENT_SECRET": env("AUTH0_CLIENT_SECRET", "selfservice-m2m-secret"),
    # The site paces itself to the plan the tenant enforces: the run's --preset ("free",
    # "essentials", "enterprise"); empty (--no-budget) leaves only Auth0's rate-limit headers.
    "MANAGEMENT_BUDGET": env("SELFSERVICE_BENCH_BUDGET", "free") or None,
    # 1 behind HAProxy (two hosts), which appends the client's address to X-Forwarded-For.
    "TRUSTED_PROXIES": int(env("SELFSERVICE_BENCH_TRUSTED_PROXIES", "0") or 0),
}
if env("SELFSERVICE_BENCH_REQUEST_LIMITS", "on") == "off":
    # --no-request-limits, a diagnostic: the per-user/per-IP page request limits off (not the
    # per-action change limits), to see the read cache and the budget without them.
    SELFSERVICE["RATELIMIT"] = {"read.user": None, "read.ip": None, "write.user": None, "write.ip": None}
SOCIAL_AUTH_AUTH0_DOMAIN = TENANT_NETLOC
SOCIAL_AUTH_AUTH0_BASE_URL = TENANT_URL
SOCIAL_AUTH_AUTH0_KEY = env("AUTH0_WEB_CLIENT_ID", "selfservice-web")
SOCIAL_AUTH_AUTH0_SECRET = env("AUTH0_WEB_CLIENT_SECRET", "selfservice-web-secret")
DEMO_EMULATOR = None  # the harness starts the tenant; nothing here should start another

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # Warnings and errors reach gunicorn's error log (the harness keeps it per run).
    "root": {"handlers": ["console"], "level": "WARNING"},
}
