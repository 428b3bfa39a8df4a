"""``{% account_tabs %}`` / ``{% account_tabs oob=True %}``: the tab bar (see selfservice.core.tab_bar)."""

from __future__ import annotations

from django import template
from django.template import Context
from django.utils.safestring import SafeString

from selfservice.core.tab_bar import render_tab_bar

register = template.Library()


@register.simple_tag(takes_context=True)
def account_tabs(context: Context, oob: bool = False) -> SafeString:
    """``includes/tabs.html`` for this page's ``active_tab``; ``oob=True`` inside an htmx partial."""
    return SafeString(render_tab_bar(context, bool(oob)))
