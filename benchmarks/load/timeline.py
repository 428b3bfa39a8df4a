"""When things happened: the tenant's log polled during the load phase, and the figures that need times.

The emulator's request log has no timestamps, so a :class:`Poller` thread asks for it every
``interval`` seconds (``GET /__emulator__/requests``; the log only grows during the phase) and
stamps the entries it has not seen with the midpoint between the two polls, which is within
``interval / 2`` of when the tenant logged them. The same thread samples every gunicorn worker's
RSS every ``rss_every`` seconds with the number of pages asked for so far (``--requests``).

From the stamped log and the driver's samples this module computes what the read cache and the
budget are judged by: when every user had read every tab once (the cold start), how many pages
were busy before that, how much of the plan's allowance the cold start spent, the share of 200s
once a user's tabs had all been read, and Auth0's 429s per reset window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from .driver import TABS, Sample
from .processes import rss_kib
from .tenant import PLANS, TenantControl, bucket_for

BUSY = (429, 503)


class Poller:
    """Stamps the tenant's log entries and samples worker RSS while the load runs."""

    def __init__(self, url: str, workers: Callable[[], list[int]], progress: Callable[[], int],
                 interval: float = 0.25, rss_every: float = 5.0) -> None:
        self.control = TenantControl(url)
        self.workers, self.progress = workers, progress
        self.interval, self.rss_every = interval, rss_every
        self.entries: list[dict[str, Any]] = []  # log entries + "at" (monotonic seconds)
        self.rss: list[dict[str, Any]] = []  # {"at", "requests", "kib": {pid: KiB}}
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tenant-poller", daemon=True)
        self._last = time.monotonic()

    def start(self) -> None:
        self._last = time.monotonic()
        self._sample_rss()
        self._thread.start()

    def stop(self) -> None:
        """Stop polling, then one last poll and RSS sample (idempotent; the cleanup calls it too)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._poll()
        self._sample_rss()
        self.control.close()

    def _run(self) -> None:
        next_rss = time.monotonic() + self.rss_every
        while not self._stop.wait(self.interval):
            self._poll()
            if time.monotonic() >= next_rss:
                self._sample_rss()
                next_rss += self.rss_every

    def _poll(self) -> None:
        try:
            log = self.control.requests()
        except Exception:  # a missed poll only widens the next stamp's interval
            self.errors += 1
            return
        now = time.monotonic()
        at = (self._last + now) / 2
        self.entries.extend({**entry, "at": at} for entry in log[len(self.entries):])
        self._last = now

    def _sample_rss(self) -> None:
        self.rss.append({"at": time.monotonic(), "requests": self.progress(),
                         "kib": {pid: rss_kib(pid) for pid in self.workers()}})

    def relative(self, t0: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Entries and RSS samples with ``t`` in seconds since the load phase began."""
        entries = [{**{k: v for k, v in e.items() if k != "at"}, "t": round(e["at"] - t0, 3)} for e in self.entries]
        rss = [{"t": round(r["at"] - t0, 3), "requests": r["requests"], "kib": r["kib"]} for r in self.rss]
        return entries, rss


def warm_stats(samples: Sequence[Sample], users: int) -> dict[str, Any]:
    """The cold start as a whole, and what users saw once each of their tabs had been read once.

    A user is "warm" from the end of the request that completed their set of four tabs answered
    200; every later request of theirs counts in ``after``. ``cold_end_s`` is when the last user
    became warm (seconds since the phase began; inf: not everyone did). Busy pages "in the cold
    start" are a user's busy pages before they became warm (all of them for a user who never did).
    """
    seen: dict[int, set[str]] = defaultdict(set)
    warm_at: dict[int, float] = {}
    busy_cold = 0
    after: dict[int, list[Sample]] = defaultdict(list)
    before: dict[int, list[Sample]] = defaultdict(list)
    for sample in sorted(samples, key=lambda s: s.started):
        if sample.user in warm_at:
            after[sample.user].append(sample)
            continue
        before[sample.user].append(sample)
        busy_cold += sample.status in BUSY
        if sample.status == 200:
            seen[sample.user].add(sample.tab)
            if len(seen[sample.user]) == len(TABS):
                warm_at[sample.user] = sample.started + sample.ms / 1000
    later = [s for rows in after.values() for s in rows]
    share = (lambda n: 100.0 * n / len(later)) if later else (lambda n: 0.0)
    per_user = [100.0 * sum(s.status == 200 for s in rows) / len(rows) for rows in after.values() if rows]
    return {
        "warm_users": len(warm_at), "users": users,
        "cold_end_s": max(warm_at.values()) if len(warm_at) == users else math.inf,
        "busy_cold": busy_cold,
        "after_pages": len(later),
        "after_ok_pct": share(sum(s.status == 200 for s in later)),
        "after_stale_pct": share(sum(s.stale for s in later)),
        "after_busy": sum(s.status in BUSY for s in later),
        "after_other": sum(s.status not in (200, *BUSY) for s in later),
        "after_worst_user_ok_pct": min(per_user, default=100.0),
        "after_p50_ms": _rank([s.ms for s in later], 0.50), "after_p99_ms": _rank([s.ms for s in later], 0.99),
        "cold_p50_ms": _rank([s.ms for rows in before.values() for s in rows], 0.50),
    }


