"""The Preferences form's Python-written widget markup is byte for byte what Django's templates give.

PreferencesRenderer replaces Django's stock widget templates (they cost most of the tab's render
time): every widget the schema form builds is rendered both ways, unbound, bound with valid data,
bound with invalid data and disabled, in English and Spanish, and must match exactly; a site that
overrides a widget template gets its own template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.test import override_settings
from django.utils import translation

from selfservice.preferences.forms import build_form_class
from selfservice.preferences.rendering import STOCK_TEMPLATES, PreferencesRenderer, preferences_renderer
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
        parts += [str(field), str(field.label_tag()), str(field.legend_tag())]
        parts += [str(sub) for sub in field.subwidgets] if field.field.widget.input_type in ("radio", "checkbox") else []
    return parts


@pytest.mark.parametrize("schema", [FULL_SCHEMA, DEMO_SCHEMA], ids=["full-schema", "demo-schema"])
@pytest.mark.parametrize("data", [None, VALID, INVALID], ids=["unbound", "valid", "invalid"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_widget_is_rendered_byte_for_byte_as_django_renders_it(db: None, schema: dict[str, Any], data: Any, language: str) -> None:
    form_class = build_form_class(schema)
    with translation.override(language):
        fast = form_class(data, metadata={"member_id": "M-1 & <2>"}, renderer=PreferencesRenderer(DjangoTemplates()))
        stock = form_class(data, metadata={"member_id": "M-1 & <2>"}, renderer=DjangoTemplates())
        if data is not None:
            assert fast.is_valid() == stock.is_valid() == (data is VALID)
        assert _markup(fast) == _markup(stock)
        assert len(_markup(fast)) > 3 * len(list(fast))


def test_the_form_uses_the_fast_renderer_and_django_s_templates_are_recognised(db: None) -> None:
    form = build_form_class(FULL_SCHEMA)()
    assert isinstance(form.renderer, PreferencesRenderer)
    # On this Django version every replaced template is the stock one, so the fast path is taken.
    assert preferences_renderer().stock_templates() == frozenset(STOCK_TEMPLATES)


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
        renderer = PreferencesRenderer(TemplatesSetting())
        form = build_form_class(FULL_SCHEMA)(renderer=renderer)
        assert "django/forms/widgets/select.html" not in renderer.stock_templates()
        assert str(form["language"]) == '<select class="site-select" name="language"></select>'
        assert str(form["handle"]).startswith('<input type="text" name="handle"')  # still the stock input
