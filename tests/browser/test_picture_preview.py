"""The picture URL field previews the new picture while it is typed (https only), JS on."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from selfservice.emulator import Emulator

from .test_demo import demo_site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1x1 PNG, served by the browser's request routing for the test's https: address.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
IMAGE = "https://images.example/carol.png"
MISSING = "https://images.example/missing.png"


def test_typing_an_https_picture_shows_a_preview_and_nothing_else_does(
    demo_site: Emulator, signed_in_page: Callable[..., Any], screenshot_dir: Path,  # noqa: F811
) -> None:
    page = signed_in_page("carol@example.com")
    page.route(IMAGE, lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL))
    page.route(MISSING, lambda route: route.fulfill(status=404, body=b""))
    field = page.get_by_label("Picture URL")
    preview = page.get_by_role("img", name="Preview of the new picture")
    image = page.locator("[data-selfservice-picture-preview] img")  # found hidden too
    assert not preview.is_visible()

    field.fill(IMAGE)
    preview.wait_for(state="visible")
    assert preview.get_attribute("src") == IMAGE
    page.screenshot(path=str(screenshot_dir / "general-picture-preview.png"), full_page=True)

    for refused in ("javascript:alert(1)", "http://images.example/carol.png", "data:image/png;base64,AAAA", "not a url"):
        field.fill(refused)
        preview.wait_for(state="hidden")
        assert image.get_attribute("src") is None, refused

    with page.expect_response(MISSING):  # an https: address that does not load: no broken image
        field.fill(MISSING)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(null)))")
    assert not preview.is_visible()

    field.fill("")  # back to what is saved: nothing to preview
    preview.wait_for(state="hidden")
