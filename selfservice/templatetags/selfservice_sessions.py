"""``{% session_rows rows page_obj.number %}``: the Sessions list's rows (see selfservice.sessions.row_markup)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.template import Context
from django.utils.safestring import SafeString

from selfservice.sessions.listing import SessionRow
from selfservice.sessions.row_markup import render_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def session_rows(context: Context, rows: Sequence[SessionRow], page_number: Any) -> SafeString:
    """Each row as ``includes/session_row.html`` renders it, with this template's context."""
    return SafeString(render_rows(context, rows, page_number))
