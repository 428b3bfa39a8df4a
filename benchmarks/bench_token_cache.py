"""How many Management API tokens N gateway calls from T threads cost (the shared token cache).

    python benchmarks/bench_token_cache.py [--calls 1000] [--threads 8]

Prints calls per second and token requests seen by the emulator (the test suite asserts the
count for 100 calls; this shows it at scale).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402

from selfservice.emulator import Emulator  # noqa: E402
from selfservice.gateway import get_gateway  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--socket", action="store_true", help="reach the tenant over a socket, not in-process")
    args = parser.parse_args()

    emulator = Emulator(seed="demo")
    if args.socket:
        url = emulator.start()
        settings.SELFSERVICE = {**settings.SELFSERVICE, "AUTH0_DOMAIN": url.split("//")[1], "AUTH0_BASE_URL": url}
    else:
        settings.SELFSERVICE = {**settings.SELFSERVICE, "AUTH0_TRANSPORT": emulator.transport()}
    for cache in caches.all():
        cache.clear()

    def call(_: int) -> None:
        get_gateway().get_user("auth0|alice")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(call, range(args.calls)))
    elapsed = time.perf_counter() - started
    tokens = emulator.count(path="^/oauth/token$")
    users = emulator.count("GET", "^/api/v2/users/")
    mode = "socket" if args.socket else "in-process"
    print(f"{args.calls} get_user calls, {args.threads} threads, {mode}: {args.calls / elapsed:,.0f} calls/s")
    print(f"token requests: {tokens}; user requests: {users}")
    emulator.stop()


if __name__ == "__main__":
    main()
