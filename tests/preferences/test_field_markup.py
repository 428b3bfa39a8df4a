"""The Preferences fields written in Python are the bytes the shipped field template renders, and a
site's own copy of the field or of the errors template is what the site gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import HTMX
from tests.sessions.test_row_markup import PER_REQUEST, override, page, still_clock, templates_used  # noqa: F401 - fixture

from .test_preferences import URL, dana, form_data, schema  # noqa: F401 - fixtures

FIELD = "selfservice/includes/preference_field.html"
ERRORS = "selfservice/includes/preference_errors.html"
# Wrong in six ways at once: pattern, email, number bounds, step, choices, a nested field.
INVALID = {"handle": "Not Lower", "contact_email": "nope", "items_per_page": "27", "ratio": "0",
           "channels": ["email", "sms", "push"], "address__postal_code": "2801"}


def posted(client: Client, **headers: str) -> str:
    response = client.post(URL, {**form_data(client.get(URL)), **INVALID}, headers=headers)
    assert response.status_code == 422
    return PER_REQUEST.sub("", response.content.decode())


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_the_fields_are_the_bytes_the_shipped_template_renders(
    dana: Client, settings: Any, tmp_path: Path, headers: dict[str, str], still_clock: Any,  # noqa: F811
) -> None:
    shown, refused = page(dana, URL, **headers), posted(dana, **headers)
    assert not {FIELD, ERRORS} & templates_used(dana, URL, **headers)  # written in Python
    override(settings, tmp_path, {FIELD: None, ERRORS: None})  # the same files, found elsewhere

    assert shown.count('<div class="selfservice-field') >= 12
    assert refused.count('<p class="selfservice-error">') >= 6
    assert page(dana, URL, **headers) == shown
    assert posted(dana, **headers) == refused
    assert {FIELD, ERRORS} <= templates_used(dana, URL, **headers)


def test_a_sites_own_errors_template_is_used_by_the_written_fields(
    dana: Client, settings: Any, tmp_path: Path  # noqa: F811
) -> None:
    override(settings, tmp_path, {ERRORS: '<ul class="site-errors" id="{{ field.auto_id }}_errors">'
                                          '{% for e in field.errors %}<li>{{ e }}</li>{% endfor %}</ul>'})

    html = posted(dana)

    assert '<ul class="site-errors" id="id_items_per_page_errors"><li>' in html
    assert "selfservice-field-errors" not in html
    assert '<div class="selfservice-field selfservice-field--invalid">' in html  # the field itself: still written


def test_a_sites_own_field_template_is_rendered_per_field(dana: Client, settings: Any, tmp_path: Path) -> None:  # noqa: F811
    override(settings, tmp_path, {FIELD: '<p class="site-field">{{ field.label }}: {{ field }}</p>'})

    html = page(dana, URL)

    assert '<p class="site-field">Public handle: <input type="text" name="handle"' in html
    assert "selfservice-field--checkbox" not in html and '<div class="selfservice-field' not in html


def test_kept_fields_follow_each_users_values_and_the_language(
    dana: Client, tenant: Any, auth0_user: Any, settings: Any, tmp_path: Path, still_clock: Any  # noqa: F811
) -> None:
    """The fields of a GET are kept per value and language: another user's values, another
    language and a saved change each show what the shipped template renders for them."""
    from django.utils import translation

    from tests.conftest import signed_in_at
    from tests.factories import Auth0UserFactory

    tenant.add_user(Auth0UserFactory(user_id="auth0|erin", user_metadata={"handle": "erin", "items_per_page": 50}))
    erin = Client()  # a browser of her own (dana's is the test client)
    erin.force_login(auth0_user("auth0|erin"))
    signed_in_at(erin)

    def pages() -> list[str]:
        shown = []
        for language in ("en", "es", "en"):
            with translation.override(language):
                shown += [page(dana, URL), page(erin, URL)]
        return shown

    written = pages()
    override(settings, tmp_path, {FIELD: None, ERRORS: None})  # rendered by the engine from here on

    assert written == pages()
    assert written[0] != written[1]  # two users' values
    assert written[0] == written[4] and ("Guardar" in written[2]) and "Guardar" not in written[0]
    assert 'value="erin"' in written[1] and 'value="erin"' not in written[0]
