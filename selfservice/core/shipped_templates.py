"""Whether a template name resolves to the file this package ships, or to a site's own copy.

Why: a few templates that repeat per row (a Sessions page has 20) are also written in Python,
byte for byte, because the template engine spends most of a tab's render time on them. That
shortcut is only right while the engine would have rendered *our* file: a site that puts its
own ``selfservice/includes/session_row.html`` earlier in its template path must get its markup.
The engine's loaders record where each template came from (``Template.origin.name``, kept by
the cached loader), so the test is one lookup and a path comparison, with nothing to keep in
step when the shipped file changes (tests render both ways and compare the bytes).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine, TemplateDoesNotExist
from django.template.base import Template, render_value_in_context

__all__ = ["TEMPLATE_ROOT", "engine_of", "output", "render_each", "shipped", "writable"]

_AUTOESCAPE = Context(autoescape=True)  # what render_value_in_context reads: autoescape, use_l10n, use_tz

#: Where this package's templates live (``selfservice/templates``).
TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates"


def shipped(engine: Engine, name: str) -> Template | None:
    """The template ``engine`` finds for ``name`` if it is this package's file, else None.

    None also when the name is not found: the caller then renders through the engine and gets
    the engine's own error.
    """
    try:
        template = engine.get_template(name)
    except TemplateDoesNotExist:
        return None
    origin = getattr(template.origin, "name", None)
    return template if isinstance(origin, str) and _ours(origin, name) else None


def writable(context: Context, name: str) -> bool:
    """True when Python may write ``name``'s bytes for this render: the engine rendering
    ``context`` finds the shipped file and autoescape is on (the written markup assumes it)."""
    return bool(context.autoescape) and shipped(engine_of(context), name) is not None


def engine_of(context: Context) -> Engine:
    """The engine rendering ``context`` (a template tag's context always has its template)."""
    engine: Engine = context.template.engine  # type: ignore[union-attr]  # set while a template renders
    return engine


@lru_cache(maxsize=64)
def _ours(origin: str, name: str) -> bool:
    # resolve() is a few system calls: once per (file found, name), not once per render.
    return Path(origin).resolve() == TEMPLATE_ROOT / name


def output(value: object) -> str:
    """``{{ value }}`` with autoescape on: the engine's bytes for any value.

    A plain ``str`` (most of what the written templates show) is escaped directly: the engine
    would call ``localize`` and ``template_localtime``, which leave a str as it is, then
    ``escape``, which is ``html.escape``. Anything else (safe strings, lazy strings, numbers,
    dates) goes through the engine's own ``render_value_in_context``.
    """
    if type(value) is str:
        return html.escape(value)
    return str(render_value_in_context(value, _AUTOESCAPE))


def render_each(context: Context, name: str, values: Iterable[Mapping[str, Any]]) -> list[str]:
    """``name`` rendered by the engine once per mapping in ``values``, pushed onto ``context``.

    What ``{% for ... %}{% include name %}{% endfor %}`` does: the path for a site's own copy
    of a template that is otherwise written in Python.
    """
    template = engine_of(context).get_template(name)
    parts = []
    for extra in values:
        with context.push(**extra):
            parts.append(str(template.render(context)))
    return parts
