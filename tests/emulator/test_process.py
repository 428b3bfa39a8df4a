"""The emulator as its own process, and its independence from Django."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_importing_the_emulator_and_its_plugin_does_not_import_django() -> None:
    code = "import sys, selfservice.emulator, selfservice.emulator.pytest_plugin; print('django' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_cli_serves_the_demo_tenant_on_the_given_port() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "selfservice.emulator", "--port", str(port), "--seed", "demo", "--latency-ms", "1",
         "--rate-limit", "enterprise"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                discovery = httpx.get(f"{base}/.well-known/openid-configuration", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, process.stderr.read() if process.poll() is not None else "timeout"
                time.sleep(0.1)
        assert discovery.json()["issuer"] == f"{base}/"
        token = httpx.post(f"{base}/oauth/token", data={
            "grant_type": "client_credentials", "client_id": "selfservice-m2m",
            "client_secret": "selfservice-m2m-secret", "audience": f"http://127.0.0.1:{port}/api/v2/",
        }).json()["access_token"]
        alice = httpx.get(f"{base}/api/v2/users/auth0|alice", headers={"Authorization": f"Bearer {token}"})
        assert alice.json()["email"] == "alice@example.com"
        assert alice.headers["x-ratelimit-limit"] == "50"  # --rate-limit enterprise: global burst 50
        assert httpx.get(f"{base}/__emulator__/rate-limit").json()["preset"] == "enterprise"
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert f"listening on http://127.0.0.1:{port}" in (process.stdout.read() if process.stdout else "")
