"""Cost of each account page against the emulated tenant: time, upstream calls, queries, bytes.

    python -m benchmarks.bench_pages [--requests 200] [--latency-ms 0] [--user auth0|carol]

Run on demand; it prints a table and asserts nothing (the deterministic counts are asserted in
the test suite, and tabulated per action by ``bench_calls``). Every row is measured after one
request that warms the caches (token, factors, the user's read cache), so "upstream" is what a
revisit within the read cache's fresh TTL costs. ``--latency-ms`` adds a delay to every tenant
call, to see how the pages behave when Auth0 is ~50-150 ms away as it is in production.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_pages.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from benchmarks import inprocess  # noqa: E402
from selfservice.emulator import Emulator  # noqa: E402

MANY = 150
MANY_USER = "auth0|bench-many"
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
)


def table(requests: int = 200, latency_ms: int = 0, user: str = "auth0|carol") -> str:
    emulator = Emulator(seed="demo", latency_ms=latency_ms)
    # The Sessions tab for a user with many sessions (all pages are read to order them).
    emulator.add_user({"user_id": MANY_USER, "email": "many@example.com",
                       "sessions": [{"device": {"initial_user_agent": AGENTS[i % len(AGENTS)]}} for i in range(MANY)]})
    lines = [f"{requests} requests per row, user {user}, tenant latency {latency_ms} ms; code: {inprocess.code_version()}",
             "",
             "| page | mode | status | mean ms | p95 ms | upstream calls / request | queries / request | bytes |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    with inprocess.tenant(emulator):
        client = inprocess.client_for(user)
        many_client = inprocess.client_for(MANY_USER)
        rows = [(tab, client, tab) for tab in inprocess.TABS] + [(f"sessions{MANY}", many_client, "sessions")]
        for label, page_client, tab in rows:
            try:
                url = reverse(f"selfservice:{tab}")
            except NoReverseMatch:
                continue
            for mode, headers in (("page", {}), ("htmx", inprocess.HTMX)):
                page_client.get(url, headers=headers)  # warm caches (token, factors, the read cache)
                emulator.clear_requests()
                times: list[float] = []
                queries = size = status = 0
                for _ in range(requests):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = page_client.get(url, headers=headers)
                        times.append((time.perf_counter() - started) * 1000)
                    queries += len(captured)
                    size += len(response.content)
                    status = response.status_code
                upstream = len(inprocess.management_calls(emulator)) / requests
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
                lines.append(f"| {label} | {mode} | {status} | {statistics.mean(times):.2f} | {p95:.2f} | "
                             f"{upstream:.2f} | {queries / requests:.1f} | {size // requests} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page and mode")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every tenant call")
    parser.add_argument("--user", default="auth0|carol", help="demo user to sign in as")
    args = parser.parse_args()
    print(table(args.requests, args.latency_ms, args.user))


if __name__ == "__main__":
    main()
