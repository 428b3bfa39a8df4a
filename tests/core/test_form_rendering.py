"""The forms' Python-written markup is byte for byte what Django's stock templates give.

StockMarkupRenderer replaces Django's stock form templates (they cost most of the Preferences
and General tabs' render time): every field the Preferences form (two schemas) and the General
form build is rendered both ways, unbound, bound with valid data and bound with invalid data, in
English and Spanish, as a field group, widget, label, legend and each option, and must match
exactly; a site that overrides a form template gets its own template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test import override_settings
from django.utils import translation

from selfservice.core.form_rendering import STOCK_TEMPLATES, StockMarkupRenderer, stock_markup_renderer
from selfservice.preferences.forms import build_form_class
from selfservice.profile.forms import ProfileForm
from tests.preferences.preferences_schema import FULL_SCHEMA

DEMO_SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "demo_project" / "preference_schema.json").read_text())

VALID = {
    "handle": "alice", "contact_email": "a@example.com", "website": "https://example.com/?a=1&b=<2>",
    "birthday": "2001-02-03", "language": "es", "theme": "dark", "items_per_page": "25", "ratio": "0.5",
    "newsletter": "on", "channels": ["email", "push"], "topics": ["tips"],
    "address__city": 'Gij"ón <b>', "address__postal_code": "33201", "address__country": "ES",
}
INVALID = {
    "handle": "<script>alert(1)</script>", "contact_email": "not an email", "website": "javascript:alert(1)",
    "birthday": "31/31/2020", "language": "xx", "theme": "neon", "items_per_page": "7", "ratio": "2",
    "channels": ["email", "sms", "push"], "topics": [], "address__postal_code": "abc",
}


def _markup(form: Any) -> list[str]:
    """Everything the Preferences templates ask a bound field for."""
    parts = []
    for field in form:
        parts += [str(field), str(field.label_tag()), str(field.legend_tag()), str(field.as_field_group()), str(field.errors)]
        parts += [str(sub) for sub in field.subwidgets] if getattr(field.field.widget, "input_type", None) in ("radio", "checkbox") else []
    return [*parts, str(form.non_field_errors())]


@pytest.mark.parametrize("schema", [FULL_SCHEMA, DEMO_SCHEMA], ids=["full-schema", "demo-schema"])
@pytest.mark.parametrize("data", [None, VALID, INVALID], ids=["unbound", "valid", "invalid"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_widget_is_rendered_byte_for_byte_as_django_renders_it(db: None, schema: dict[str, Any], data: Any, language: str) -> None:
    form_class = build_form_class(schema)
    with translation.override(language):
        fast = form_class(data, metadata={"member_id": "M-1 & <2>"}, renderer=StockMarkupRenderer(DjangoTemplates()))
        stock = form_class(data, metadata={"member_id": "M-1 & <2>"}, renderer=DjangoTemplates())
        if data is not None:
            assert fast.is_valid() == stock.is_valid() == (data is VALID)
        assert _markup(fast) == _markup(stock)
        assert len(_markup(fast)) > 3 * len(list(fast))


PROFILE_FIELDS = ("name", "given_name", "family_name", "nickname", "picture")
PROFILE_VALID = {"name": "Ana <b>&amp;", "given_name": "Ana", "family_name": 'O"Neil', "nickname": "", "picture": "https://example.com/a.png?x=1&y=2"}
PROFILE_INVALID = {"name": "x" * 400, "picture": "javascript:alert(1)"}


@pytest.mark.parametrize("data", [None, PROFILE_VALID, PROFILE_INVALID], ids=["unbound", "valid", "invalid"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_general_field_is_rendered_byte_for_byte_as_django_renders_it(data: Any, language: str) -> None:
    with translation.override(language):
        fast = ProfileForm(data, editable=PROFILE_FIELDS, renderer=StockMarkupRenderer(DjangoTemplates()))
        stock = ProfileForm(data, editable=PROFILE_FIELDS, renderer=DjangoTemplates())
        if data is not None:
            assert fast.is_valid() == stock.is_valid() == (data is PROFILE_VALID)
        assert _markup(fast) == _markup(stock)
        assert any('class="helptext"' in part for part in _markup(fast))
        if data is PROFILE_INVALID:
            assert any('class="errorlist"' in part and "_error" in part for part in _markup(fast))


def test_the_forms_use_the_fast_renderer_and_django_s_templates_are_recognised(db: None) -> None:
    form = build_form_class(FULL_SCHEMA)()
    assert isinstance(form.renderer, StockMarkupRenderer)
    assert isinstance(ProfileForm(editable=PROFILE_FIELDS).renderer, StockMarkupRenderer)
    # On this Django version every replaced template is the stock one, so the fast path is taken.
    assert stock_markup_renderer().stock_templates() == frozenset(STOCK_TEMPLATES)


def test_a_site_that_overrides_a_widget_template_gets_its_own_markup(db: None, tmp_path: Path) -> None:
    override = tmp_path / "django" / "forms" / "widgets"
    override.mkdir(parents=True)
    (override / "select.html").write_text('<select class="site-select" name="{{ widget.name }}"></select>')
    templates = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [str(tmp_path)], "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }]
    with override_settings(TEMPLATES=templates, INSTALLED_APPS=["django.forms", "selfservice", "django.contrib.contenttypes", "django.contrib.auth"]):
        renderer = StockMarkupRenderer(TemplatesSetting())
        form = build_form_class(FULL_SCHEMA)(renderer=renderer)
        assert "django/forms/widgets/select.html" not in renderer.stock_templates()
        assert str(form["language"]) == '<select class="site-select" name="language"></select>'
        assert str(form["handle"]).startswith('<input type="text" name="handle"')  # still the stock input
