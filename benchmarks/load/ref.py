"""Run the harness against another revision of the app: ``--ref HEAD`` (or any commit).

Why: "before" numbers must come from the code before a change, while the harness itself (and
the working tree) moves on. ``git archive`` exports the revision to a temporary directory
(read-only for the repository: no checkout, no stash), the current ``benchmarks/load`` is
copied in, and the harness runs there, so the site, the emulator and ``prepare`` all import
that revision's ``selfservice`` and ``demo_project`` (its directory comes first on
``sys.path``, before the editable install's).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def code_version(root: Path = ROOT) -> str:
    """What code a run measures: commit (+ "with uncommitted changes outside benchmarks/")."""
    marker = root / ".selfservice-load-ref"
    if marker.exists():
        return marker.read_text().strip()
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", ".", ":!benchmarks"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"the tree at {root}"
    return f"working tree at {commit}" + (" with uncommitted changes" if dirty else "")


def machine() -> str:
    """CPUs, memory, kernel, Python and the load average now: what the numbers depend on."""
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path("/proc/meminfo").read_text().split()
        memory = f"{int(fields[fields.index('MemTotal:') + 1]) / 1024 / 1024:.1f} GiB"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs, {memory} RAM, Linux {os.uname().release}, "
            f"Python {sys.version.split()[0]}, load average at start {load}")


def run_at(ref: str, argv: list[str]) -> int:
    """Export ``ref``, run ``python -m benchmarks.load.run ARGV`` there, delete the export."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", f"{ref}^{{commit}}"],
                            capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    export = Path(tempfile.mkdtemp(prefix=f"selfservice-load-{commit}-"))
    try:
        archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", "--format=tar", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(export)], stdin=archive.stdout, check=True, timeout=120)
        if archive.wait(timeout=60) != 0:
            raise RuntimeError(f"git archive {commit} failed")
        shutil.copytree(HERE, export / "benchmarks" / "load", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
        (export / ".selfservice-load-ref").write_text(f"commit {commit} ({ref})\n")
        # Its own database: another revision may have other migrations.
        env = {**os.environ, "PYTHONPATH": str(export), "SELFSERVICE_BENCH_DB": f"selfservice_bench_{commit}"}
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.load.run", *argv], cwd=export, env=env)
        # Ctrl-C reaches the child too (same process group); the child cleans up, we wait for it.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        forward = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
        try:
            return child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, forward)
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(export)
