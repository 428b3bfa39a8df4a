"""Turn a run's samples and the tenant's request log into the tables RESULTS.md records.

Kept apart from the driver so the numbers are computed one way for every mode (one host, two
hosts, three clicking users) and can be recomputed from a run's saved files:
``python -m benchmarks.load.report /tmp/selfservice-load-XXXX``.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .driver import TABS, Sample
from .tenant import PLANS, bucket_for
from .timeline import rss_milestones, timed_stats

BUSY = (429, 503)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values): p99 of 100 samples is the 99th smallest."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def page_stats(samples: Sequence[Sample], seconds: float) -> dict[str, Any]:
    """What the users saw: counts, shares and latency of a set of page requests."""
    total = len(samples)
    statuses = Counter(s.status for s in samples)
    ms = [s.ms for s in samples]
    share = (lambda n: 100.0 * n / total) if total else (lambda n: 0.0)
    errors = sum(n for code, n in statuses.items() if code >= 500 and code != 503)
    ok = statuses.get(200, 0)
    return {
        "requests": total,
        "per_second": total / seconds if seconds else 0.0,
        "ok_pct": share(ok),
        "stale_pct": share(sum(1 for s in samples if s.stale)),
        "busy_pct": share(sum(statuses.get(code, 0) for code in BUSY)),
        "errors_5xx": errors,
        "signed_out": sum(1 for s in samples if s.signed_out),
        "other": total - ok - sum(statuses.get(code, 0) for code in BUSY) - errors,
        "statuses": dict(sorted(statuses.items())),
        "busy_causes": dict(Counter(s.cause or "?" for s in samples if s.status in BUSY).most_common()),
        "p50_ms": percentile(ms, 0.50),
        "p99_ms": percentile(ms, 0.99),
        "ok_p50_ms": percentile([s.ms for s in samples if s.status == 200], 0.50),
    }


def cold_start(samples: Iterable[Sample], users: int) -> dict[str, Any]:
    """Per user: seconds from their first request until every tab had been answered 200 once.

    A user who never got there counts as infinitely slow, so p50/max say "never" rather than
    quietly describing only the lucky few.
    """
    first: dict[int, float] = {}
    seen: dict[int, set[str]] = defaultdict(set)
    done: dict[int, float] = {}
    for sample in sorted(samples, key=lambda s: s.started):
        first.setdefault(sample.user, sample.started)
        if sample.status == 200 and sample.user not in done:
            seen[sample.user].add(sample.tab)
            if len(seen[sample.user]) == len(TABS):
                done[sample.user] = sample.started + sample.ms / 1000 - first[sample.user]
    times = list(done.values()) + [math.inf] * (users - len(done))
    return {"users": users, "fastest_s": min(times, default=0.0), "p50_s": percentile(times, 0.5), "p90_s": percentile(times, 0.9),
            "max_s": max(times, default=0.0), "never": users - len(done)}


def upstream_stats(log: Sequence[dict[str, Any]], plan: str, seconds: float) -> dict[str, Any]:
    """Management calls (``/api/v2/``), 429s, token calls, and each bucket against the plan."""
    management = [e for e in log if str(e["path"]).startswith("/api/v2/")]
    buckets: dict[str, dict[str, Any]] = {
        b.name: {"calls": 0, "limited": 0, "allowed": b.allows(seconds)} for b in PLANS[plan]}
    for entry in management:
        row = buckets[bucket_for(plan, str(entry["method"]), str(entry["path"])).name]
        row["calls"] += 1
        row["limited"] += entry["status"] == 429
    for row in buckets.values():
        row["within"] = row["calls"] <= row["allowed"]
    served = [e for e in management if e["status"] != 429]
    return {
        "calls": len(management),
        "limited": sum(1 for e in management if e["status"] == 429),
        "served": len(served),
        "per_second": len(management) / seconds if seconds else 0.0,
        "budget": sum(b["allowed"] for b in buckets.values() if b["calls"]) or buckets[PLANS[plan][0].name]["allowed"],
        "within": all(b["within"] for b in buckets.values()),
        "token_calls": sum(1 for e in log if e["path"] == "/oauth/token"),
        "by_endpoint": dict(Counter(f"{e['method']} {_shape(str(e['path']))}" for e in management).most_common()),
        "buckets": buckets,
    }


def _shape(path: str) -> str:
    """``/api/v2/users/auth0|load-07/sessions`` -> ``/api/v2/users/{id}/sessions`` (for counting)."""
    parts = path.split("/")
    for index in range(4, len(parts)):
        if parts[index - 1] in ("users", "sessions", "authentication-methods", "enrollments"):
            parts[index] = "{id}"
    return "/".join(parts)


def summarize(samples: Sequence[Sample], log: Sequence[dict[str, Any]], *, plan: str, seconds: float,
              users: int, entries: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Everything the report prints, as plain data (saved as JSON beside the log files).

    ``entries``: the tenant's log stamped with seconds since the phase began (``timeline.Poller``).
    """
    hosts = sorted({s.served_by for s in samples if s.served_by})
    return {
        "timed": timed_stats(samples, entries, plan, users, seconds),
        "pages": page_stats(samples, seconds),
        "tabs": {tab: page_stats([s for s in samples if s.tab == tab], seconds) for tab in TABS},
        "modes": {mode: page_stats([s for s in samples if s.htmx == (mode == "htmx")], seconds)
                  for mode in ("page", "htmx")},
        "hosts": {host: page_stats([s for s in samples if s.served_by == host], seconds) for host in hosts},
        "cold_start": cold_start(samples, users),
        "upstream": upstream_stats(log, plan, seconds),
    }


