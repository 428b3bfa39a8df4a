"""MkDocs hook: the reference parts of the docs are rendered from the code at build time.

A page asks for a part with a line of its own, ``<!-- reference: settings -->``; the hook puts
the rendered Markdown there. Settings come from ``selfservice.conf.DEFAULTS`` and the comments
above each key, system checks from ``selfservice.core.problems.PROBLEMS``, URLs from
``selfservice.urls``, signals from the comments in ``selfservice/signals.py``, adapter hooks and
the emulator's control API from their docstrings, templates from their ``{% comment %}`` blocks,
and the changelog from ``CHANGELOG.md``. So a new setting, check id or URL shows up in the docs
without anyone remembering to write it down, and ``tests/test_docs.py`` calls the same
functions to check that nothing is left out. An unknown part name fails the build.
"""

from __future__ import annotations

import ast
import html
import inspect
import io
import json
import re
import string
import sys
import textwrap
import tokenize
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "selfservice"
MARKER = re.compile(r"^<!-- reference: ([a-z-]+) -->$", re.MULTILINE)

if str(ROOT) not in sys.path:  # the checkout's package, also when mkdocs runs from elsewhere
    sys.path.insert(0, str(ROOT))


# -- helpers ---------------------------------------------------------------------------------


def _comments_by_line(source: str) -> dict[int, str]:
    """Line number -> text of a comment that is alone on its line."""
    found: dict[int, str] = {}
    lines = source.splitlines()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and lines[token.start[0] - 1].lstrip().startswith("#"):
            found[token.start[0]] = token.string.lstrip("#:").strip()
    return found


def _comment_above(comments: dict[int, str], line: int) -> str:
    """The block of comment lines right above ``line``, joined into one paragraph."""
    block: list[str] = []
    line -= 1
    while line in comments:
        block.insert(0, comments[line])
        line -= 1
    return " ".join(block)


def _rst(text: str) -> str:
    """The few reStructuredText habits of the docstrings, as Markdown."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    return text.replace("``", "`").replace("::\n", ":\n")


def _cell(text: str) -> str:
    return _rst(text).replace("|", "\\|").replace("\n", " ")


def _literal(value: Any) -> str:
    """A default as the site writes it in settings.py."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, str | int | float):
        return json.dumps(value)
    return repr(value)


def _first_paragraph(doc: str | None) -> str:
    return inspect.cleandoc(doc or "").split("\n\n", 1)[0].replace("\n", " ")


# -- settings --------------------------------------------------------------------------------


def setting_docs() -> list[tuple[str, Any, str, dict[str, str]]]:
    """``(key, default, meaning, {inner key: note})`` for every key of ``DEFAULTS``, in order.

    The meaning is the comment block above the key in ``conf.py``; for a dict default, an inner
    key's note is the comment block above its line (keys on one line share it; keys on the
    outer key's own line have none).
    """
    from selfservice.conf import DEFAULTS

    source = (PACKAGE / "conf.py").read_text(encoding="utf-8")
    comments = _comments_by_line(source)
    [literal] = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "DEFAULTS"
    ]
    assert isinstance(literal, ast.Dict)
    rows = []
    for key_node, value_node in zip(literal.keys, literal.values, strict=True):
        assert isinstance(key_node, ast.Constant)
        key = key_node.value
        notes: dict[str, str] = {}
        if isinstance(value_node, ast.Dict):
            for inner in value_node.keys:
                if isinstance(inner, ast.Constant) and inner.lineno != key_node.lineno:
                    notes[str(inner.value)] = _comment_above(comments, inner.lineno)
        rows.append((key, DEFAULTS[key], _comment_above(comments, key_node.lineno), notes))
    return rows


def _dict_default(default: dict[Any, Any], notes: dict[str, str]) -> str:
    """A dict default as the Python a site would write, each group under its comment."""
    lines, shown = ["{"], ""
    for inner, value in default.items():
        note = notes.get(str(inner), "")
        if note and note != shown:
            lines.extend(textwrap.wrap(note, 92, initial_indent="    # ", subsequent_indent="    # "))
        shown = note or shown
        lines.append(f"    {json.dumps(inner)}: {_literal(value)},")
    return "```python\n" + "\n".join([*lines, "}"]) + "\n```\n"


def render_settings() -> str:
    parts = []
    for key, default, meaning, notes in setting_docs():
        if isinstance(default, dict) and default:
            parts.append(f"### `{key}`\n\n{_rst(meaning)}\n\nDefault:\n\n{_dict_default(default, notes)}")
        else:
            parts.append(f"### `{key}`\n\n{_rst(meaning)}\n\nDefault: `{_literal(default)}`\n")
    return "\n".join(parts)


