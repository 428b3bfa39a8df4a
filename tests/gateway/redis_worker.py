"""A stand-in for one gunicorn worker: THREADS threads making CALLS gateway calls in total.

Started (twice) by test_multiprocess.py as ``python -m tests.gateway.redis_worker`` with
``DJANGO_SETTINGS_MODULE=tests.gateway.redis_worker_settings``. It prints ``ready`` once Django
is set up, waits for a line on stdin so that every worker starts at the same moment, then
prints ``done <successful calls>`` and ``refused <calls the shared budget refused>``.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def main() -> int:
    import django

    django.setup()
    from selfservice.gateway import UpstreamRateLimited, get_gateway

    user_id = os.environ["WORKER_USER_ID"]
    threads = int(os.environ.get("WORKER_THREADS", "4"))
    calls = int(os.environ.get("WORKER_CALLS", "100"))
    start = threading.Barrier(threads)

    refused = 0
    lock = threading.Lock()

    def call() -> bool:
        nonlocal refused
        try:
            return get_gateway().get_user(user_id).user_id == user_id
        except UpstreamRateLimited:  # the shared budget (WORKER_BUDGET) said no
            with lock:
                refused += 1
            return False

    def work(count: int) -> int:
        start.wait()
        # A new gateway per call, as views make one per request: nothing is remembered.
        return sum(call() for _ in range(count))

    shares = [calls // threads + (1 if i < calls % threads else 0) for i in range(threads)]
    print("ready", flush=True)
    sys.stdin.readline()
    with ThreadPoolExecutor(threads) as pool:
        done = sum(pool.map(work, shares))
    print(f"done {done}", flush=True)
    print(f"refused {refused}", flush=True)
    return 0 if done + refused == calls else 1


if __name__ == "__main__":
    sys.exit(main())