def _page_row(label: str, p: dict[str, Any]) -> str:
    return (f"| {label} | {p['requests']} | {p['per_second']:.1f} | {p['ok_pct']:.1f} % | {p['stale_pct']:.1f} % | "
            f"{p['busy_pct']:.1f} % | {p['errors_5xx']} | {p['other']} | {p['p50_ms']:.0f} | {p['p99_ms']:.0f} |")


PAGE_HEADER = ("| {what} | requests | req/s | 200 | stale | busy (429/503) | other 5xx | other | p50 ms | p99 ms |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def render(summary: dict[str, Any], run: dict[str, Any]) -> str:
    """Markdown tables for one run (what RESULTS.md pastes)."""
    up, cold, pages = summary["upstream"], summary["cold_start"], summary["pages"]
    lines = [
        f"### {run['title']}",
        "",
        f"{run['users']} users, {run['seconds']:.0f} s, think {run['think_ms']} ms, tenant latency {run['latency_ms']} ms, "
        f"rate limit: {run['rate_limit']}, " + (f"site budget (MANAGEMENT_BUDGET): {run['budget']}, " if "budget" in run else "")
        + (f"{run['warm']} user(s) warm at the start (every tab read once before the window), " if run.get("warm") else "")
        + (f"stopped after {run['max_requests']} requests, " if run.get("max_requests") else "")
        + (f"clients: {run['clients']}, " if run.get("clients") else "")
        + (f"page request limits: {run['request_limits']}, " if run.get("request_limits") else "")
        + f"{run['hosts']} host(s) x {run['workers']} workers x {run['threads']} threads; "
        f"code: {run.get('code', '?')}" + (f"; tenant: {run['tenant_code']}" if run.get("tenant_code", "same") != "same" else ""),
        "",
        f"Machine: {run.get('machine', '?')}",
        "",
        PAGE_HEADER.format(what="pages"),
        _page_row("all", pages),
        *(_page_row(mode, p) for mode, p in summary["modes"].items()),
        *(_page_row(tab, p) for tab, p in summary["tabs"].items()),
    ]
    if summary["hosts"]:
        lines += ["", PAGE_HEADER.format(what="served by"),
                  *(_page_row(f"host {h}", p) for h, p in summary["hosts"].items())]
    lines += [
        "",
        "| Management calls | 429s | served | calls/s | plan allows in the run (burst + rate x s) | calls within plan | token calls |",
        "|---:|---:|---:|---:|---:|---|---:|",
        f"| {up['calls']} | {up['limited']} | {up['served']} | {up['per_second']:.2f} | {up['budget']:.0f} | "
        f"{'yes' if up['within'] else 'no'} | {up['token_calls']} |",
    ]
    if len(up["buckets"]) > 1:
        lines += ["", "| bucket | calls | 429s | allows | within |", "|---|---:|---:|---:|---|",
                  *(f"| {name} | {b['calls']} | {b['limited']} | {b['allowed']:.0f} | {'yes' if b['within'] else 'no'} |"
                    for name, b in up["buckets"].items())]
    lines += [
        "",
        "| cold start: first time all four tabs read (200) | fastest s | p50 s | p90 s | max s | never in the run |",
        "|---|---:|---:|---:|---:|---:|",
        f"| {cold['users']} users | {_seconds(cold.get('fastest_s'))} | {_seconds(cold['p50_s'])} | {_seconds(cold.get('p90_s'))} | "
        f"{_seconds(cold['max_s'])} | {cold['never']} |",
        "",
        *_timed_lines(summary.get("timed")),
        "",
        "Management calls by endpoint: " + ", ".join(f"`{k}` {v}" for k, v in up["by_endpoint"].items()),
        f"Statuses seen: {pages['statuses']}; signed out mid-run: {pages['signed_out']}; busy pages by cause: "
        + (", ".join(f"{cause} {n}" for cause, n in pages.get("busy_causes", {}).items()) or "none"),
    ]
    if run.get("rss"):
        lines += ["", "| worker | host | VmRSS before MiB | after MiB |", "|---|---|---:|---:|",
                  *(f"| {w['pid']} | {w['host']} | {_mib(w['before'])} | {_mib(w['after'])} |" for w in run["rss"])]
    if run.get("max_requests") and run.get("rss_timeline"):
        lines += ["", "| RSS while serving (--requests) | requests asked for | s | " + " | ".join(
                  f"worker {pid} MiB" for pid in run["rss_timeline"][0]["kib"]) + " |",
                  "|---|---:|---:|" + "---:|" * len(run["rss_timeline"][0]["kib"]),
                  *(f"| | {r['requests']} | {max(r['t'], 0):.0f} | " + " | ".join(_mib(v) for v in r["kib"].values()) + " |"
                    for r in rss_milestones(run["rss_timeline"]))]
    if run.get("backchannel"):
        check = run["backchannel"]
        lines += ["", f"Back-channel logout check (sign in via {check['first']}, revoke at the tenant, ask "
                      f"{check['second']}): **{'pass' if check['passed'] else 'FAIL'}** "
                      f"(before: {check.get('before')}; revoke: {check.get('revoke_status')}; "
                      f"delivery: {check.get('backchannel')}; after: {check.get('after')}"
                      f"{'; error: ' + check['error'] if check.get('error') else ''})"]
    if run.get("failures"):
        lines += ["", f"Driver failures ({len(run['failures'])}): " + "; ".join(run["failures"][:5])]
    return "\n".join(lines) + "\n"


def _timed_lines(timed: dict[str, Any] | None) -> list[str]:
    """The figures that need times: cold start as a whole, after it, budget spent, 429s per window."""
    if not timed:
        return []
    warm, budget, limited = timed["warm"], timed["cold_budget"], timed["limited"]
    lines = [
        "",
        "| everyone's tabs read once at (s) | users warm | busy pages before a user was warm | p50 ms before | "
        "pages after | 200 after (fresh or stale) | stale after | busy after | other after | worst user's 200 after | "
        "p50 / p99 ms after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {_seconds(warm['cold_end_s'])} | {warm['warm_users']} of {warm['users']} | {warm['busy_cold']} | "
        f"{warm.get('cold_p50_ms', 0):.0f} | {warm['after_pages']} | {warm['after_ok_pct']:.2f} % | "
        f"{warm['after_stale_pct']:.1f} % | {warm['after_busy']} | {warm['after_other']} | "
        f"{warm['after_worst_user_ok_pct']:.1f} % | {warm.get('after_p50_ms', 0):.0f} / {warm.get('after_p99_ms', 0):.0f} |",
    ]
    if budget:
        span = "the whole run (the cold start did not end)" if budget["whole_run"] else f"0-{budget['until_s']:.1f} s"
        per_bucket = ""
        if len(budget.get("buckets", {})) > 1:
            per_bucket = " Per bucket: " + ", ".join(f"{name} {b['calls']} of {b['allows']:.0f} ({b['share_pct']:.0f} %)"
                                                     for name, b in budget["buckets"].items()) + "."
        lines += ["", f"Budget during the cold start ({span}): {budget['calls']} Management calls of "
                      f"{budget['allows']:.0f} the plan allows in it ({budget['share_pct']:.0f} %), "
                      f"{budget['share_of_run_calls_pct']:.0f} % of the run's calls.{per_bucket}"]
    if limited:
        lines += ["", "Auth0 429s per reset window (burst / rate): " + ", ".join(
            f"{name} {b['limited']} in all, at most {b['most_in_window']} in {b['window_s']:.1f} s"
            for name, b in limited.items())]
    return lines


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return "never" if math.isinf(value) else f"{value:.2f}"


def _mib(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f}"


def rerender(run_dir: Path) -> str:
    """The report of a finished run from its saved files (after changing how a number is computed)."""
    saved = json.loads((run_dir / "summary.json").read_text())
    samples = [Sample(**item) for item in json.loads((run_dir / "samples.json").read_text())]
    run, old = saved["run"], saved["summary"]
    log_file = run_dir / "log.json"
    plan = str(run.get("preset") or ("essentials" if len(old["upstream"]["buckets"]) > 1 else "free"))
    timeline = run_dir / "timeline.json"
    entries = json.loads(timeline.read_text())["entries"] if timeline.exists() else []
    summary = summarize(samples, json.loads(log_file.read_text()) if log_file.exists() else [],
                        plan=plan, seconds=run["seconds"], users=run["users"], entries=entries)
    if not log_file.exists():
        summary["upstream"] = old["upstream"]
    return render(summary, run)


if __name__ == "__main__":
    for directory in sys.argv[1:]:
        print(rerender(Path(directory)))
