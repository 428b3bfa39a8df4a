"""Under the mount every answer is the API's: unknown paths and methods are problems too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from .conftest import BASE, problem


@pytest.mark.parametrize("path", ["/nope", "/me/", "/me/sessions/a/b", "/"])
def test_a_path_that_names_no_operation_is_a_404_problem(bearer: Callable[..., Client], path: str) -> None:
    response = bearer("alice@example.com").get(f"{BASE}{path}")

    assert response.status_code == 404
    assert problem(response)["code"] == "not_found" and "openapi.json" in problem(response)["detail"]


def test_an_unknown_path_is_a_404_problem_for_a_cookie_caller_posting_without_csrf(logged_in_client: Client) -> None:
    logged_in_client.handler.enforce_csrf_checks = True

    response = logged_in_client.post(f"{BASE}/nope", {"x": "1"})

    assert response.status_code == 404 and problem(response)["code"] == "not_found"


@pytest.mark.parametrize(("method", "path", "allowed"), [("put", "/me", {"GET", "PATCH", "DELETE"}),
                                                          ("post", "/me/sessions", {"GET"})])
def test_a_method_the_path_does_not_take_is_a_405_problem_with_allow(
    bearer: Callable[..., Client], method: str, path: str, allowed: set[str]
) -> None:
    response = getattr(bearer("alice@example.com"), method)(f"{BASE}{path}")

    assert response.status_code == 405 and problem(response)["code"] == "method_not_allowed"
    assert {m.strip() for m in response["Allow"].split(",")} == allowed
