"""The built wheel ships what a site needs (templates, static, the emulator, py.typed) and no tests.

Tests run from the source tree, so only a real build proves the package data is in the wheel
(STYLE 8.1: our answer to django-htmx's ``package = wheel``). The wheel is built once per
session into a temporary folder, never into the checkout. CI also builds the sdist and runs
``twine check`` on both (.ci/run).
"""

from __future__ import annotations

import email
import importlib.util
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import selfservice

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    outdir = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")  # offline and fast when the backend is already installed
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [built] = outdir.glob("django_selfservice-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_wheel_ships_the_package_data(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert "selfservice/py.typed" in names
    assert "selfservice/__init__.py" in names
    for folder in ("selfservice/templates/", "selfservice/static/", "selfservice/emulator/"):
        assert any(name.startswith(folder) for name in names), f"nothing under {folder}"
    assert "selfservice/emulator/pytest_plugin.py" in names
    assert "selfservice/migrations/__init__.py" in names
    assert "selfservice/locale/es/LC_MESSAGES/django.mo" in names


def test_wheel_ships_no_tests_or_demo(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/", 1)[0] for name in wheel.namelist()}
    assert tops == {"selfservice", next(t for t in tops if t.endswith(".dist-info"))}
    assert not [name for name in wheel.namelist() if "__pycache__" in name or name.endswith(".pyc")]


def test_wheel_declares_the_pytest_plugin(wheel: zipfile.ZipFile) -> None:
    [entry_points] = [name for name in wheel.namelist() if name.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[pytest11]" in text
    assert "selfservice_emulator = selfservice.emulator.pytest_plugin" in text


def _source_files(folder: str, pattern: str = "*") -> set[str]:
    base = ROOT / "selfservice" / folder
    return {
        path.relative_to(ROOT).as_posix()
        for path in base.rglob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_ships_every_template_static_file_and_migration(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for folder, pattern in (("templates", "*.html"), ("static", "*"), ("migrations", "*.py")):
        expected = _source_files(folder, pattern)
        assert expected, f"no {pattern} under selfservice/{folder}"
        assert expected - names == set(), f"missing from the wheel: {sorted(expected - names)}"
    assert "selfservice/templates/selfservice/layouts/base.html" in names
    assert "selfservice/static/selfservice/selfservice.css" in names


def test_wheel_ships_a_compiled_catalog_for_every_translation(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    catalogs = _source_files("locale", "*.po")
    assert catalogs, "no translations under selfservice/locale"
    compiled = {name.removesuffix(".po") + ".mo" for name in catalogs}
    assert compiled - names == set(), f"compile these catalogs (compilemessages): {sorted(compiled - names)}"


def test_wheel_ships_the_example_preference_schema(wheel: zipfile.ZipFile) -> None:
    # `load_preference_schema --example` reads it from inside the installed package.
    assert "selfservice/preferences/example_schema.json" in wheel.namelist()


def test_the_version_is_defined_once(wheel: zipfile.ZipFile) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
    assert not re.search(r"^version\s*=", project, re.MULTILINE), "the version lives in selfservice/__init__.py"
    assert re.search(r'^dynamic = \[[^]]*"version"', project, re.MULTILINE)
    [metadata] = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    message = email.message_from_bytes(wheel.read(metadata))
    assert message["Version"] == selfservice.__version__
    assert wheel.filename is not None and f"-{selfservice.__version__}-" in Path(wheel.filename).name


def test_wheel_metadata_renders_on_pypi(wheel: zipfile.ZipFile) -> None:
    # What `twine check` looks at: a long description with a content type PyPI can render.
    [metadata] = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    message = email.message_from_bytes(wheel.read(metadata))
    assert message["Description-Content-Type"] == "text/markdown"
    assert "# selfservice" in message.get_payload()


def _lowest(pyproject: Path) -> subprocess.CompletedProcess[str]:
    script = ROOT / ".ci" / "lowest_versions.py"
    code = f"import runpy, sys; from pathlib import Path; print(*runpy.run_path({str(script)!r})['lowest'](Path({str(pyproject)!r})), sep='\\n')"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_ci_pins_every_runtime_dependency_and_site_extra_at_its_declared_floor(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\ndependencies = ["Django>=5.2,<6.2", "PyJWT[crypto]>=2.13", "qrcode>=7.4.2"]\n'
        '[project.optional-dependencies]\ncsp = ["django-csp>=4.0"]\napi = ["django-ninja>=1.5"]\ndev = ["pytest>=8"]\n'
    )

    pins = _lowest(pyproject)

    assert pins.returncode == 0, pins.stderr
    assert set(pins.stdout.split()) == {"Django==5.2", "django-csp==4.0", "django-ninja==1.5", "PyJWT==2.13", "qrcode==7.4.2"}


def test_ci_refuses_a_runtime_dependency_without_a_floor(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["Django>=5.2", "httpx"]\n'
                         '[project.optional-dependencies]\ncsp = []\napi = []\n')

    pins = _lowest(pyproject)

    assert pins.returncode != 0 and "httpx declares no minimum version" in pins.stderr


def test_the_real_floors_cover_every_declared_runtime_dependency() -> None:
    pins = _lowest(ROOT / "pyproject.toml")

    names = {line.split("==")[0].lower() for line in pins.stdout.split()}
    assert pins.returncode == 0, pins.stderr
    assert {"django", "auth0-python", "social-auth-app-django", "django-ninja", "django-csp", "httpx"} <= names
