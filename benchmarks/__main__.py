"""Every in-process benchmark table, one after the other: ``python -m benchmarks``.

    python -m benchmarks [--rounds 200] [--requests 200] [--quick]

1. upstream Management calls per action (``bench_calls``; deterministic);
2. server time of each tab vs the bare render vs static bytes (``bench_render``; ratios);
3. time, upstream calls, queries and bytes per page (``bench_pages``);
4. Management tokens for many gateway calls from many threads (``bench_token_cache``);
5. bytes over the wire per tab, compressed and not, and the static files (``bench_wire``);
6. naming a session's device: the RE2 resolver vs the legacy user-agent parser (``bench_user_agents``).

All of it runs in this process against the in-process emulator (no sockets, no services, no
child processes). The load harness is its own command, ``python -m benchmarks.load.run``: it
needs root, PostgreSQL, Redis, gunicorn and HAProxy (see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import time

from benchmarks import (
    bench_calls,
    bench_pages,
    bench_render,
    bench_token_cache,
    bench_user_agents,
    bench_wire,
    inprocess,
    load,
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="interleaved rounds per row of the render table (N)")
    parser.add_argument("--requests", type=int, default=200, help="requests per row of the pages table")
    parser.add_argument("--quick", action="store_true", help="smaller samples (N = 30, 30 requests, 200 calls)")
    args = parser.parse_args()
    rounds, requests, calls = (30, 30, 200) if args.quick else (args.rounds, args.requests, 1000)
    started = time.monotonic()
    print(f"# In-process benchmarks ({inprocess.code_version()})\n")
    for title, render in (
        ("Upstream calls per action", bench_calls.table),
        ("Tab vs bare render vs static bytes", lambda: bench_render.table(rounds=rounds)),
        ("Pages", lambda: bench_pages.table(requests=requests)),
        ("Token cache", lambda: bench_token_cache.table(calls=calls)),
        ("Bytes over the wire", bench_wire.table),
        ("Naming a session's device", lambda: bench_user_agents.table(rounds=rounds)),
    ):
        print(f"## {title}\n")
        print(render())
    print(f"({time.monotonic() - started:.0f} s; the load harness: python -m {load.__name__}.run --help)")


if __name__ == "__main__":
    main()
