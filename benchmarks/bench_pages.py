"""Cost of each account page against the emulated tenant: time, upstream calls, queries, bytes.

    python benchmarks/bench_pages.py [--requests 200] [--latency-ms 0] [--user auth0|carol]

Run on demand; it prints a table and asserts nothing (the deterministic counts are asserted in
the test suite). ``--latency-ms`` adds a delay to every tenant call, to see how the pages
behave when Auth0 is ~50-150 ms away as it is in production.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from social_django.models import UserSocialAuth  # noqa: E402

from selfservice.emulator import Emulator  # noqa: E402

TABS = ("general", "preferences", "security", "sessions")
MANY = 150
MANY_USER = "auth0|bench-many"
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
)

DEMO_SCHEMA = Path(__file__).resolve().parent.parent / "demo_project" / "preference_schema.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page and mode")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every tenant call")
    parser.add_argument("--user", default="auth0|carol", help="demo user to sign in as")
    args = parser.parse_args()

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    emulator = Emulator(seed="demo", latency_ms=args.latency_ms)
    settings.SELFSERVICE = {
        **settings.SELFSERVICE,
        "AUTH0_DOMAIN": "tenant.emulator.test",
        "AUTH0_TRANSPORT": emulator.transport(),
        "RATELIMIT": {},
    }
    for cache in caches.all():
        cache.clear()
    # The Preferences tab renders the demo's schema (without one it shows its empty state).
    call_command("load_preference_schema", str(DEMO_SCHEMA), activate=True, verbosity=0)
    user = get_user_model().objects.create_user("bench", email="bench@example.com")
    UserSocialAuth.objects.create(user=user, provider="auth0", uid=args.user)
    client = Client()
    client.force_login(user)

    # The Sessions tab for a user with many sessions (all pages are read to order them).
    many = get_user_model().objects.create_user("bench-many", email="many@example.com")
    UserSocialAuth.objects.create(user=many, provider="auth0", uid=MANY_USER)
    emulator.add_user({"user_id": MANY_USER, "email": "many@example.com",
                       "sessions": [{"device": {"initial_user_agent": AGENTS[i % len(AGENTS)]}} for i in range(MANY)]})
    many_client = Client()
    many_client.force_login(many)

    print(f"{args.requests} requests per row, user {args.user}, tenant latency {args.latency_ms} ms\n")
    print(f"{'page':<12} {'mode':<6} {'status':>6} {'mean ms':>8} {'p95 ms':>8} {'upstream':>9} {'queries':>8} {'bytes':>8}")
    rows = [(tab, client, tab) for tab in TABS] + [(f"sessions{MANY}", many_client, "sessions")]
    for label, client, tab in rows:
        try:
            url = reverse(f"selfservice:{tab}")
        except NoReverseMatch:
            continue
        for mode, headers in (("page", {}), ("htmx", {"HX-Request": "true"})):
            client.get(url, headers=headers)  # warm caches (token, factors)
            emulator.clear_requests()
            times: list[float] = []
            queries = 0
            size = 0
            status = 0
            for _ in range(args.requests):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, headers=headers)
                    times.append((time.perf_counter() - started) * 1000)
                queries += len(captured)
                size += len(response.content)
                status = response.status_code
            upstream = len(emulator.requests()) / args.requests
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
            print(
                f"{label:<12} {mode:<6} {status:>6} {statistics.mean(times):>8.2f} {p95:>8.2f} "
                f"{upstream:>9.2f} {queries / args.requests:>8.1f} {size // args.requests:>8}"
            )


if __name__ == "__main__":
    main()