# -- system checks ---------------------------------------------------------------------------


def _prose(template: str) -> str:
    """A check's message or hint (a ``str.format`` template) as Markdown that shows it literally:
    ``{{`` as ``{``, a field such as ``{value!r}`` as written."""
    text = "".join(
        literal + ("" if field is None else "{" + field + (f"!{conversion}" if conversion else "") + "}")
        for literal, field, _spec, conversion in string.Formatter().parse(template)
    )
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def check_anchor(check_id: str) -> str:
    """``selfservice.E001`` -> ``selfservice-e001``, the anchor other pages link to."""
    return check_id.lower().replace(".", "-")


def render_checks() -> str:
    from selfservice.core.problems import PROBLEMS

    parts = []
    for problem in sorted(PROBLEMS.values(), key=lambda p: (p.id[:-3], p.id[-3:])):
        level = "Error" if problem.level.__name__ == "Error" else "Warning"
        parts.append(
            f"### `{problem.id}` {{ #{check_anchor(problem.id)} }}\n\n"
            f"**{level}:** {_prose(problem.message)}\n\n*Fix:* {_prose(problem.hint)}\n"
        )
    return "\n".join(parts)


# -- URLs ------------------------------------------------------------------------------------


def _setup_django() -> None:
    """Enough Django to import ``selfservice.urls`` (a no-op under pytest-django)."""
    import django
    from django.conf import settings

    if not settings.configured:
        # python3-openid (via social-auth) imports a deprecated defusedxml module; not ours.
        warnings.filterwarnings("ignore", "defusedxml.cElementTree is deprecated", DeprecationWarning)
        settings.configure(
            SECRET_KEY="docs-build",
            INSTALLED_APPS=[
                "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                "django.contrib.messages", "django_htmx", "social_django", "selfservice",
            ],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        )
        django.setup()


