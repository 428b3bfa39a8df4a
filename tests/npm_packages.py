"""npm packages for the tests that drive JavaScript no one here wrote (Node SDK, axe-core).

Each package is installed once with npm into a cache folder outside the checkout
(``$SELFSERVICE_NPM_CACHE``, else ``~/.cache/selfservice-npm``; the Node SDK check still honours
its older ``$SELFSERVICE_NODE_SDK_CACHE``), one folder per package and major, and reused by
later runs (delete it to pick up newer releases). Without node/npm or the registry the test
skips, unless ``CI=true``: CI must run it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NoReturn

import pytest

INSTALL_TIMEOUT_S = 300


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail under ``CI=true`` (where every step must run)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true, and CI must run this step")
    pytest.skip(reason)


def tool(name: str) -> str:
    """The path of ``node`` or ``npm``, or skip/fail."""
    path = shutil.which(name)
    if path is None:
        unavailable("node and npm are needed on PATH")
    return path


def _cache_root() -> Path:
    for variable in ("SELFSERVICE_NPM_CACHE", "SELFSERVICE_NODE_SDK_CACHE"):
        if os.environ.get(variable):
            return Path(os.environ[variable])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "selfservice-npm"


def installed_version(folder: Path, package: str) -> str | None:
    """The version of ``package`` in ``folder/node_modules``, or None."""
    try:
        return str(json.loads((folder / "node_modules" / package / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def npm_package(package: str, major: str) -> Path:
    """A folder holding ``node_modules/<package>`` of this major, installed once, outside the repo."""
    npm = tool("npm")
    root = _cache_root()
    folder = root / f"{package}-{major}"
    if (installed_version(folder, package) or "").startswith(f"{major}."):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{package}-{major}.", dir=root))
    (staging / "package.json").write_text('{"name": "selfservice-test-tools", "private": true}\n')
    try:
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", f"{package}@{major}"],
            cwd=staging, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False,
        )
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        unavailable(f"npm install {package}@{major} took over {INSTALL_TIMEOUT_S} s")
    if result.returncode != 0 or installed_version(staging, package) is None:
        shutil.rmtree(staging, ignore_errors=True)
        unavailable(f"npm install {package}@{major} failed: {result.stderr.strip()[-500:]}")
    shutil.rmtree(folder, ignore_errors=True)  # a broken or other-major leftover
    try:
        staging.rename(folder)  # atomic: a run installing at the same time keeps its own
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
