"""``{% preference_fields group.fields %}``: the Preferences form's fields (see selfservice.preferences.field_markup)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.forms import BoundField
from django.template import Context
from django.utils.safestring import SafeString

from selfservice.preferences.field_markup import render_fields

register = template.Library()


@register.simple_tag(takes_context=True)
def preference_fields(context: Context, fields: Iterable[BoundField]) -> SafeString:
    """Each field as ``includes/preference_field.html`` renders it, with this template's context."""
    return SafeString(render_fields(context, fields))
