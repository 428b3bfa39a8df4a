"""The package's public surface: loading the class, the Protocol, transports, lazy SDK import."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import httpx
import pytest

import selfservice.gateway as gateway_package
from selfservice.conf import get_settings
from selfservice.gateway import Gateway, get_gateway, get_gateway_class
from selfservice.gateway.auth0 import Auth0Gateway, connection
from selfservice.gateway.transport import RewriteOriginTransport, resolve_transport

ALICE = "auth0|alice"
CURRENT: dict[str, Any] = {}


def emulator_transport() -> httpx.BaseTransport:
    """Named by dotted path in ``AUTH0_TRANSPORT`` below."""
    return CURRENT["emulator"].transport()


class AuditingGateway(Auth0Gateway):
    """A site's own gateway: the Auth0 one plus something (here: nothing)."""


def test_get_gateway_returns_a_new_instance_of_the_configured_class_each_time(selfservice_emulator: Any) -> None:
    first, second = get_gateway(), get_gateway()

    assert type(first) is Auth0Gateway and first is not second
    assert isinstance(first, Gateway)


def test_the_gateway_class_is_memoised_and_follows_the_setting(selfservice_emulator: Any, configure: Any) -> None:
    assert get_gateway_class() is get_gateway_class() is Auth0Gateway

    configure(GATEWAY="tests.gateway.test_contract.AuditingGateway")

    assert get_gateway_class() is AuditingGateway
    assert type(get_gateway()) is AuditingGateway


def test_gateways_in_one_process_share_one_sdk_client(selfservice_emulator: Any) -> None:
    settings = get_settings()

    assert connection(settings) is connection(settings)
    assert connection(settings).api is connection(get_settings()).api


def test_the_auth0_gateway_implements_every_protocol_method_and_each_is_documented() -> None:
    names = [n for n, _ in inspect.getmembers(Gateway, inspect.isfunction) if not n.startswith("_")]

    assert len(names) >= 19
    for name in names:
        assert (getattr(Gateway, name).__doc__ or "").strip(), f"Gateway.{name} has no docstring"
        protocol_params = list(inspect.signature(getattr(Gateway, name)).parameters)
        assert list(inspect.signature(getattr(Auth0Gateway, name)).parameters) == protocol_params, name


def test_the_package_exports_the_protocol_the_types_and_the_errors() -> None:
    for name in (
        "Gateway",
        "UserProfile",
        "Session",
        "SessionPage",
        "Factor",
        "AuthenticationMethod",
        "GatewayError",
        "UpstreamUnavailable",
        "UpstreamMisconfigured",
        "UpstreamRateLimited",
        "NotFound",
        "Rejected",
        "get_gateway",
        "get_gateway_class",
    ):
        assert name in gateway_package.__all__
        assert hasattr(gateway_package, name)


def test_importing_the_gateway_package_does_not_import_auth0_python() -> None:
    code = (
        "import sys, selfservice.gateway, selfservice.gateway.tokens, selfservice.gateway.transport; "
        "print(sorted(m for m in sys.modules if m == 'auth0' or m.startswith('auth0.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "tests.settings", "PATH": ""},
        cwd=str(_repo_root()),
    )

    assert result.stdout.strip() == "[]"


def _repo_root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_a_dotted_path_transport_is_called_to_build_the_transport(
    selfservice_emulator: Any, alice: Any, configure: Any
) -> None:
    CURRENT["emulator"] = selfservice_emulator
    try:
        configure(AUTH0_TRANSPORT="tests.gateway.test_contract.emulator_transport")

        assert get_gateway().get_user(ALICE).user_id == ALICE
    finally:
        CURRENT.clear()


def test_a_base_url_wraps_the_given_transport_and_keeps_the_tenant_host(
    selfservice_emulator: Any, alice: Any, configure: Any
) -> None:
    # Unroutable on purpose: only the wrapped in-process transport can answer.
    configure(AUTH0_BASE_URL="http://192.0.2.1:9")

    assert get_gateway().get_user(ALICE).user_id == ALICE
    assert selfservice_emulator.count("POST", "^/oauth/token$") == 1


def test_the_rewrite_transport_changes_the_origin_only() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    transport = RewriteOriginTransport("http://127.0.0.1:8001", inner=httpx.MockTransport(answer))
    with httpx.Client(transport=transport) as client:
        client.post("https://tenant.example.com/api/v2/users/auth0%7C1?fields=email", json={"a": 1})

    (request,) = seen
    assert str(request.url) == "http://127.0.0.1:8001/api/v2/users/auth0%7C1?fields=email"
    assert request.headers["host"] == "tenant.example.com"
    # The body as the client wrote it (httpx's own JSON spacing differs between versions).
    assert request.read() == httpx.Request("POST", "https://tenant.example.com/", json={"a": 1}).read()


def test_the_rewrite_transport_refuses_a_base_url_without_a_host() -> None:
    with pytest.raises(ValueError, match="AUTH0_BASE_URL"):
        RewriteOriginTransport("127.0.0.1:8001")


def test_a_transport_setting_that_is_not_a_transport_is_refused() -> None:
    assert resolve_transport(None) is None
    with pytest.raises(TypeError, match="AUTH0_TRANSPORT"):
        resolve_transport(object())
