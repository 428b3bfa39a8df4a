"""Two worker processes sharing a Redis cache fetch ONE Management token between them."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = os.environ.get("SELFSERVICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]
PROCESSES, THREADS, CALLS = 2, 4, 100


@pytest.fixture
def redis_client() -> Any:
    """A client for the test Redis; skip when it is down, unless running in CI (then fail)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        message = f"Redis at {REDIS_URL} is not reachable ({exc}); start it with `service redis-server start`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield client
    client.close()


def run_workers(emulator: Any, redis_client: Any, user_id: str, **extra_env: str) -> list[tuple[int, str]]:
    """Start PROCESSES workers, release them at once, return (exit status, stdout) of each."""
    prefix = f"selfservice-test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.gateway.redis_worker_settings",
        "SELFSERVICE_TEST_REDIS_URL": REDIS_URL,
        "WORKER_AUTH0_DOMAIN": emulator.url.split("://", 1)[1],
        "WORKER_AUTH0_BASE_URL": emulator.url,
        "WORKER_CACHE_KEY_PREFIX": prefix,
        "WORKER_USER_ID": user_id,
        "WORKER_THREADS": str(THREADS),
        "WORKER_CALLS": str(CALLS),
        **extra_env,
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.gateway.redis_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for worker in workers:  # every worker is set up before any of them starts calling
            assert worker.stdout is not None
            line = worker.stdout.readline().strip()
            assert line == "ready", f"worker failed to start: {line!r} {worker.stderr.read() if worker.stderr else ''}"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        for key in redis_client.scan_iter(match=f"*{prefix}*"):
            redis_client.delete(key)

    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    return [(worker.returncode, out) for worker, (out, _err) in zip(workers, outputs, strict=True)]


def parse(out: str) -> dict[str, int]:
    return {name: int(value) for name, value in (line.split() for line in out.strip().splitlines())}


@pytest.mark.multiprocess
def test_two_processes_of_four_threads_sharing_redis_fetch_exactly_one_token(emulator: Any, redis_client: Any) -> None:
    user_id = "auth0|shared"
    emulator.add_user({"user_id": user_id, "email": "shared@example.com"})

    results = run_workers(emulator, redis_client, user_id)

    assert [parse(out) for _status, out in results] == [{"done": CALLS, "refused": 0}] * PROCESSES
    assert emulator.count("POST", path="^/oauth/token$") == 1
    assert emulator.count("GET", path=r"^/api/v2/users/auth0\|shared$") == PROCESSES * CALLS


@pytest.mark.multiprocess
def test_two_processes_sharing_redis_obey_one_management_budget(emulator: Any, redis_client: Any) -> None:
    """20/s with a burst of 20 is spent as 10 calls per 0.5 s window, counted in Redis by both."""
    user_id = "auth0|budget"
    emulator.add_user({"user_id": user_id, "email": "budget@example.com"})
    began = time.time()

    results = run_workers(
        emulator, redis_client, user_id, WORKER_BUDGET=json.dumps({"global": {"rate": "20/s", "burst": 20}})
    )

    ended = time.time()
    counts = [parse(out) for _status, out in results]
    sent = emulator.count("GET", path=r"^/api/v2/users/auth0\|budget$")
    windows = math.floor(ended / 0.5) - math.floor(began / 0.5) + 1
    assert sum(c["done"] for c in counts) == sent  # every call that went out succeeded
    assert sum(c["done"] + c["refused"] for c in counts) == PROCESSES * CALLS
    assert 0 < sent <= 10 * windows  # never above the budget, whichever process spent it
    assert sum(c["refused"] for c in counts) > 0
