"""The tab bar, rendered once per language and active tab and then reused.

Why: every page and every htmx partial carries the tab bar (partials re-send it out of band), and
its template reverses five URLs and translates six words: about 13 % of a General partial's
render time, for bytes that only depend on the language, the active tab, the out-of-band flag and
where the URLs point. While the engine would render the shipped ``includes/tabs.html`` (whose
comment names ``active_tab`` and ``oob`` as all it reads), its output is kept in a small
in-process memo under exactly those inputs plus the script prefix, the URLconf and the current
URL namespace (what ``{% url %}`` uses). A site's own ``tabs.html`` is rendered every time, as an
include would, with the same context.
"""

from __future__ import annotations

from django.template import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from selfservice.core.kept_markup import KeptMarkup
from selfservice.core.shipped_templates import engine_of, render_each, writable

__all__ = ["TABS_TEMPLATE", "render_tab_bar"]

TABS_TEMPLATE = "selfservice/includes/tabs.html"
_memo = KeptMarkup(256)  # languages x tabs x 2, with room for several script prefixes and URLconfs


def _current_app(context: Context) -> str | None:
    """What ``{% url %}`` reverses with (``URLNode.render``): the request's app or its namespace."""
    request = getattr(context, "request", None)
    app = getattr(request, "current_app", None)
    if app is None:
        match = getattr(request, "resolver_match", None)
        app = getattr(match, "namespace", None)
    return app if isinstance(app, str) else None


def render_tab_bar(context: Context, oob: bool) -> str:
    """``{% include "selfservice/includes/tabs.html" %}`` (``with oob=True`` when ``oob``)."""
    active = context.get("active_tab")
    if not writable(context, TABS_TEMPLATE) or not (active is None or isinstance(active, str)):
        return render_each(context, TABS_TEMPLATE, [{"oob": oob}])[0]
    key = (get_language(), active, oob, get_script_prefix(), get_urlconf(), _current_app(context), id(engine_of(context)))
    return _memo.get(key, lambda: render_each(context, TABS_TEMPLATE, [{"oob": oob}])[0])
