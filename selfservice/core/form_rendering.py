"""A form renderer that writes Django's stock form markup in Python, byte for byte.

Why: the forms are the most expensive thing the account pages render. Django renders every
field group, widget, ``<option>``, label and error list through a template of its own
(``select.html`` includes ``select_option.html`` per option, which includes ``attrs.html``...),
so the twelve-field Preferences form ran ~150 template includes per request, most of the tab's
server time (benchmarks/RESULTS.md, "Server time per tab"); the five-field General form spent
60 % of its render in ``field.html``. The markup those templates produce is small and fixed, so
:class:`StockMarkupRenderer` produces the same bytes with string building, and nothing else
changes: same widgets, same context (``Widget.get_context``), same escaping rules as the template
engine (``{{ value }}``: localized, ``conditional_escape``; ``|stringformat:'s'``: ``str()``,
safe input stays safe).

It only does so while the templates are Django's own: at first use it loads each template it
replaces through the fallback renderer (the site's ``FORM_RENDERER``) and compares the source with
the SHA-256 of the stock file (the same in Django 5.2, 6.0 and 6.1). A site that overrides
``django/forms/widgets/select.html`` (or uses another renderer whose templates differ) gets its own
template, rendered by its renderer; so does any template name not listed here.
``tests/core/test_form_rendering.py`` checks the bytes against Django's renderer for every
field the Preferences and General forms build, bound, unbound and invalid.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import BaseRenderer, get_default_renderer
from django.template import TemplateDoesNotExist
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

from selfservice.core.shipped_templates import output

__all__ = ["STOCK_TEMPLATES", "StockMarkupRenderer", "stock_markup_renderer"]

#: SHA-256 of the stock templates this module writes in Python (Django 5.2.x, 6.0.x, 6.1.x).
STOCK_TEMPLATES: dict[str, str] = {
    "django/forms/attrs.html": "5053e00975c20246ee9b1644d4d33e689544e1509ed918c2ac72cdb1e89bbf72",
    "django/forms/label.html": "d1b2427488fc1b97b619ac3741447464c77055abc2f34630c52e44d12864ce61",
    "django/forms/field.html": "fd3b0b7c28d88f5bb39648f2f6a25dab2ad97afb601f4f017cc79b8a5add78c5",
    "django/forms/errors/list/default.html": "2a6c759f0af3438f4c68ff3419dd7b182e53407e01edda166b72376b35efa070",
    "django/forms/errors/list/ul.html": "84f81a22e37d9f5a6f7726c4b3acca2bf3a416284831b4dbe7291c4d0940484c",
    "django/forms/widgets/attrs.html": "f729483efe44660fabc76a8f2e0a1b464c3a66afd625233c92dd74e8fa5261ad",
    "django/forms/widgets/input.html": "770cf3acba1c18b65021a19efbf5fc93bcfcee357a005b67dbc2e2967527507d",
    "django/forms/widgets/select.html": "ed4d11ce3784486f3b10dcd08cf45417bd60bcabc68d556f5dca6c5b6f814d1e",
    "django/forms/widgets/select_option.html": "37fa6c7742580aa361c767a1da8caf905d8a53676feccf66b4cc3fe012d8abc0",
    "django/forms/widgets/multiple_input.html": "8f111646a577d9aef7df8d1e434b889faef65f3e635bdaa6dd5fecac1c8b11dd",
    "django/forms/widgets/input_option.html": "3f244d9fd96613d0dad3e44adfbcd6e322595128895a020f094f68bb9a140b6f",
    # {% include "django/forms/widgets/input.html" %} + newline
    **dict.fromkeys(
        (f"django/forms/widgets/{name}.html" for name in ("text", "number", "date", "hidden", "checkbox", "email", "url")),
        "7d7a5bc4ccc075bbff6af7d60b9e3ae200f68c59e0f77d44abbbf36f3cb5fb20",
    ),
    # {% include "django/forms/widgets/multiple_input.html" %} + newline
    "django/forms/widgets/radio.html": "fa86f6eaeaa6beb1143193d0aba900a8ae0a064d986474c259608ce819da2f4c",
    "django/forms/widgets/checkbox_select.html": "fa86f6eaeaa6beb1143193d0aba900a8ae0a064d986474c259608ce819da2f4c",
    # {% include "django/forms/widgets/input_option.html" %} + newline
    "django/forms/widgets/radio_option.html": "536745b405ef3a7fde2b8a24d283ba070284fb7fa3a3325ba066a1fcf4052d53",
    "django/forms/widgets/checkbox_option.html": "536745b405ef3a7fde2b8a24d283ba070284fb7fa3a3325ba066a1fcf4052d53",
}
_INPUT_ALIASES = frozenset(name for name, digest in STOCK_TEMPLATES.items() if digest == STOCK_TEMPLATES["django/forms/widgets/text.html"])
_CHOICE_INPUTS = ("django/forms/widgets/radio.html", "django/forms/widgets/checkbox_select.html")
_OPTION_INPUTS = ("django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html")
_WHOLE_CONTEXT = frozenset({"django/forms/label.html", "django/forms/field.html", "django/forms/errors/list/default.html"})


def _text(value: Any) -> str:
    """``{{ value }}``: localized and escaped exactly as the template engine does."""
    return output(value)


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``str()``; a safe value stays unescaped (the filter is is_safe)."""
    if type(value) is str:
        return output(value)  # str() of a str, escaped: what {{ value }} writes
    if isinstance(value, tuple):
        value = str(value)
    text = f"{value}"
    return str(conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``attrs.html``: `` name="value"`` per attribute, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    """``input.html`` including its trailing newline (an include keeps it; a top-level render strips it)."""
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value != None else ""  # noqa: E711 (the template's !=)
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{_attrs(widget["attrs"])}>\n'


def _select_option(option: Mapping[str, Any]) -> str:
    return f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'


def _input_option(option: Mapping[str, Any]) -> str:
    """``radio_option.html`` / ``checkbox_option.html`` (= ``input_option.html`` + newline)."""
    if not option["wrap_label"]:
        return _input(option) + "\n"
    target = option["attrs"].get("id")
    opening = f'<label for="{_text(target)}">' if target else "<label>"
    return f"{opening}{_input(option)} {_text(option['label'])}</label>\n\n"


def _select(widget: Mapping[str, Any]) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend(f"\n  {_select_option(option)}" for option in options)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _multiple_input(widget: Mapping[str, Any]) -> str:
    attrs = widget["attrs"]
    element_id, css = attrs.get("id"), attrs.get("class")
    parts = [f'<div{f" id={chr(34)}{_text(element_id)}{chr(34)}" if element_id else ""}'
             f'{f" class={chr(34)}{_text(css)}{chr(34)}" if css else ""}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_text(group)}</label>")
        parts.extend(f"<div>\n    {_input_option(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _label(context: Mapping[str, Any]) -> str:
    """``label.html`` (``BoundField.label_tag``/``legend_tag``)."""
    if not context.get("use_tag"):
        return _text(context.get("label", ""))
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context.get('attrs') or {})}>{_text(context.get('label', ''))}</{tag}>"


def _field(context: Mapping[str, Any]) -> str:
    """``field.html`` (``BoundField.as_field_group``): label or legend, help text, errors, widget."""
    field = context["field"]
    if field.use_fieldset:
        described = f' aria-describedby="{_text(field.aria_describedby)}"' if field.aria_describedby else ""
        head = f"\n  <fieldset{described}>\n  {_text(field.legend_tag()) if field.label else ''}\n"
    else:
        head = f"\n  {_text(field.label_tag()) if field.label else ''}\n"
    helptext = ""
    if field.help_text:
        target = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        helptext = f'<div class="helptext"{target}>{_text(mark_safe(field.help_text))}</div>'
    tail = "</fieldset>" if field.use_fieldset else ""
    return f"{head}\n{helptext}\n{_text(field.errors)}\n{_text(field)}{tail}\n".strip()


def _errors(context: Mapping[str, Any]) -> str:
    """``errors/list/default.html`` = ``ul.html``: ``<ul class=… id=…_error><li>…</li></ul>`` or ""."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    target = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{target}>{items}</ul>'


def _options_stock(widget: Mapping[str, Any], allowed: tuple[str, ...]) -> bool:
    return all(option["template_name"] in allowed for _g, options, _i in widget["optgroups"] for option in options)


class StockMarkupRenderer(BaseRenderer):
    """Django's stock widget and label templates written in Python; anything else through ``fallback``."""

    def __init__(self, fallback: BaseRenderer | None = None) -> None:
        self.fallback = fallback or get_default_renderer()
        self.form_template_name = self.fallback.form_template_name
        self.formset_template_name = self.fallback.formset_template_name
        self.field_template_name = self.fallback.field_template_name
        self.bound_field_class = getattr(self.fallback, "bound_field_class", None)
        self._stock: frozenset[str] | None = None
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> StockMarkupRenderer:
        return self  # shared and stateless apart from the one-time check (copying a form keeps it)

    def get_template(self, template_name: str) -> Any:
        return self.fallback.get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        written = self._written(template_name, context)
        if written is not None:
            return SafeString(written)
        return self.fallback.render(template_name, context, request)

    def stock_templates(self) -> frozenset[str]:
        """The names in :data:`STOCK_TEMPLATES` whose source here is Django's own (checked once)."""
        if self._stock is None:
            with self._lock:
                if self._stock is None:
                    self._stock = frozenset(name for name, digest in STOCK_TEMPLATES.items() if self._digest(name) == digest)
        return self._stock

    def _digest(self, name: str) -> str | None:
        try:
            template = self.fallback.get_template(name)
        except TemplateDoesNotExist:
            return None
        source = getattr(getattr(template, "template", None), "source", None)
        return hashlib.sha256(source.encode()).hexdigest() if isinstance(source, str) else None

    def _written(self, name: str, context: Mapping[str, Any]) -> str | None:
        stock = self.stock_templates()
        writer = self._writer(name, stock)
        if writer is None:
            return None
        return writer(context) if name in _WHOLE_CONTEXT else writer(context["widget"])

    def _writer(self, name: str, stock: frozenset[str]) -> Callable[[Mapping[str, Any]], str | None] | None:
        needs_attrs = {"django/forms/widgets/attrs.html", "django/forms/widgets/input.html"}
        if name == "django/forms/label.html":
            return _label if {name, "django/forms/attrs.html"} <= stock else None
        if name == "django/forms/field.html":
            return _field if name in stock else None
        if name == "django/forms/errors/list/default.html":
            return _errors if {name, "django/forms/errors/list/ul.html"} <= stock else None
        if name in _INPUT_ALIASES:
            return (lambda widget: _input(widget).strip()) if {name} | needs_attrs <= stock else None
        if name == "django/forms/widgets/select.html":
            if not {name, "django/forms/widgets/select_option.html"} | needs_attrs <= stock:
                return None
            return lambda widget: _select(widget) if _options_stock(widget, ("django/forms/widgets/select_option.html",)) else None
        if name in _CHOICE_INPUTS:
            allowed = tuple(option for option in _OPTION_INPUTS if option in stock)
            required = {name, "django/forms/widgets/multiple_input.html", "django/forms/widgets/input_option.html"}
            if not required | needs_attrs <= stock or not allowed:
                return None
            return lambda widget: _multiple_input(widget) if _options_stock(widget, allowed) else None
        return None


_current: list[StockMarkupRenderer] = []


def stock_markup_renderer() -> StockMarkupRenderer:
    """The shared renderer over the site's current ``FORM_RENDERER`` (rebuilt when that changes)."""
    fallback = get_default_renderer()
    if not _current or _current[0].fallback is not fallback:
        _current[:] = [StockMarkupRenderer(fallback)]
    return _current[0]
