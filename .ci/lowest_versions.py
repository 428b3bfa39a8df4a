"""Print pip constraints that hold each runtime dependency at the lowest version pyproject allows.

    python .ci/lowest_versions.py > lowest.txt && pip install -e ".[dev]" -c lowest.txt

Why: a floor nobody installs is a guess (social-auth-app-django said ``>=5.4`` while the login
code needed 8.0). ``.ci/run`` installs the package with every direct runtime dependency, and the
``csp`` and ``api`` extras a site adds, at its declared minimum, the test tools at their newest,
and runs the README's test command on that. Read from pyproject.toml, so a floor raised or
lowered there is the floor tested; a dependency without a minimum is an error.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
#: The extras a site installs beside the package (the others are for developing it).
SITE_EXTRAS = ("csp", "api")


def lowest(pyproject: Path = PYPROJECT) -> list[str]:
    """``name==version`` for every runtime dependency and site extra, at its declared minimum."""
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = [*project["dependencies"], *(r for extra in SITE_EXTRAS for r in project["optional-dependencies"][extra])]
    pins: dict[str, str] = {}
    for text in declared:
        requirement = Requirement(text)
        floors = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
        if not floors:
            raise SystemExit(f"{requirement.name} declares no minimum version in pyproject.toml")
        pins[requirement.name] = f"{requirement.name}=={max(floors)}"
    return sorted(pins.values(), key=str.lower)


if __name__ == "__main__":
    sys.stdout.write("".join(f"{pin}\n" for pin in lowest()))