def url_docs() -> list[tuple[str, str, list[str], str]]:
    """``(path under the mount, name, methods, what it does)`` for every pattern, in order."""
    _setup_django()
    from django.urls import URLPattern, URLResolver
    from django.views.generic import RedirectView

    import selfservice.urls

    rows: list[tuple[str, str, list[str], str]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
                continue
            assert isinstance(entry, URLPattern)
            view = getattr(entry.callback, "view_class", None)
            if view is None:
                methods, doc = ["GET", "POST"], _first_paragraph(entry.callback.__doc__)
            elif issubclass(view, RedirectView):
                target = entry.callback.view_initkwargs.get("pattern_name", "")
                methods, doc = ["GET"], f"Redirects to `{target}`."
            else:
                methods = [m.upper() for m in view.http_method_names if m not in ("head", "options") and hasattr(view, m)]
                doc = _first_paragraph(view.__doc__)
            rows.append((prefix + str(entry.pattern), f"{namespace}{entry.name or ''}", methods, doc))

    walk(selfservice.urls.urlpatterns, "", "")
    return rows


def render_urls() -> str:
    rows = ["| path under the mount | name | methods | does |", "|---|---|---|---|"]
    for path, name, methods, doc in url_docs():
        shown = f"`{path}`" if path else "(the mount itself)"
        rows.append(f"| {shown} | `{name}` | {', '.join(methods)} | {_cell(doc)} |")
    return "\n".join(rows) + "\n"


# -- signals, adapter hooks, the emulator's control API --------------------------------------


def signal_docs() -> list[tuple[str, str]]:
    """``(name, comment block)`` for every ``name = Signal()`` in ``selfservice/signals.py``."""
    source = (PACKAGE / "signals.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "Signal":
            block, line = [], node.lineno - 2
            while line >= 0 and lines[line].lstrip().startswith("#"):
                text = lines[line].lstrip()
                block.insert(0, text[2:] if text.startswith("# ") else text[1:])
                line -= 1
            found.append((node.targets[0].id, "\n".join(block)))  # type: ignore[attr-defined]
    return found


def render_signals() -> str:
    parts = []
    for name, block in signal_docs():
        prose, _, arguments = block.partition("Arguments:")
        parts.append(f"### `{name}`\n\n{' '.join(prose.split())}\n")
        first, _, rest = arguments.partition("\n")
        if arguments.strip():
            listed = "\n".join(line for line in (first.strip(), textwrap.dedent(rest).rstrip()) if line)
            parts.append(f"Arguments:\n\n```text\n{listed}\n```\n")
    return "\n".join(parts)


def _members(cls: type) -> list[tuple[str, str, str]]:
    """``(name, signature, docstring)`` of the public methods and properties ``cls`` defines."""
    found = []
    for name, member in vars(cls).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, property):
            found.append((name, "", inspect.getdoc(member) or ""))
        elif inspect.isfunction(member):
            signature = str(inspect.signature(member)).replace("(self, ", "(").replace("(self)", "()")
            # Postponed annotations print as strings; a builtin default prints as <built-in ...>.
            signature = re.sub(r"(: |-> )'([^']*)'", r"\1\2", signature)
            signature = re.sub(r"<built-in function (\w+)>", r"\1", signature)
            found.append((cls.__name__ if name == "__init__" else name, signature, inspect.getdoc(member) or ""))
    return found


def _render_members(cls: type, prefix: str) -> str:
    parts = []
    for name, signature, doc in _members(cls):
        parts.append(f"#### `{prefix}{name}`\n\n```python\n{name}{signature}\n```\n\n{_rst(doc)}\n")
    return "\n".join(parts)


def render_adapter() -> str:
    _setup_django()
    from selfservice.adapter import DefaultAdapter

    source = inspect.getsource(DefaultAdapter)
    comments = _comments_by_line(source)
    attributes = []
    for node in ast.parse(source).body[0].body:  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            value = getattr(DefaultAdapter, target.id)  # type: ignore[attr-defined]
            attributes.append(f"#### `{target.id}`\n\nDefault: `{value!r}`\n\n{_rst(_comment_above(comments, node.lineno))}\n")  # type: ignore[attr-defined]
    return "\n".join([*attributes, _render_members(DefaultAdapter, "")])


def render_emulator() -> str:
    from selfservice.emulator import Emulator

    return _render_members(Emulator, "")


# -- templates, changelog --------------------------------------------------------------------


def template_docs() -> list[tuple[str, str]]:
    """``(template name, first paragraph of its leading comment)`` for every shipped template."""
    base = PACKAGE / "templates"
    found = []
    for path in sorted(base.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"\{% comment %\}(.*?)\{% endcomment %\}", text, re.DOTALL)
        doc = match.group(1).strip().split("\n\n", 1)[0] if match else ""
        found.append((path.relative_to(base).as_posix(), " ".join(doc.split())))
    return found


def render_templates() -> str:
    rows = ["| template | what it is |", "|---|---|"]
    for name, doc in template_docs():
        rows.append(f"| `{name}` | {html.escape(doc).replace('|', '&#124;') or '–'} |")
    return "\n".join(rows) + "\n"


def _docs_links(text: str) -> str:
    """Links of a root Markdown file, for a page in docs/: ``docs/x.md`` -> ``x.md``; links to
    the README's own anchors or other files of the checkout become plain text."""
    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        if target.startswith(("http://", "https://", "mailto:")):
            return match.group(0)
        if target.startswith("docs/"):
            return f"[{label}]({target.removeprefix('docs/')})"
        return label

    return re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", link, text)


def render_readme_setup() -> str:
    """The README's "Using the app in a site" text and snippets, up to its first subsection.

    The README's snippets are the ones a test pastes into a new site, so the quickstart shows
    exactly those instead of a copy that could drift.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Using the app in a site\n(.*?)(?=^##)", text, re.DOTALL | re.MULTILINE)
    if match is None:
        raise KeyError('README.md has no "## Using the app in a site" section')
    return _docs_links(match.group(1).strip()) + "\n"


def render_changelog() -> str:
    """``CHANGELOG.md`` from its first version heading on (the page has its own title and
    introduction), its links made fit for docs/."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    start = re.search(r"^## ", text, re.MULTILINE)
    return _docs_links(text[start.start():] if start else text)


RENDERERS: dict[str, Callable[[], str]] = {
    "readme-setup": render_readme_setup,
    "settings": render_settings,
    "checks": render_checks,
    "urls": render_urls,
    "signals": render_signals,
    "adapter": render_adapter,
    "emulator": render_emulator,
    "templates": render_templates,
    "changelog": render_changelog,
}


def render(markdown: str) -> str:
    """Replace every ``<!-- reference: NAME -->`` line; an unknown NAME raises."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in RENDERERS:
            raise KeyError(f"unknown reference part {name!r}; known: {', '.join(RENDERERS)}")
        return RENDERERS[name]()

    return MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """MkDocs event: fill the page's reference parts before it is rendered."""
    return render(markdown)
