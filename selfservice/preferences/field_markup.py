"""The Preferences form's fields written in Python: the bytes ``includes/preference_field.html`` renders.

Why: the Preferences tab rendered that include once per field (twelve in the example schema),
and with ``preference_errors.html`` inside it, about 40 % of the tab's render time went to
template bookkeeping around markup that is fixed (benchmarks/RESULTS.md, "Server time per
tab"). While the engine would render the shipped file, this module writes the same bytes; the
widgets, labels and errors are the form's own (``str(field)``, ``label_tag()``, the error list),
under the engine's escaping (``shipped_templates.output``). ``preference_errors.html`` is written the
same way while it is the shipped one, else rendered as a template for each field.

The markup of an unbound form's field (a GET of the tab) is kept per form class, field, value,
language and widget attributes (``core.kept_markup``: at most 4,096 fields in a process, emptied
when a setting changes): twelve fields were most of the tab's remaining template time. A bound
form (a POST with its errors) is written every time.

A site's own ``preference_field.html`` is rendered as a template per field, with ``field`` set.
``tests/preferences/test_field_markup.py`` renders the tab both ways and compares the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.forms import BoundField
from django.template import Context
from django.utils.translation import get_language

from selfservice.core.kept_markup import KeptMarkup
from selfservice.core.shipped_templates import output, render_each, writable

__all__ = ["ERRORS_TEMPLATE", "FIELD_TEMPLATE", "render_fields"]

FIELD_TEMPLATE = "selfservice/includes/preference_field.html"
ERRORS_TEMPLATE = "selfservice/includes/preference_errors.html"
#: An unbound field's markup per key (see ``_key``): the form a GET shows is the same for every
#: user with the same value in a field, and most fields hold the schema's default.
_KEPT = KeptMarkup(4096)
_PLAIN = (str, int, float, bool, type(None))


def render_fields(context: Context, fields: Iterable[BoundField]) -> str:
    """Each field as ``preference_field.html`` renders it, one after the other."""
    if not writable(context, FIELD_TEMPLATE):
        return "".join(render_each(context, FIELD_TEMPLATE, ({"field": field} for field in fields)))
    own_errors = not writable(context, ERRORS_TEMPLATE)

    def errors(field: BoundField) -> str:
        return render_each(context, ERRORS_TEMPLATE, [{"field": field}])[0] if own_errors else _errors(field)

    write = _field if own_errors else _kept_field
    return "".join(write(field, errors) for field in fields)


def _kept_field(field: BoundField, errors: Callable[[BoundField], str]) -> str:
    """``_field``, kept for an unbound form: the markup is a function of the key below."""
    key = _key(field)
    return _field(field, errors) if key is None else _KEPT.get(key, lambda: _field(field, errors))


def _key(field: BoundField) -> tuple[Any, ...] | None:
    """Everything an unbound field's markup depends on, or None when it cannot be kept.

    The form class (its fields, labels, help and choices), the field and its widget's attrs
    (the inline-validation URL), the form's ids and renderer, the language (labels, number
    formats) and the value shown, when that is a plain value or a list of plain values.
    """
    form = field.form
    if form.is_bound:
        return None
    value = field.value()
    values = value if isinstance(value, list | tuple) else (value,)
    if not all(isinstance(each, _PLAIN) for each in values):
        return None
    shown = tuple((type(each).__name__, each) for each in values)
    widget = field.field.widget
    attrs = tuple(sorted((name, str(attr)) for name, attr in widget.attrs.items()))
    return (type(form), field.name, form.auto_id, form.prefix, form.renderer, get_language(),
            isinstance(value, list | tuple), shown, attrs, field.field.required, field.field.disabled)


def _errors(field: BoundField) -> str:
    """``preference_errors.html`` as an include renders it (with its trailing newline)."""
    if not field:
        return "\n"
    shown = "".join(f'<p class="selfservice-error">{output(str(error))}</p>' for error in field.errors)
    return f'<div class="selfservice-field-errors" id="{output(field.auto_id)}_errors" aria-live="polite">{shown}</div>\n'


def _field(field: BoundField, errors: Callable[[BoundField], str]) -> str:
    """``preference_field.html`` for one field (with its trailing newline); ``errors`` renders the errors include."""
    if not field:  # a BoundField is falsy with no subwidgets (a choice field without choices)
        return "\n"
    checkbox = field.widget_type == "checkbox"
    fieldset = field.use_fieldset
    if fieldset:
        opening = f'<fieldset class="selfservice-choices"><legend>{output(field.label)}</legend>'
    else:
        opening = "" if checkbox else str(field.label_tag())
    widget = str(field)  # a SafeString (BoundField.__str__ renders the widget), as {{ field }} outputs it
    control = f"{widget} {field.label_tag()}" if checkbox else widget
    help_text = (f'<p class="selfservice-help" id="{output(field.auto_id)}_helptext">'
                 f"{output(field.help_text)}</p>") if field.help_text else ""
    classes = (" selfservice-field--invalid" if field.errors else "") + (" selfservice-field--checkbox" if checkbox else "")
    return (f'<div class="selfservice-field{classes}">\n'
            f"  {opening}\n"
            f"  {control}\n"
            f"  {help_text}\n"
            f"  {errors(field)}\n"
            f'  {"</fieldset>" if fieldset else ""}\n'
            "</div>\n")
