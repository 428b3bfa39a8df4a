"""JSON Schema -> Django form: the Preferences tab's form, built from the active schema.

:func:`build_form_class` turns a schema that passed :func:`selfservice.preferences.schemas.schema_problems`
into a :class:`PreferencesForm` subclass with one Django field per property. A nested object
becomes a fieldset whose fields are named ``<object>__<member>`` (``address__city``) and is
rebuilt into one dict, because it is one top-level ``user_metadata`` key: Auth0 merges the top
level only, so a changed member means sending the whole object.

Every value is validated twice: by the Django field (each one also checks its own subschema
with jsonschema, so inline validation speaks the schema's rules) and, in ``clean()``, by
jsonschema against the whole stored schema (:func:`selfservice.preferences.schemas.document_errors`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from selfservice.core.form_rendering import stock_markup_renderer
from selfservice.preferences.fields import build_field, field_label, schema_error
from selfservice.preferences.schemas import document_errors, fingerprint, property_kind

__all__ = ["STATE_FIELD", "FieldGroup", "PreferencesForm", "build_form_class", "same_json"]

T = TypeVar("T")
STATE_FIELD = "_state"
STATE_SALT = "selfservice.preferences.state"
EMPTY_VALUES: tuple[Any, ...] = (None, "", [], ())


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON (``True`` is not ``1``, key order does not matter)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


class FieldGroup:
    """What the template renders: top-level fields (``name`` None) or one nested object."""

    def __init__(self, name: str | None, legend: Any, description: Any, fields: list[str]) -> None:
        self.name, self.legend, self.description, self.fields = name, legend, description, fields


class PreferencesForm(forms.Form):
    """Base class of every built form; ``build_form_class`` fills the class attributes."""

    schema: ClassVar[dict[str, Any]] = {}
    schema_id: ClassVar[tuple[int | None, str]] = (None, "")
    #: top-level key -> its form field names (one, or the members of a nested object)
    key_fields: ClassVar[dict[str, list[str]]] = {}
    groups: ClassVar[list[FieldGroup]] = []
    readonly_keys: ClassVar[frozenset[str]] = frozenset()
    required_keys: ClassVar[frozenset[str]] = frozenset()

    _state = forms.CharField(widget=forms.HiddenInput, required=False)

    #: After validation: the first field with an error (rendered ``autofocus``), or None.
    focus_field: str | None = None

    def __init__(self, data: Any = None, *, metadata: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        """``metadata`` (the user's current user_metadata) gives the initial values."""
        if metadata is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(metadata)
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("renderer", stock_markup_renderer())
        # Django deep-copies base_fields for every form, half of building one per request: it
        # gets nothing to copy here, and _fresh_fields makes the copies a form needs.
        self.base_fields = {}  # type: ignore[misc]  # shadowed for Django's __init__ only
        try:
            super().__init__(data, **kwargs)
        finally:
            del self.base_fields
        self.fields = self._fresh_fields()
        if not self.is_bound and STATE_FIELD not in self.initial:
            self.initial[STATE_FIELD] = self.sign_state(self.initial)

    def _fresh_fields(self) -> dict[str, forms.Field]:
        """This form's own fields, with the htmx attributes for inline validation.

        The copies Django's ``Field.__deepcopy__`` makes (the field, its widget and the widget's
        attrs, error messages, validators; the choices list, see ``_SharedChoices``) without
        ``copy.deepcopy``'s machinery, so what one form changes (``autofocus``, see
        :meth:`full_clean`) stays its own.
        """
        extra = self._validation_attrs(reverse("selfservice:validate-preferences"), self.auto_id)
        fields: dict[str, forms.Field] = {}
        for name, field in type(self).base_fields.items():
            fresh = fields[name] = _clone(field)
            # A widget made of widgets (none today) is copied as Django would, subwidgets and all.
            widget: Any = copy.deepcopy(field.widget) if isinstance(field.widget, forms.MultiWidget) else _clone(field.widget)
            fresh.widget = widget
            fresh.error_messages, fresh.validators = dict(field.error_messages), list(field.validators)
            widget.attrs = {**field.widget.attrs, **extra.get(name, {})}
            if isinstance(field, forms.ChoiceField):  # already normalized: the setters would do it again
                fresh._choices = widget._choices = list(field._choices)  # type: ignore[attr-defined]
        return fields

    @classmethod
    def _validation_attrs(cls, validate_url: str, auto_id: Any) -> dict[str, dict[str, str]]:
        """Each field's ``aria-describedby`` and htmx attributes, worked out once per URL and ``auto_id``."""
        memo: dict[tuple[str, Any], dict[str, dict[str, str]]] = cls.__dict__.get("_attrs_memo") or {}
        if (validate_url, auto_id) not in memo:
            attrs: dict[str, dict[str, str]] = {}
            for name, field in cls.base_fields.items():
                if name == STATE_FIELD:
                    continue
                field_id = auto_id % name if isinstance(auto_id, str) and "%s" in auto_id else name
                described = [f"{field_id}_helptext"] if field.help_text else []
                attrs[name] = {
                    "aria-describedby": " ".join([*described, f"{field_id}_errors"]),
                    # Inline validation: htmx posts the whole form and swaps this field's errors.
                    "hx-post": validate_url,
                    "hx-trigger": "change",
                    "hx-target": f"#{field_id}_errors",
                    "hx-swap": "outerHTML",
                }
            memo = {**memo, (validate_url, auto_id): attrs}
            cls._attrs_memo = memo  # type: ignore[attr-defined]  # one per built class
        return memo[validate_url, auto_id]

    @classmethod
    def from_submitted(cls, data: Mapping[str, Any]) -> PreferencesForm:
        """An unbound form showing what was typed (no errors), carrying the posted state.

        For pages that could not validate or save (throttled, Auth0 unavailable): the user's
        input is kept and "try again" resubmits it against the same rendered state.
        """
        typed = cls.typed_values(data)
        return cls(initial={**typed, STATE_FIELD: str(data.get(STATE_FIELD) or "")})

    @classmethod
    def typed_values(cls, data: Mapping[str, Any], names: Any = None) -> dict[str, Any]:
        """The raw values ``data`` holds for this form's fields (only the fields present).

        ``names``: the fields the submitted form had; others were not typed (an unchecked
        box and a field the old form did not have look the same in a POST).
        """
        typed: dict[str, Any] = {}
        for name, field in cls.base_fields.items():
            if name == STATE_FIELD or field.disabled or (names is not None and name not in names):
                continue
            present = name in data or isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple)
            if present:
                typed[name] = field.widget.value_from_datadict(data, {}, name)
        return typed

    def state_field(self) -> forms.BoundField:
        """The hidden field with the signed state (templates cannot say ``form._state``)."""
        return self[STATE_FIELD]

    def bound_groups(self) -> list[dict[str, Any]]:
        """Fieldsets for the template: ``[{"name", "legend", "description", "fields", "required"}]``.

        ``required``: for an optional nested object with required members, their labels as
        one phrase ("City and Country"). They are required only once the object is filled
        in at all, so the browser cannot mark them; the fieldset says it instead.
        """
        return [
            {
                "name": g.name, "legend": g.legend, "description": g.description,
                "fields": [self[n] for n in g.fields], "required": self._required_members(g),
            }
            for g in self.groups
        ]

    def _required_members(self, group: FieldGroup) -> str:
        if group.name is None or group.name in self.required_keys:
            return ""
        members = self.schema["properties"][group.name].get("required") or []
        labels: list[Any] = [self.fields[f"{group.name}__{m}"].label for m in members if f"{group.name}__{m}" in self.fields]
        return str(get_text_list(labels, _("and"))) if labels else ""

    # -- state: which schema and which values the user was shown -----------------------------

    @classmethod
    def initial_from(cls, metadata: Mapping[str, Any]) -> dict[str, Any]:
        """Initial field values from user_metadata (schema defaults for absent keys)."""
        initial: dict[str, Any] = {}
        properties = cls.schema["properties"]
        for key, names in cls.key_fields.items():
            prop = properties[key]
            if property_kind(prop) == "object":
                value = metadata.get(key)
                value = value if isinstance(value, dict) else prop.get("default") or {}
                for name in names:
                    member = name.split("__", 1)[1]
                    initial[name] = value.get(member, prop["properties"][member].get("default")) if isinstance(value, dict) else None
            else:
                value = metadata[key] if key in metadata else prop.get("default")
                initial[key] = None if property_kind(prop) == "array" and not isinstance(value, list) else value
        return initial

    def sign_state(self, initial: Mapping[str, Any]) -> str:
        values = {name: initial.get(name) for names in self.key_fields.values() for name in names}
        return signing.dumps({"schema": list(self.schema_id), "initial": values}, salt=STATE_SALT, compress=True)

    @classmethod
    def read_state(cls, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """The signed state a rendered form carried: ``{"schema": [pk, fp], "initial": {...}}``."""
        try:
            state = signing.loads(str(data.get(STATE_FIELD) or ""), salt=STATE_SALT)
        except signing.BadSignature:
            return None
        return state if isinstance(state, dict) and isinstance(state.get("initial"), dict) else None

    # -- validation ----------------------------------------------------------------------------

    def full_clean(self) -> None:
        """Validate, then mark the first invalid field ``autofocus``.

        A 422 page (and the htmx swap of one, which honours ``autofocus``) puts the keyboard
        and the screen reader on the first field to correct instead of the top of the page.
        """
        super().full_clean()
        self.focus_field = next((name for name in self.fields if name != STATE_FIELD and name in self.errors), None)
        if self.focus_field is not None:
            self.fields[self.focus_field].widget.attrs["autofocus"] = True

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for key, names in self.key_fields.items():
            prop = self.schema["properties"][key]
            if property_kind(prop) != "object" or not self._present(names):
                continue
            for member in prop.get("required") or []:
                name = f"{key}__{member}"
                if name not in self.errors and cleaned.get(name) in EMPTY_VALUES:
                    self.add_error(name, ValidationError(_("This field is required."), code="required"))
        if not self.errors:
            for field, keyword, error in document_errors(self.schema, self.document()):
                target = field if field in self.fields else None
                if target is None or target not in self.errors:
                    self.add_error(target, schema_error(keyword, error.validator_value))
        return cleaned

    def _present(self, names: list[str]) -> bool:
        return any(self.cleaned_data.get(name) not in (*EMPTY_VALUES, False) for name in names)

    def document(self) -> dict[str, Any]:
        """The declared keys as the user left them (cleared optional keys absent)."""
        document: dict[str, Any] = {}
        for key, names in self.key_fields.items():
            value = self.value_for(key, names)
            if value is not None:
                document[key] = value
        return document

    def value_for(self, key: str, names: list[str]) -> Any:
        prop = self.schema["properties"][key]
        if property_kind(prop) == "object":
            if not self._present(names) and key not in self.required_keys:
                return None
            members = {name.split("__", 1)[1]: self.cleaned_data.get(name) for name in names}
            return {m: v for m, v in members.items() if v not in EMPTY_VALUES or (v == [] and m in (prop.get("required") or []))}
        value = self.cleaned_data.get(key)
        if value in EMPTY_VALUES and not (value == [] and key in self.required_keys):
            return None
        return value

    def changes(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """The keys to send: changed by the user, different from Auth0's; ``None`` deletes.

        "Changed" compares with the values the form was *rendered* with (its initial), not
        with what Auth0 holds now, so two tabs editing different fields do not undo each
        other. A required key Auth0 does not have yet is sent too (with the shown default),
        so the stored metadata stays valid. Read-only keys are never sent. After is_valid().
        """
        changed = set(self.changed_data)
        out: dict[str, Any] = {}
        for key, names in self.key_fields.items():
            if key in self.readonly_keys:
                continue
            new = self.value_for(key, names)
            touched = any(name in changed for name in names)
            materialize = key in self.required_keys and key not in current and new is not None
            if (touched or materialize) and not same_json(new, current.get(key)):
                out[key] = new
        return out

    def merged(self, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
        """The declared keys as Auth0 will hold them after ``changes`` (a top-level merge)."""
        merged = {key: current[key] for key in self.key_fields if key in current}
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged



def _clone(thing: T) -> T:
    """A shallow copy of a field or widget (``copy.copy`` without its pickling detour)."""
    clone: T = object.__new__(type(thing))
    clone.__dict__.update(thing.__dict__)
    return clone


def build_form_class(schema: Mapping[str, Any] | str, schema_pk: int | None = None) -> type[PreferencesForm]:
    """A :class:`PreferencesForm` subclass for ``schema`` (a renderable one: see schemas.py).

    ``schema``: the mapping, or its JSON text (``PreferenceSchema.schema_json()``'s second).
    """
    # Key order matters: it is the field order.
    return _build(schema if isinstance(schema, str) else json.dumps(schema), schema_pk)


@lru_cache(maxsize=16)
def _build(canonical: str, schema_pk: int | None) -> type[PreferencesForm]:
    # Keyed by content: an edited schema builds a new class; building is cheap, caching keeps
    # inline validation (one request per changed field) cheaper still.
    schema = json.loads(canonical)
    required = set(schema.get("required") or [])
    fields: dict[str, forms.Field] = {}
    key_fields: dict[str, list[str]] = {}
    top: list[str] = []
    groups: list[FieldGroup] = []
    readonly: set[str] = set()
    for key, prop in schema["properties"].items():
        if prop.get("readOnly"):
            readonly.add(key)
        if property_kind(prop) == "object":
            inner_required = set(prop.get("required") or [])
            names = []
            for member, sub in prop["properties"].items():
                name = f"{key}__{member}"
                fields[name] = build_field(sub, required=key in required and member in inner_required, key=member)
                if prop.get("readOnly"):
                    fields[name].disabled = True
                names.append(name)
            key_fields[key] = names
            description = _(prop["description"]) if prop.get("description") else ""
            groups.append(FieldGroup(key, field_label(prop, key), description, names))
        else:
            fields[key] = build_field(prop, required=key in required, key=key)
            key_fields[key] = [key]
            top.append(key)
    if top:
        groups.insert(0, FieldGroup(None, "", "", top))
    attrs: dict[str, Any] = {
        **fields,
        "schema": schema,
        "schema_id": (schema_pk, fingerprint(schema)),
        "key_fields": key_fields,
        "groups": groups,
        "readonly_keys": frozenset(readonly),
        "required_keys": frozenset(required),
    }
    return type("PreferencesSchemaForm", (PreferencesForm,), attrs)
