"""The built wheel ships what a site needs (templates, static, the emulator, py.typed) and no tests.

Tests run from the source tree, so only a real build proves the package data is in the wheel
(STYLE 8.1: our answer to django-htmx's ``package = wheel``).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
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
