"""The Security tab's enrolled methods written in Python: the bytes ``includes/security_method.html`` renders.

Why: that include ran once per method (Carol has six), 44 % of the Security tab's render time
(benchmarks/RESULTS.md, "Server time per tab"), for fixed markup. While the engine would render
the shipped file, this module writes the same bytes: the same words (``gettext``/``pgettext``,
the ``{% translate %}`` output escaped as the tag escapes it, ``{% blocktranslate %}`` with only
its variable escaped), the same filters called as functions, the engine's escaping
(``shipped_templates.output``). A site's own ``security_method.html`` is rendered as a template
per method, with ``entry`` and ``factor`` set as the include had them.
``tests/security/test_method_markup.py`` renders the tab both ways and compares the bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template import Context
from django.utils.translation import gettext, pgettext

from selfservice.core.shipped_templates import output, render_each, writable
from selfservice.templatetags.selfservice_time import Moments

__all__ = ["METHOD_TEMPLATE", "render_methods"]

METHOD_TEMPLATE = "selfservice/includes/security_method.html"


def render_methods(context: Context, entries: Iterable[Any], factor: Any = None) -> str:
    """Each entry (a ``MethodItem``) as the include renders it, one after the other."""
    if not writable(context, METHOD_TEMPLATE):
        return "".join(render_each(context, METHOD_TEMPLATE, ({"entry": entry} for entry in entries)))
    words = {
        "not_confirmed": output(gettext("Not confirmed")),
        "added": output(gettext("Added")),
        "last_used": output(gettext("Last used")),
        "never_used": output(gettext("Never used")),
        "remove": output(pgettext("MFA method", "Remove")),
        "remove_label": gettext("Remove %(label)s"),
    }
    title = getattr(factor, "title", None) if factor is not None else None
    moments = Moments()
    return "".join(_method(entry, title, words, moments) for entry in entries)


def _method(entry: Any, title: Any, words: dict[str, str], moments: Moments) -> str:
    method = entry.method
    label = output(method.label)
    named = method.label != title  # the factor's heading already names a method called like it
    name = ""
    if named or not method.confirmed:
        badge = f' <span class="selfservice-badge selfservice-badge--warn">{words["not_confirmed"]}</span>'
        name = (f'<p class="selfservice-method-name">{f"<bdi>{label}</bdi>" if named else ""}'
                f'{badge if not method.confirmed else ""}</p>')
    detail = f'<p class="selfservice-muted"><bdi>{output(method.detail)}</bdi></p>' if method.detail else ""
    added = f'{words["added"]} {moments.day(method.added)} · ' if method.added else ""
    used = f'{words["last_used"]} {moments.relative(method.last_used)}' if method.last_used else words["never_used"]
    remove = ""
    if entry.remove_url:
        url = output(entry.remove_url)
        remove = (f'\n  <a class="selfservice-button" href="{url}" hx-get="{url}" hx-target="#selfservice-panel" '
                  f'hx-swap="innerHTML" aria-label="{words["remove_label"] % {"label": label}}">{words["remove"]}</a>\n  ')
    return ("\n"
            '<li class="selfservice-method">\n'
            '  <div class="selfservice-method-text">\n'
            "    \n"
            f"    {name}\n"
            f"    {detail}\n"
            f'    <p class="selfservice-muted selfservice-method-dates">{added}{used}</p>\n'
            "  </div>\n"
            f"  {remove}\n"
            "</li>\n"
            "\n")
