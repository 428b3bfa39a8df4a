"""Child processes of a run: start each in its own process group, wait for it, always stop it.

Why process groups: gunicorn forks workers and socat forks one child per connection, so
stopping the pid we started is not enough. Each child is the leader of its own group, and
:meth:`Children.stop_all` signals exactly those groups (TERM, then KILL), never anything by
name. The registry is an :class:`contextlib.ExitStack` callback, so Ctrl-C, a failure or the
hard timeout all end in the same cleanup.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen[bytes] | None = None,
                  netns: str | None = None) -> None:
    """Return once ``host:port`` accepts connections; fail early when ``process`` died.

    In a namespace the probe runs there (``ip netns exec NS`` + bash's /dev/tcp), because the
    address may only exist inside it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before listening on {host}:{port}")
        if netns is None:
            with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
                return
        else:
            probe = subprocess.run(["ip", "netns", "exec", netns, "bash", "-c", f"exec 3<>/dev/tcp/{host}/{port}"],
                                   capture_output=True, timeout=5, check=False)
            if probe.returncode == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on {host}:{port} within {timeout:.0f} s")


@dataclass
class Children:
    """Every process a run started, stopped in reverse order."""

    logs: Path
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)  # every group ever started, for the leftover check

    def start(self, name: str, argv: Sequence[str], env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        """Start ``argv`` as a new process group; stdout and stderr go to ``logs/<name>.log``."""
        log = (self.logs / f"{name}.log").open("wb")
        try:
            process = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=env, cwd=cwd, start_new_session=True)
        finally:
            log.close()  # the child holds its own descriptor
        self.started.append((name, process))
        self.groups.append(process.pid)
        return process

    def stop_all(self) -> None:
        """TERM every group we started (newest first), give them 5 s, then KILL what is left."""
        for _name, process in reversed(self.started):
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for _name, process in reversed(self.started):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        for _name, process in reversed(self.started):
            _signal_group(process, signal.SIGKILL)  # also reaps forked children left in the group
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)
        self.started.clear()

    def check_alive(self) -> None:
        """Fail loudly when a service died mid-run (its log says why)."""
        for name, process in self.started:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.logs / (name + '.log')}")


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)  # the child is its group's leader (start_new_session)


def leftovers(groups: Sequence[int]) -> list[int]:
    """Live (not zombie) processes whose process group is one of ``groups``, from /proc."""
    wanted = set(groups)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) in wanted:  # state, ppid, pgrp, ...
                found.append(int(entry.name))
    return sorted(found)


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers of a master), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    """VmRSS of a process in KiB (None when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