def _rank(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile, as ``report.percentile`` (0 for no values)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)] if ordered else 0.0


def budget_during(entries: Sequence[dict[str, Any]], plan: str, until_s: float) -> dict[str, Any]:
    """Management calls the tenant logged in ``[0, until_s]`` against what the plan allows then.

    Per bucket too: on Essentials the cold start is bound by the ``other`` bucket (sessions and
    authentication methods, 2.5/s) while ``users.read`` has room to spare, so the sum hides it.
    """
    management = [e for e in entries if str(e["path"]).startswith("/api/v2/") and e["t"] <= until_s]
    used: dict[str, int] = defaultdict(int)
    for entry in management:
        used[bucket_for(plan, str(entry["method"]), str(entry["path"])).name] += 1
    span = max(until_s, 0.0)
    buckets = {b.name: {"calls": used[b.name], "allows": b.allows(span),
                        "share_pct": 100.0 * used[b.name] / b.allows(span)} for b in PLANS[plan] if used.get(b.name)}
    allows = sum(b["allows"] for b in buckets.values())
    return {"until_s": until_s, "calls": len(management), "allows": allows, "buckets": buckets,
            "share_pct": 100.0 * len(management) / allows if allows else 0.0}


def limited_per_window(entries: Sequence[dict[str, Any]], plan: str) -> dict[str, dict[str, Any]]:
    """Per bucket: Auth0's 429s, and the most in any window as long as the bucket takes to refill.

    The window is ``burst / rate`` (Free: 1 s; Essentials users.read 4.8 s, other 4 s), the
    longest ``x-ratelimit-reset`` the bucket can announce. The stamps' error (``interval / 2``)
    can only put more 429s into one window, never fewer.
    """
    result: dict[str, dict[str, Any]] = {}
    for bucket in PLANS[plan]:
        window = bucket.burst / bucket.per_second
        times = sorted(e["t"] for e in entries if str(e["path"]).startswith("/api/v2/") and e["status"] == 429
                       and bucket_for(plan, str(e["method"]), str(e["path"])).name == bucket.name)
        most = max((sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times)), default=0)
        result[bucket.name] = {"limited": len(times), "window_s": window, "most_in_window": most}
    return result


def timed_stats(samples: Sequence[Sample], entries: Sequence[dict[str, Any]], plan: str, users: int,
                seconds: float) -> dict[str, Any]:
    """Everything above for one run (``entries`` stamped with ``t``; empty when not polled)."""
    warm = warm_stats(samples, users)
    cold_end = warm["cold_end_s"]
    budget = budget_during(entries, plan, cold_end if math.isfinite(cold_end) else seconds) if entries else None
    calls = sum(1 for e in entries if str(e["path"]).startswith("/api/v2/"))
    if budget is not None:
        budget["share_of_run_calls_pct"] = 100.0 * budget["calls"] / calls if calls else 0.0
        budget["whole_run"] = not math.isfinite(cold_end)
    return {"warm": warm, "cold_budget": budget, "limited": limited_per_window(entries, plan) if entries else None}


def rss_milestones(rss: Sequence[dict[str, Any]], marks: Sequence[int] = (0, 1000, 2500, 5000, 7500, 10000)
                   ) -> list[dict[str, Any]]:
    """The first RSS sample at or past each number of requests (for ``--requests``)."""
    rows = []
    for mark in marks:
        found = next((r for r in rss if r["requests"] >= mark), None)
        if found is not None and (not rows or rows[-1]["requests"] != found["requests"]):
            rows.append(found)
    if rss and (not rows or rows[-1] is not rss[-1]):
        rows.append(rss[-1])
    return rows
