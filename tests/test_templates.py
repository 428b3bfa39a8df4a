"""Every shipped template: loads, renders, stays CSP-friendly, works without JavaScript."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import get_template, render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

import selfservice

PACKAGE = Path(selfservice.__file__).parent
TEMPLATE_ROOT = PACKAGE / "templates"
TEMPLATES = sorted(p.relative_to(TEMPLATE_ROOT).as_posix() for p in TEMPLATE_ROOT.rglob("*.html"))
CATALOG = PACKAGE / "locale" / "es" / "LC_MESSAGES" / "django.po"
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)


def _source(name: str) -> str:
    return (TEMPLATE_ROOT / name).read_text(encoding="utf-8")


def _htmx_handling(config: dict[str, Any], status: int) -> dict[str, Any]:
    """What htmx 2 does with a status: the first responseHandling entry whose regex matches."""
    for entry in config["responseHandling"]:
        if re.search(entry["code"], str(status)):
            return dict(entry)
    return {"swap": False}


def test_the_app_ships_the_templates_the_views_use() -> None:
    for tab in ("general", "preferences", "security", "sessions", "not_linked"):
        assert f"selfservice/partials/{tab}.html" in TEMPLATES
        assert f"selfservice/{tab}.html" in TEMPLATES
    assert "selfservice/layouts/base.html" in TEMPLATES and "selfservice/page.html" in TEMPLATES


def test_the_layout_tells_htmx_to_swap_422_429_and_503_but_not_other_errors(rf: RequestFactory) -> None:
    html = render_to_string("selfservice/layouts/base.html", request=rf.get("/"))

    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta is not None
    config = json.loads(meta.group(1))
    for status in (422, 429, 503):
        assert _htmx_handling(config, status) == {"code": str(status), "swap": True, "error": False}
    for status in (200, 201):
        assert _htmx_handling(config, status)["swap"] is True
    for status in (204, 400, 403, 404, 500, 502):
        assert _htmx_handling(config, status)["swap"] is False
    assert config["historyCacheSize"] == 0  # no snapshots of personal data in sessionStorage
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/selfservice/selfservice.css" in html and "/static/django_htmx/htmx-2.min.js" in html


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_has_inline_scripts_styles_or_event_handlers(name: str) -> None:
    source = _source(name)

    # Scripts come from {% htmx_script %} or are static files loaded with defer, never inline.
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", source, re.S)
    assert source.count("<script") == len(scripts)
    for attributes, body in scripts:
        assert "src=\"{% static 'selfservice/" in attributes and " defer" in attributes and not body.strip()
    assert "<style" not in source
    assert not re.search(r"\sstyle\s*=", source)
    assert not re.search(r"\son[a-z]+\s*=", source)
    assert "hx-on" not in source and "javascript:" not in source


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_htmx_element_also_works_without_javascript_and_names_its_target(name: str) -> None:
    for tag in TAG.findall(_source(name)):
        if "hx-get=" in tag:
            assert "href=" in tag, tag
        if "hx-post=" in tag:
            # Without JavaScript the form posts itself, or (a wide sign-out that htmx confirms
            # with hx-confirm) GETs a confirm step whose own form posts.
            confirm_step = 'method="get"' in tag and "hx-confirm=" in tag
            assert "action=" in tag and ('method="post"' in tag or confirm_step), tag
        if "hx-get=" in tag or "hx-post=" in tag:
            assert "hx-target=" in tag and "hx-swap=" in tag, tag


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_documents_its_context_at_the_top(name: str) -> None:
    source = _source(name)
    block = re.match(r"(?:\{%[^%]*%\})*\{% comment %\}(.*?)\{% endcomment %\}", source, re.DOTALL)

    assert block is not None, "start with {% comment %} (after {% extends %}/{% load %})"
    assert "context" in block.group(1).lower()


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_loads_and_renders_with_an_empty_context(name: str, rf: RequestFactory, db: None) -> None:
    request = rf.get("/account/general/")

    html = get_template(name).render({}, request)

    assert isinstance(html, str)


def test_the_spanish_catalog_translates_every_entry() -> None:
    entries = CATALOG.read_text(encoding="utf-8").split("\n\n")[1:]

    assert entries
    for entry in entries:
        assert "#, fuzzy" not in entry, entry
        assert not re.search(r'^msgstr(\[\d\])? ""\n?$', entry, re.MULTILINE) or '"\n"' in entry, entry


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
def test_the_shipped_compiled_catalog_matches_the_po_file(tmp_path: Path) -> None:
    import gettext

    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(CATALOG)], check=True)
    with fresh.open("rb") as compiled, CATALOG.with_suffix(".mo").open("rb") as shipped:
        expected, actual = gettext.GNUTranslations(compiled), gettext.GNUTranslations(shipped)
    assert actual._catalog == expected._catalog, "run: msgfmt -o selfservice/locale/es/LC_MESSAGES/django.mo …/django.po"


def test_the_account_pages_speak_spanish(logged_in_client: Client) -> None:
    with translation.override("es"):
        html = logged_in_client.get(reverse("selfservice:general")).content.decode()

    assert '<html lang="es">' in html
    for text in ("Tu cuenta", "Guardar cambios", "Correo electrónico y contraseña", "Miembro desde", "Verificado"):
        assert text in html


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_comment_spans_lines(name: str) -> None:
    # Django's {# ... #} is one line only: a longer one is printed on the page as text.
    source = _source(name)
    assert not [c for c in re.findall(r"\{#(.*?)#\}", source, re.S) if "\n" in c]
    assert all("#}" in line[line.index("{#"):] for line in source.splitlines() if "{#" in line)
