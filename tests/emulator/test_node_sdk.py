"""The emulator driven by node-auth0 (npm ``auth0`` v4 and v5): two SDKs no one here wrote.

``node/sdk_check.mjs`` calls every Management endpoint selfservice uses through the SDK's
``ManagementClient`` (client credentials against the emulator's socket server) and checks each
answer against the SDK's types; this test seeds the tenant, runs it and reads its verdict and
the emulator's request log. v4 is what the Auth0 Lab components use; v5 is Fern-generated.

The SDKs are installed with npm into a cache folder outside the checkout (tests/npm_packages.py),
one folder per major, reused by later runs. Without node and npm the test skips, unless
``CI=true``: CI must run it. Run only these: ``pytest -m node``.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from selfservice.emulator import Emulator
from tests.npm_packages import installed_version, npm_package, tool

pytestmark = pytest.mark.node

SCRIPT = Path(__file__).parent / "node" / "sdk_check.mjs"
RUN_TIMEOUT_S = 180
CHECKS = (
    "get_user", "update_user", "delete_user", "guardian_factors", "list_authentication_methods",
    "get_and_delete_authentication_method", "enrollment_ticket", "regenerate_recovery_code",
    "invalidate_remember_browser", "list_sessions", "get_revoke_and_delete_session", "delete_user_sessions",
    "password_change_ticket", "verification_email_job", "link_identity", "unlink_identity", "user_organizations",
)
USER = r"^/api/v2/users/[^/]+"
#: Every Management call of selfservice's gateway (and the organizations call SDK apps make).
ENDPOINTS = (
    ("GET", USER + "$"), ("PATCH", USER + "$"), ("DELETE", USER + "$"),
    ("GET", r"^/api/v2/guardian/factors$"),
    ("GET", USER + "/authentication-methods$"), ("GET", USER + "/authentication-methods/[^/]+$"),
    ("DELETE", USER + "/authentication-methods/[^/]+$"),
    ("POST", r"^/api/v2/guardian/enrollments/ticket$"), ("POST", USER + "/recovery-code-regeneration$"),
    ("POST", USER + "/multifactor/actions/invalidate-remember-browser$"),
    ("GET", USER + "/sessions$"), ("DELETE", USER + "/sessions$"),
    ("GET", r"^/api/v2/sessions/[^/]+$"), ("DELETE", r"^/api/v2/sessions/[^/]+$"),
    ("POST", r"^/api/v2/tickets/password-change$"), ("POST", r"^/api/v2/jobs/verification-email$"),
    ("POST", USER + "/identities$"), ("DELETE", USER + "/identities/[^/]+/[^/]+$"),
    ("GET", USER + "/organizations$"),
)


def _seed(emulator: Emulator) -> None:
    """The demo tenant plus the users sdk_check.mjs names (keep the two in step)."""
    emulator.seed("demo")
    emulator.add_user({
        "user_id": "auth0|node", "email": "node@example.com",
        "identities": [
            {"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": "node", "isSocial": False},
            {"connection": "github", "provider": "github", "user_id": "77", "isSocial": True,
             "profileData": {"name": "Node on GitHub", "email": "node@github.example"}},
        ],
        "organizations": [{"id": "org_acme000000000001", "name": "acme", "display_name": "Acme Inc."}],
    })
    emulator.add_user({"user_id": "auth0|node-doomed", "email": "doomed@example.com"})
    emulator.add_user({
        "user_id": "google-oauth2|nodelink", "email": "node@gmail.example", "name": "Node on Google",
        "identities": [{"connection": "google-oauth2", "provider": "google-oauth2", "user_id": "nodelink", "isSocial": True}],
    })


@pytest.mark.parametrize("major", ["4", "5"])
def test_node_sdk_drives_every_endpoint_the_app_uses(major: str, emulator: Emulator) -> None:
    node = tool("node")
    sdk = npm_package("auth0", major)
    _seed(emulator)
    try:
        result = subprocess.run(
            [node, str(SCRIPT), major, str(sdk), emulator.url],
            capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"sdk_check.mjs ran over {RUN_TIMEOUT_S} s: {exc.stdout!r}")
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line for line in lines if not line.startswith("SUMMARY ")] == [f"ok {name}" for name in CHECKS]
    summary = json.loads(lines[-1].removeprefix("SUMMARY "))
    assert summary == {"sdk": f"auth0@{installed_version(sdk, 'auth0')}", "passed": len(CHECKS), "failed": 0}
    assert summary["sdk"].startswith(f"auth0@{major}.")

    log = emulator.requests()
    for method, pattern in ENDPOINTS:
        assert any(r["method"] == method and re.search(pattern, r["path"]) and r["status"] < 300 for r in log), (
            f"{method} {pattern} was never answered with a success"
        )
    assert emulator.count("POST", r"^/oauth/token$") == 1  # the SDK cached its token
    methods = [r["query"] for r in log if r["method"] == "GET" and re.search(USER + "/authentication-methods$", r["path"])]
    sessions = [r["query"] for r in log if r["method"] == "GET" and re.search(USER + "/sessions$", r["path"])]
    if major == "4":
        # v4 sends include_totals only when asked, and then wants the bare array (facts §9b).
        assert "include_totals" not in methods[0] and "include_totals=true" in methods[1]
        assert sessions[0] == ""  # no take: the emulator's default page of 50 held all 40
        assert emulator.count("DELETE", r"^/api/v2/sessions/") == 2  # v4 has no sessions.revoke
    else:
        assert all("include_totals=true" in query for query in methods)
        assert all("take=" in query and "include_totals" not in query for query in sessions)
        assert emulator.count("POST", r"^/api/v2/sessions/[^/]+/revoke$") == 1
