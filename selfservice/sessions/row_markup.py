"""The Sessions list's rows written in Python: the bytes ``includes/session_row.html`` renders.

Why: one row is about 40 variable lookups, filters and tags; a page of 20 was three quarters of
the Sessions tab's render time (benchmarks/RESULTS.md, "Server time per tab"). The markup of a
row is fixed, so while the engine would render the shipped ``session_row.html`` this module
writes the same bytes with string building, under the engine's own escaping
(``shipped_templates.output``, the same filters called as functions). The device icon is the
template's either way, rendered once per kind of device and language in the process while
``device_icon.html`` is the shipped one (it shows nothing else), else once per row.

A site's own ``session_row.html`` is rendered as a template per row, with the same context.
``tests/sessions/test_row_markup.py`` renders pages both ways and compares the bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.template import Context
from django.template.defaultfilters import capfirst, join

from selfservice.core.kept_markup import KeptMarkup
from selfservice.core.shipped_templates import output, render_each, writable
from selfservice.sessions.listing import SessionRow
from selfservice.templatetags.selfservice_time import Moments

__all__ = ["ROW_TEMPLATE", "WORDS", "render_rows"]

ROW_TEMPLATE = "selfservice/includes/session_row.html"
ICON_TEMPLATE = "selfservice/includes/device_icon.html"
#: The loop-invariant words partials/sessions.html translates once and a row shows.
WORDS = ("this_device", "last_activity", "first_sign_in", "ip_address", "applications", "signed_in_with",
         "expires", "more_details", "sign_out_here", "sign_out", "sign_out_here_confirm")
_NONE = "—"
#: The shipped icon's markup per (kind, name): five kinds in each language a site offers.
_SHIPPED_ICONS = KeptMarkup(256)


def render_rows(context: Context, rows: Sequence[SessionRow], page_number: Any) -> str:
    """Every row, in order, each followed by a newline and indented as the list is."""
    page = f"{page_number:d}" if isinstance(page_number, int) else str(page_number or "")
    if not writable(context, ROW_TEMPLATE):
        each = ({"row": row, "number": str(number), "page_number": page} for number, row in enumerate(rows, 1))
        return "    ".join(render_each(context, ROW_TEMPLATE, each)).rstrip("\n")
    # The shipped icon shows the device's kind and its (translated) name and nothing else: one
    # render per kind and name in the process, kept in _SHIPPED_ICONS; a site's own, once per row.
    icon_per_kind = writable(context, ICON_TEMPLATE)
    words = {name: output(context.get(name) or "") for name in WORDS}
    shared = (bool(context.get("shared_applications")), bool(context.get("shared_authentication")))
    csrf = output(context.get("csrf_token", ""))
    moments = Moments()

    def icon(row: SessionRow) -> str:
        def rendered() -> str:
            return render_each(context, ICON_TEMPLATE, [{"row": row, "device": row.device}])[0]

        return _SHIPPED_ICONS.get((row.device.kind, row.device.kind_label), rendered) if icon_per_kind else rendered()

    return "    ".join(
        _row(row, str(number), icon(row), words, shared, csrf, output(page), moments)
        for number, row in enumerate(rows, 1)
    ).rstrip("\n")


def _row(row: SessionRow, number: str, icon: str, words: Mapping[str, str], shared: tuple[bool, bool],
         csrf: str, page: str, moments: Moments) -> str:
    """``session_row.html`` for one row (autoescape on; ``number`` is a plain digit string)."""
    label = output(row.device.label)
    ip = output(row.ip) if row.ip else ""
    url = output(row.revoke_url)
    current = row.is_current
    facts = [
        f'          <div><dt>{words["first_sign_in"]}</dt><dd>{moments.absolute(row.created_at) or _NONE}</dd></div>\n',
        f'          <div><dt>{output(capfirst(words["ip_address"]))}</dt><dd>{ip or _NONE}</dd></div>\n',
        f'          <div><dt>{words["applications"]}</dt><dd>{join(row.applications, ", ") or _NONE}</dd></div>\n'
        if not shared[0] else "          \n",
        f'          <div><dt>{words["signed_in_with"]}</dt><dd>{join(row.authentication, ", ") or _NONE}</dd></div>\n'
        if not shared[1] else "          \n",
        f'          <div><dt>{words["expires"]}</dt><dd>{moments.relative(row.expires_at) or _NONE}</dd></div>\n',
    ]
    if current:
        form = (f'      \n      <form class="selfservice-session-revoke" method="get" action="{url}" hx-post="{url}" '
                f'hx-target="#selfservice-panel" hx-swap="innerHTML" hx-confirm="{words["sign_out_here_confirm"]}" '
                f'data-selfservice-confirm-button="{words["sign_out_here"]}">\n      \n')
        button = words["sign_out_here"]
    else:
        form = (f'      \n      <form class="selfservice-session-revoke" method="post" action="{url}" hx-post="{url}" '
                f'hx-target="#selfservice-panel" hx-swap="innerHTML">\n'
                f'        <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">\n      \n')
        button = f'{words["sign_out"]}<span class="selfservice-visually-hidden"> {label}</span>'
    return "".join((
        f'<li class="selfservice-session{" selfservice-session--current" if current else ""}" id="session-{number}" '
        f'aria-labelledby="session-{number}-name">\n',
        f"      {icon}\n",
        f'      <h3 class="selfservice-session-name" id="session-{number}-name">{label}'
        f'{f""" <span class="selfservice-badge selfservice-badge--ok">{words["this_device"]}</span>""" if current else ""}'
        "</h3>\n",
        f'      <p class="selfservice-session-summary">{words["last_activity"]} {moments.relative(row.last_active) or _NONE}'
        f'{f" · {ip}" if ip else ""}</p>\n',
        '      <details class="selfservice-session-more">\n',
        f'        <summary>{words["more_details"]}<span class="selfservice-visually-hidden"> {label}</span></summary>\n',
        '        <dl class="selfservice-session-facts">\n',
        *facts,
        "        </dl>\n",
        "      </details>\n",
        form,
        f'        <input type="hidden" name="page" value="{page}">\n',
        f'        <button type="submit" class="selfservice-button">{button}</button>\n',
        "      </form>\n",
        "    </li>\n",
    ))
