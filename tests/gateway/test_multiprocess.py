"""Two worker processes sharing a Redis cache fetch ONE Management token between them."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.mark.multiprocess
def test_two_processes_of_four_threads_sharing_redis_fetch_exactly_one_token(emulator: Any, redis_client: Any) -> None:
    user_id = "auth0|shared"
    emulator.add_user({"user_id": user_id, "email": "shared@example.com"})
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

    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
        assert out.strip() == f"done {CALLS}"
    assert emulator.count("POST", path="^/oauth/token$") == 1
    assert emulator.count("GET", path=r"^/api/v2/users/auth0\|shared$") == PROCESSES * CALLS
