"""The package layout sites and newcomers rely on: public dotted paths, one package per feature.

- every ``selfservice.…`` dotted path the README names imports (sites paste them into settings);
- a login through either backend path stays signed in on the next request;
- no import cycle between the app's modules (a cycle breaks when an import order changes);
- at most 10 modules at the package root, none over 400 lines (migrations aside).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string
from social_core.backends import utils as social_backends

import selfservice
from selfservice.emulator import Emulator
from tests.login.test_login import SITE, login

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(selfservice.__file__).parent
# selfservice.E001-style check ids and "selfservice.*" wildcards are not importable paths.
DOTTED = re.compile(r"\bselfservice(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\.\*)?")
CHECK_ID = re.compile(r"^selfservice\.[EW]\d{3}$")
FILE_NAME = re.compile(r"\.(?:css|js|html|json|md|png|py|txt)$")  # selfservice.css is a file, not a path


def readme_paths() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {match.group(0) for match in DOTTED.finditer(text)}
    return sorted(path for path in found if not CHECK_ID.match(path) and not FILE_NAME.search(path))


def test_the_readme_names_the_public_paths() -> None:
    paths = readme_paths()
    for expected in (
        "selfservice.backends.Auth0OAuth2",
        "selfservice.pipeline.store_auth0_session",
        "selfservice.adapter.DefaultAdapter",
        "selfservice.urls",
        "selfservice.gateway.*",
        "selfservice.signals.*",
    ):
        assert expected in paths


@pytest.mark.parametrize("path", readme_paths())
def test_every_dotted_path_in_the_readme_imports(path: str) -> None:
    if path.endswith(".*"):
        module = import_module(path[:-2])
        exported = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        assert exported, f"{path}: nothing to import"
        for name in exported:
            assert hasattr(module, name), f"{path[:-2]}.{name} is in __all__ but missing"
        return
    try:
        import_module(path)
    except ImportError:
        import_string(path)  # module.attribute; raises ImportError when it is neither


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["selfservice.backends.Auth0OAuth2", "selfservice.login.backends.Auth0OAuth2"])
def test_a_login_through_either_backend_path_stays_signed_in(
    tenant: Emulator, settings, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    settings.SOCIAL_AUTH_AUTH0_BASE_URL = tenant.url
    settings.SOCIAL_AUTH_AUTH0_DOMAIN = tenant.url.split("//", 1)[1]
    settings.AUTHENTICATION_BACKENDS = [backend, "django.contrib.auth.backends.ModelBackend"]
    monkeypatch.setattr(social_backends, "BACKENDSCACHE", {})  # social-core loads backends once per process
    client = Client()
    with httpx.Client(base_url=tenant.url) as browser:
        login(client, browser, "alice@example.com")

    assert client.session["_auth_user_backend"] == backend
    response = client.get(reverse("selfservice:general"), **SITE)
    assert response.status_code == 200  # not sent back to the login page


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def runtime_imports(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Modules of the app that ``name`` imports when run (``if TYPE_CHECKING:`` blocks skipped)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for inner in ast.walk(node))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
            yield from submodules
            if len(submodules) < len(node.names) and base in known and base != name:
                yield base


def test_no_import_cycles_between_the_apps_modules() -> None:
    known = modules()
    graph = {name: set(runtime_imports(name, path, known)) - {name} for name, path in known.items()}
    cycles = []

    def visit(name: str, trail: list[str], done: set[str]) -> None:
        for target in sorted(graph[name]):
            if target in trail:
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in done:
                visit(target, [*trail, target], done)
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name], done)
    assert cycles == []


def test_the_package_root_stays_small_and_modules_stay_short() -> None:
    root_modules = sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py")
    assert len(root_modules) <= 10, root_modules
    long = {name: n for name, path in modules().items() if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
