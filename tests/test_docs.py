"""The docs site (mkdocs.yml, docs/) stays whole: every page reachable, every default documented.

The site itself is built by CI (`mkdocs build --strict`, which needs the `docs` extra and fails on
broken links and anchors). These tests need no MkDocs: they read mkdocs.yml's nav as text and call
the build hook's renderers (docs/hooks/reference.py) directly, so a plain `pytest` catches a
page left out of the nav, a setting without a description, or a check id or setting name that a
page mentions but the code no longer has.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from selfservice.conf import DEFAULTS
from selfservice.core.problems import PROBLEMS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOK = DOCS / "hooks" / "reference.py"


@pytest.fixture(scope="module")
def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("selfservice_docs_reference", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages() -> dict[str, str]:
    """Every Markdown page of the site by its path under docs/ (the hooks folder is no page)."""
    return {
        path.relative_to(DOCS).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(DOCS.rglob("*.md"))
        if "hooks" not in path.relative_to(DOCS).parts
    }


def nav_entries() -> list[str]:
    """The page paths mkdocs.yml's nav names (``- Title: path.md`` lines under ``nav:``)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text.split("\nnav:\n", 1)[1]
    return re.findall(r"^\s*- [^\n]*?:\s*([\w./-]+\.md)\s*$", nav, re.MULTILINE)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    entries = nav_entries()
    assert len(entries) == len(set(entries)), "a page is in the nav twice"
    assert sorted(set(pages()) - set(entries)) == [], "add these pages to mkdocs.yml's nav"
    assert sorted(set(entries) - set(pages())) == [], "the nav names pages that do not exist"


def test_the_settings_page_documents_every_default(hook: ModuleType) -> None:
    assert "<!-- reference: settings -->" in pages()["reference/settings.md"]
    rendered = hook.render_settings()
    documented = {key: meaning for key, _default, meaning, _notes in hook.setting_docs()}
    assert list(documented) == list(DEFAULTS)
    for key in DEFAULTS:
        assert f"### `{key}`" in rendered, key
    undescribed = [key for key, meaning in documented.items() if len(meaning.split()) < 3]
    assert undescribed == [], "write a comment above these keys in selfservice/conf.py's DEFAULTS"


def test_the_settings_page_shows_each_default_value(hook: ModuleType) -> None:
    rendered = hook.render_settings()
    assert 'Default: `"selfservice.adapter.DefaultAdapter"`' in rendered
    assert "Default: `None`" in rendered
    for name, rate in DEFAULTS["RATELIMIT"].items():
        assert f'    "{name}": "{rate}",' in rendered, name


def test_every_check_id_is_in_the_checks_reference(hook: ModuleType) -> None:
    assert "<!-- reference: checks -->" in pages()["reference/checks.md"]
    rendered = hook.render_checks()
    for problem in PROBLEMS.values():
        assert f"### `{problem.id}` {{ #{hook.check_anchor(problem.id)} }}" in rendered
        assert f"*Fix:* {hook._prose(problem.hint)}" in rendered


def test_check_ids_and_settings_named_in_the_docs_exist() -> None:
    ids = {problem.id for problem in PROBLEMS.values()}
    for name, text in pages().items():
        named_ids = set(re.findall(r"selfservice\.[EW]\d{3}", text))
        assert named_ids <= ids, f"{name} names check ids the code does not have: {sorted(named_ids - ids)}"
        named_keys = set(re.findall(r'SELFSERVICE\["([A-Z0-9_]+)"\]', text))
        assert named_keys <= set(DEFAULTS), f"{name} names unknown settings: {sorted(named_keys - set(DEFAULTS))}"


def test_every_url_has_a_name_and_a_description(hook: ModuleType) -> None:
    assert "<!-- reference: urls -->" in pages()["reference/urls.md"]
    rows = hook.url_docs()
    assert {"general", "security", "sessions", "login", "logout"} <= {name for _path, name, _m, _doc in rows}
    assert [path for path, name, methods, doc in rows if not (name and methods and doc)] == []


def test_every_reference_part_is_used_and_an_unknown_one_fails(hook: ModuleType) -> None:
    used = {name for text in pages().values() for name in hook.MARKER.findall(text)}
    assert used == set(hook.RENDERERS)
    with pytest.raises(KeyError, match="unknown reference part"):
        hook.render("<!-- reference: nonsense -->\n")


def test_the_changelog_and_the_readme_setup_are_included(hook: ModuleType) -> None:
    changelog = hook.render_changelog()
    assert changelog.startswith("## [Unreleased]") or changelog.startswith("## ")
    assert "](docs/" not in changelog
    setup = hook.render_readme_setup()
    assert "```python" in setup and 'include("selfservice.urls")' in setup
    assert "](#" not in setup and "](docs/" not in setup  # README-only links become plain text


def test_python_snippets_in_the_docs_parse() -> None:
    fence = re.compile(r"^([ \t]*)```python\n(.*?)^\1```", re.DOTALL | re.MULTILINE)
    for name, text in pages().items():
        for match in fence.finditer(text):
            code = textwrap.dedent(match.group(2))
            # "..." standing for the reader's other entries ({..., "KEY": 1} or a "...," line) is
            # a documentation habit, not a mistake: drop it before parsing.
            code = re.sub(r"^[ \t]*\.\.\.,[ \t]*$", "", code, flags=re.MULTILINE)
            code = re.sub(r"([{\[(])\.\.\., ", r"\1", code)
            try:
                ast.parse(code)
            except SyntaxError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{name}: a python block does not parse: {exc}\n{code}")
