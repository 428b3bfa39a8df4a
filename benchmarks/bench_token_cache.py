"""How many Management API tokens N gateway calls from T threads cost (the shared token cache).

    python -m benchmarks.bench_token_cache [--calls 1000] [--threads 8] [--socket]

Prints calls per second and token requests seen by the emulator (the test suite asserts the
count for 100 calls; this shows it at scale). The gateway is called directly, below the read
cache, so every call reaches the tenant.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_token_cache.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import inprocess  # noqa: E402
from selfservice.emulator import Emulator  # noqa: E402
from selfservice.gateway import get_gateway  # noqa: E402


def table(calls: int = 1000, threads: int = 8, socket: bool = False) -> str:
    emulator = Emulator(seed="demo")
    try:
        extra = {}
        if socket:
            url = emulator.start()
            extra = {"AUTH0_DOMAIN": url.split("//")[1], "AUTH0_BASE_URL": url, "AUTH0_TRANSPORT": None}
        with inprocess.tenant(emulator, **extra):

            def call(_: int) -> None:
                get_gateway().get_user("auth0|alice")

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                list(pool.map(call, range(calls)))
            elapsed = time.perf_counter() - started
            tokens = emulator.count(path="^/oauth/token$")
            users = emulator.count("GET", "^/api/v2/users/")
    finally:
        emulator.stop()  # the socket server's thread, when one was started
    mode = "socket" if socket else "in-process"
    return (f"{calls} get_user calls, {threads} threads, {mode}: {calls / elapsed:,.0f} calls/s; "
            f"token requests: {tokens}; user requests: {users}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--socket", action="store_true", help="reach the tenant over a socket, not in-process")
    args = parser.parse_args()
    print(table(args.calls, args.threads, args.socket), end="")


if __name__ == "__main__":
    main()
