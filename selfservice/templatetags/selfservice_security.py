"""``{% security_methods item.methods factor %}``: the enrolled methods (see selfservice.security.method_markup)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.template import Context
from django.utils.safestring import SafeString

from selfservice.security.method_markup import render_methods

register = template.Library()


@register.simple_tag(takes_context=True)
def security_methods(context: Context, entries: Iterable[Any], factor: Any = None) -> SafeString:
    """Each method as ``includes/security_method.html`` renders it, with this template's context."""
    return SafeString(render_methods(context, entries, factor))
