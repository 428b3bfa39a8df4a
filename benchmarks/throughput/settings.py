"""The load runs' production-like site (PostgreSQL, Redis, DEBUG off) plus the bare-render URLs.

What differs from ``benchmarks.load.settings``: the URLconf (:mod:`benchmarks.throughput.urls`),
no Management budget and no request limits unless ``--request-limits`` (a throughput run
repeats one page thousands of times, which no person does), and read-cache copies that stay
fresh for the whole run, so no tab calls the tenant after its first request per worker: what is
measured is the site's own work.
"""

from __future__ import annotations

from benchmarks.load.settings import *  # noqa: F403
from benchmarks.load.settings import SELFSERVICE as _LOAD_SELFSERVICE
from benchmarks.load.settings import env

ROOT_URLCONF = "benchmarks.throughput.urls"
DATABASES["default"]["NAME"] = env("SELFSERVICE_BENCH_DB", "selfservice_throughput")  # noqa: F405
DAY = 86400
#: --request-limits: every request counted, as on a site, at rates no run reaches.
_COUNTED = "100000000/m" if env("SELFSERVICE_BENCH_REQUEST_LIMITS", "") else None
SELFSERVICE = {
    **_LOAD_SELFSERVICE,
    "MANAGEMENT_BUDGET": None,
    "RATELIMIT": {"read.user": _COUNTED, "read.ip": _COUNTED, "write.user": None, "write.ip": None},
    "READ_CACHE_TTL": {"user": DAY, "methods": DAY, "sessions": DAY},
    "FACTORS_CACHE_TTL": DAY,
}
