"""Django fields for JSON Schema properties: one builder, a few fields Django lacks.

:func:`build_field` maps one (non-object) property of a renderable schema to a Django field;
:mod:`selfservice.preferences.forms` assembles them into the form. Every field also checks its
own subschema with jsonschema (:class:`SchemaValidator`) for the keywords Django has no
validator for, so inline validation already speaks the schema's rules.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from selfservice.preferences.patterns import input_limit
from selfservice.preferences.schemas import enum_options, property_kind, validator_for

__all__ = [
    "CheckboxSelectMultiple",
    "DateStringField",
    "EnumField",
    "EnumListField",
    "ExclusiveBound",
    "RadioSelect",
    "SchemaValidator",
    "build_field",
    "field_label",
    "schema_error",
    "schema_message",
]

# jsonschema's keyword -> a message people can read (and translators can translate). Django's
# own field validators usually speak first; these show when only the schema objects.
MESSAGES: dict[str, Any] = {
    "required": _("This field is required."),
    "enum": _("Select a valid choice."),
    "const": _("Select a valid choice."),
    "type": _("Enter a value of the right kind."),
    "minLength": _("This value is too short."),
    "maxLength": _("This value is too long."),
    "pattern": _("This value does not have the expected form."),
    "format": _("Enter a valid value."),
    "minimum": _("This value is too small."),
    "exclusiveMinimum": _("This value is too small."),
    "maximum": _("This value is too large."),
    "exclusiveMaximum": _("This value is too large."),
    "multipleOf": _("Enter a multiple of %(limit)s."),
    "minItems": _("Select more choices."),
    "maxItems": _("Select fewer choices."),
    "uniqueItems": _("Select each choice once."),
}


def schema_message(keyword: str) -> Any:
    return MESSAGES.get(keyword, _("This value is not allowed."))


def schema_error(keyword: str, limit: Any = None) -> ValidationError:
    """The error for a failed jsonschema ``keyword``; ``limit`` is its value in the schema.

    Messages that name the limit (``multipleOf``: "Enter a multiple of 5.") get it as
    ``%(limit)s``; the others ignore it.
    """
    return ValidationError(schema_message(keyword), code=f"schema_{keyword}", params={"limit": limit})


# Keywords the Django fields check themselves, with Django's own (translated) messages; the
# per-field schema check skips them so one mistake gives one message. The whole-document
# jsonschema check in PreferencesForm.clean() still applies every keyword.
NATIVE_KEYWORDS = frozenset({"type", "format", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "oneOf", "anyOf"})


class SchemaValidator:
    """Django validator: the value must be valid for the property's own subschema."""

    def __init__(self, prop: Mapping[str, Any], to_json: Callable[[Any], Any] = lambda v: v) -> None:
        self.validator = validator_for({k: v for k, v in prop.items() if k != "default"})
        self.to_json = to_json

    def __call__(self, value: Any) -> None:
        for error in self.validator.iter_errors(self.to_json(value)):
            if error.validator not in NATIVE_KEYWORDS:
                raise schema_error(str(error.validator), error.validator_value)


class ExclusiveBound:
    """``exclusiveMinimum`` / ``exclusiveMaximum`` (Django has inclusive bounds only)."""

    def __init__(self, limit: float, *, lower: bool) -> None:
        self.limit, self.lower = limit, lower

    def __call__(self, value: Any) -> None:
        if self.lower and not value > self.limit:
            raise ValidationError(_("Ensure this value is greater than %(limit)s."), code="exclusive_min", params={"limit": self.limit})
        if not self.lower and not value < self.limit:
            raise ValidationError(_("Ensure this value is less than %(limit)s."), code="exclusive_max", params={"limit": self.limit})


class DateStringField(forms.DateField):
    """A ``format: date`` string: a date picker in, ``"YYYY-MM-DD"`` out (JSON has no dates)."""

    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    input_formats = ["%Y-%m-%d"]

    def clean(self, value: Any) -> str | None:
        cleaned = super().clean(value)
        return cleaned.isoformat() if isinstance(cleaned, date) else None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


class _Choices:
    """Posted strings back to the schema's JSON values ("25" -> 25); unknown ones are invalid."""

    def __init__(self, options: list[tuple[Any, Any]]) -> None:
        self.values = {str(value): value for value, _label in options}
        self.order = list(self.values)

    def __call__(self, posted: Any) -> Any:
        try:
            return self.values[str(posted)]
        except KeyError:
            raise ValueError(posted) from None


class _SharedChoices:
    """Copies a field for each form without deep-copying its choices.

    Django deep-copies every field for every form instance, and a choice field deep-copies its
    choices: for the Preferences form about half of building it per request, spent copying tuples
    of strings (and lazy labels) nobody changes. The list is copied (so a form that assigns or
    appends choices changes only its own), its tuples are shared: they are immutable.
    """

    _choices: list[Any]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        result: Any = forms.Field.__deepcopy__(self, memo)  # type: ignore[type-var]  # skip ChoiceField's deep copy
        result._choices = copy.copy(self._choices)
        return result


