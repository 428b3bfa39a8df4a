"""``--cache-outage START:END``: the site's Redis goes away mid-run and comes back empty (or hangs).

Why: docs/deployment.md says the pages keep working while the shared cache cannot be reached
(selfservice.core.shared_cache, selfservice.login.session_store). This measures it on the
production-shaped site: the run gets a Redis of its own (``redis-server`` on a free loopback
port, nothing saved), killed ``START`` seconds into the browsing phase and started again, empty,
at ``END``, as after a crash and restart. With ``--cache-hang`` it is stopped (SIGSTOP) and
continued instead: connections are accepted by the kernel but never answered, so every cache
call waits for its ``SOCKET_TIMEOUT``, as with a Redis host gone off the network; it comes back
with its data. The report splits the pages into before, during and
after the outage: every status, stale pages, users sent back to the login page, p50 / p99.
One host only (the namespaces forward the shared Redis's port).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from .driver import Load, Sample
from .processes import free_port, wait_for_port
from .report import percentile

__all__ = ["PrivateRedis", "parse", "report", "schedule"]


def parse(text: str) -> tuple[float, float]:
    """``"20:40"`` -> (20.0, 40.0): seconds into the browsing phase."""
    start, _, end = text.partition(":")
    begin, finish = float(start), float(end)
    if not 0 <= begin < finish:
        raise ValueError("--cache-outage is START:END with 0 <= START < END")
    return begin, finish


class PrivateRedis:
    """A redis-server of the run's own, on a free port: started, killed and started again."""

    def __init__(self, log_dir: Path, groups: list[int]) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("--cache-outage needs redis-server (apt-get install -y redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log_dir / "private-redis.log"
        self.groups = groups  # the run's leftover check looks at every group started
        self.process: subprocess.Popen[bytes] | None = None
        self.events: list[tuple[str, float]] = []

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        self.groups.append(self.process.pid)
        wait_for_port("127.0.0.1", self.port, 10, self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a stopped process would not die before it
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=5)

    def pause(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)


def schedule(redis: PrivateRedis, load: Load, start: float, end: float, hang: bool = False) -> threading.Thread:
    """Kill ``redis`` at ``start`` s of the browsing phase and start it again at ``end`` (or stop and continue it)."""
    steps = ((start, redis.pause, "stopped"), (end, redis.resume, "continued")) if hang else (
        (start, redis.kill, "killed"), (end, redis.start, "started"))

    def run() -> None:
        while not hasattr(load, "t0"):  # set when the phase begins
            if load.stopped.wait(0.05):
                return
        for at, action, name in steps:
            if load.stopped.wait(max(load.t0 + at - time.monotonic(), 0)):
                return
            action()
            redis.events.append((name, time.monotonic() - load.t0))

    thread = threading.Thread(target=run, name="cache-outage", daemon=True)
    thread.start()
    return thread


def report(samples: Sequence[Sample], events: Sequence[tuple[str, float]], start: float, end: float) -> str:
    """Markdown: the pages of each phase (by when they were asked for)."""
    hang = any(name == "stopped" for name, _ in events)
    killed = next((at for name, at in events if name in ("killed", "stopped")), start)
    back = next((at for name, at in events if name in ("started", "continued")), end)
    phases = (("before", lambda s: s.started < killed),
              ("Redis hanging" if hang else "Redis down", lambda s: killed <= s.started < back),
              ("after" if hang else "after (empty Redis)", lambda s: s.started >= back))
    title = (f"stopped (hanging) at {killed:.1f} s, continued at {back:.1f} s" if hang
             else f"killed at {killed:.1f} s, started again (empty) at {back:.1f} s")
    lines = [
        f"#### The site's Redis {title}",
        "",
        "| phase | pages | 200 | of them stale | 429 / 503 | 5xx other | failed | sent to login | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, within in phases:
        rows = [s for s in samples if within(s)]
        times = [s.ms for s in rows]
        lines.append(
            f"| {label} | {len(rows)} | {sum(s.status == 200 for s in rows)} | {sum(s.stale for s in rows)} "
            f"| {sum(s.status in (429, 503) for s in rows)} | {sum(s.status >= 500 and s.status != 503 for s in rows)} "
            f"| {sum(s.status == 0 for s in rows)} | {sum(s.signed_out for s in rows)} "
            f"| {percentile(times, 0.5):.0f} | {percentile(times, 0.99):.0f} |"
        )
    return "\n".join(lines) + "\n"
