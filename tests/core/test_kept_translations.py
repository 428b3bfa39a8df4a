"""``{% load i18n selfservice_i18n %}``: Django's ``{% translate %}``, with literal messages looked
up once per language. Same output as Django's own tag, in every form and language, and forgotten
when the catalogs change."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.template import Context, Template
from django.templatetags.i18n import TranslateNode
from django.utils import translation
from django.utils.autoreload import file_changed

FORMS = (
    '{% translate "Sign out" %}|{% trans "Cancel" %}|{% translate "Remove" context "MFA method" %}|'
    '{% translate "Sign out" as kept %}[{{ kept }}]|{% translate message %}|{% translate "Sign out"|upper %}|'
    '{% translate message context where %}|{% translate "Sign out" noop %}|{% translate "<b>Sign out</b>" %}|'
    '{% translate "100%% sure" %}'
)


def render(libraries: str, body: str, language: str, **context: Any) -> str:
    with translation.override(language):
        return Template("{% load " + libraries + " %}" + body).render(Context(context))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_every_form_renders_what_djangos_tag_renders(language: str, autoescape: bool) -> None:
    body = FORMS if autoescape else "{% autoescape off %}" + FORMS + "{% endautoescape %}"
    kept = Template("{% load i18n selfservice_i18n %}" + body)

    for message, where in (("Sign out", "MFA method"), ("Cancel", "MFA factor status"), ("<i>x</i>", "")):
        with translation.override(language):
            answers = [kept.render(Context({"message": message, "where": where})) for _ in range(2)]
        django = render("i18n", body, language, message=message, where=where)

        assert answers == [django, django]
    assert ("Cerrar sesión" in django) is (language == "es")


def test_one_template_follows_the_language_of_each_render() -> None:
    page = Template('{% load i18n selfservice_i18n %}{% translate "Sign out" %}')

    said = []
    for language in ("en", "es", "en", "es"):
        with translation.override(language):
            said.append(page.render(Context()))

    assert said == ["Sign out", "Cerrar sesión", "Sign out", "Cerrar sesión"]


@pytest.fixture
def without_djangos_reloader() -> Iterator[None]:
    """Django's own receiver would reset every catalog of the test process on a ".mo" change."""
    from django.utils.translation.reloader import translation_file_changed

    file_changed.disconnect(dispatch_uid="translation_file_changed")
    yield
    file_changed.connect(translation_file_changed, dispatch_uid="translation_file_changed")


@pytest.mark.usefixtures("without_djangos_reloader")
def test_a_literal_is_translated_once_per_language_and_again_after_a_catalog_file_changed() -> None:
    page = Template('{% load i18n selfservice_i18n %}{% translate "Sign out" %}{% translate message %}')

    with mock.patch.object(TranslateNode, "render", autospec=True, side_effect=TranslateNode.render) as django:
        for _ in range(3):
            page.render(Context({"message": "Cancel"}))
        first = django.call_count
        file_changed.send(sender=None, file_path=Path("views.py"))
        page.render(Context({"message": "Cancel"}))
        unchanged = django.call_count - first
        file_changed.send(sender=None, file_path=Path("locale/es/LC_MESSAGES/django.mo"))
        page.render(Context({"message": "Cancel"}))

    assert first == 1 + 3  # the literal once, the variable every time
    assert unchanged == 1
    assert django.call_count - first - unchanged == 2


def write_catalog(path: Path, messages: dict[str, str]) -> None:
    """A GNU gettext .mo file holding ``messages`` (UTF-8)."""
    entries = sorted({"": "Content-Type: text/plain; charset=UTF-8\n", **messages}.items())
    ids = [key.encode() for key, _ in entries]
    texts = [value.encode() for _, value in entries]
    start = 7 * 4 + 16 * len(entries)
    table, data = [], b""
    for blob in (*ids, *texts):
        table.append((len(blob), start + len(data)))
        data += blob + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(entries), 28, 28 + 8 * len(entries), 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + b"".join(struct.pack("<2I", *pair) for pair in table) + data)


def test_a_new_catalog_from_a_settings_change_is_used(settings: Any, tmp_path: Path) -> None:
    page = Template('{% load i18n selfservice_i18n %}{% translate "Sign out" %}')
    with translation.override("es"):
        before = page.render(Context())
    write_catalog(tmp_path / "es" / "LC_MESSAGES" / "django.mo", {"Sign out": "Salir del sitio"})

    settings.LOCALE_PATHS = [str(tmp_path)]
    with translation.override("es"):
        after = page.render(Context())

    assert (before, after) == ("Cerrar sesión", "Salir del sitio")