class EnumField(_SharedChoices, forms.TypedChoiceField):
    """A choice whose value may be a number: the form speaks strings, the schema JSON values."""

    def __init__(self, *, options: list[tuple[Any, Any]], prop: Mapping[str, Any], **kwargs: Any) -> None:
        self.lookup = _Choices(options)
        self.schema_validator = SchemaValidator(prop)
        super().__init__(choices=[(str(v), label) for v, label in options], coerce=self.lookup, empty_value=None, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else str(value)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        if cleaned is not None:
            self.schema_validator(cleaned)
        return cleaned


class EnumListField(_SharedChoices, forms.TypedMultipleChoiceField):
    """Several choices of an enum (``array`` of ``items.enum``), in the schema's order."""

    def __init__(self, *, options: list[tuple[Any, Any]], prop: Mapping[str, Any], **kwargs: Any) -> None:
        self.lookup = _Choices(options)
        self.schema_validator = SchemaValidator(prop)
        super().__init__(choices=[(str(v), label) for v, label in options], coerce=self.lookup, empty_value=[], **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return [str(item) for item in value] if isinstance(value, list | tuple) else value

    def clean(self, value: Any) -> list[Any]:
        cleaned: list[Any] = super().clean(value)
        # Posted order is the browser's; keep the schema's, drop repeats (uniqueItems).
        cleaned = sorted(dict.fromkeys(cleaned), key=lambda item: self.lookup.order.index(str(item)))
        if cleaned or self.required:
            self.schema_validator(cleaned)
        return cleaned


class _AutofocusFirstOption:
    """For widgets of one input per option: ``autofocus`` (see PreferencesForm.full_clean)
    goes to the first option only; HTML allows one autofocus element per page."""

    def create_option(
        self, name: str, value: Any, label: Any, selected: Any, index: int, subindex: int | None = None, attrs: Any = None
    ) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, label, selected, index, subindex, attrs)  # type: ignore[misc]
        if index or subindex:
            option["attrs"].pop("autofocus", None)
        return option


class RadioSelect(_AutofocusFirstOption, forms.RadioSelect):
    """Django's RadioSelect, with at most one option ``autofocus``."""


class CheckboxSelectMultiple(_AutofocusFirstOption, forms.CheckboxSelectMultiple):
    """Django's CheckboxSelectMultiple, with at most one option ``autofocus``."""


def field_label(prop: Mapping[str, Any], key: str) -> Any:
    # Titles and descriptions are data, translated at render time through the site's catalogs.
    title = prop.get("title")
    return _(title) if title else capfirst(key.replace("_", " ").replace("-", " "))


def _options(prop: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    return [(value, _(title) if title else _(str(value))) for value, title in enum_options(prop)]


def build_field(prop: Mapping[str, Any], *, required: bool, key: str) -> forms.Field:
    """One Django field for one (non-object) property."""
    kind = property_kind(prop)
    common: dict[str, Any] = {
        "label": field_label(prop, key),
        "help_text": _(prop["description"]) if prop.get("description") else "",
        "disabled": bool(prop.get("readOnly")),
    }
    field: forms.Field
    if kind == "enum":
        options = _options(prop)
        radios = prop.get("x-widget") == "radios"
        # An optional enum can be cleared (the key is deleted), unless a default stands for "unset".
        # Words, not a dash: a screen reader reads "—" as "em dash".
        if not required and "default" not in prop:
            options = [(None, _("Not set")), *options]
        widget: type[forms.Widget] = RadioSelect if radios else forms.Select
        field = EnumField(options=[o for o in options if o[0] is not None], prop=prop, required=required, widget=widget, **common)
        field.choices = [("" if v is None else str(v), label) for v, label in options]
    elif kind == "array":
        items = prop["items"]
        widget = forms.SelectMultiple if prop.get("x-widget") == "select" else CheckboxSelectMultiple
        # An optional key may be cleared (deleted) whatever minItems says; minItems counts
        # only when something is selected (checked in EnumListField.clean).
        field = EnumListField(options=_options(items), prop=prop, required=required and bool(prop.get("minItems")), widget=widget, **common)
    elif kind == "boolean":
        field = forms.BooleanField(required=False, **common)
    elif kind in ("integer", "number"):
        cls = forms.IntegerField if kind == "integer" else forms.FloatField
        field = cls(required=required, min_value=prop.get("minimum"), max_value=prop.get("maximum"), **common)
        step = prop.get("multipleOf")
        # The browser counts steps from min; the schema from 0. Hint only when they agree.
        if step and (prop.get("minimum") is None or float(prop["minimum"]) % float(step) == 0):
            field.widget.attrs["step"] = str(step)
        for bound, lower in (("exclusiveMinimum", True), ("exclusiveMaximum", False)):
            if bound in prop:
                field.validators.append(ExclusiveBound(prop[bound], lower=lower))
    else:
        # A pattern is matched (on RE2, see patterns.py) against a bounded input only: without a
        # maxLength the field gets the default cap, so a longer value is refused as too long.
        max_length = input_limit(prop) if "pattern" in prop else prop.get("maxLength")
        string: dict[str, Any] = {"max_length": max_length, "min_length": prop.get("minLength")}
        fmt = prop.get("format")
        if fmt == "date":
            field = DateStringField(required=required, **common)
        elif fmt == "email":
            field = forms.EmailField(required=required, **string, **common)
            field.widget.attrs["dir"] = "ltr"  # addresses read left to right in every language
        elif fmt == "uri":
            field = forms.URLField(required=required, assume_scheme="https", **string, **common)
            field.widget.attrs["dir"] = "ltr"
        else:
            field = forms.CharField(required=required, **string, **common)
            field.widget.attrs["dir"] = "auto"  # free text, in any script (see profile/forms.py)
        if "pattern" in prop:
            # Checked by SchemaValidator on RE2 (a search, as JSON Schema says). The attribute is
            # a hint: the browser anchors it and runs it in its own engine (v flag), per tab; the
            # server has the last word. schema_problems made sure RE2 can run it.
            field.widget.attrs["pattern"] = prop["pattern"]
    if kind == "string" and prop.get("format") == "date":
        field.validators.append(SchemaValidator(prop, to_json=lambda v: v.isoformat() if isinstance(v, date) else v))
    elif kind not in ("enum", "array"):  # those check the schema after coercion, in clean()
        field.validators.append(SchemaValidator(prop))
    return field


