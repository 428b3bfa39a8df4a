"""Where a tab's server time goes: the view vs the bare template render vs static bytes (ratios).

    python -m benchmarks.bench_render [--rounds 300] [--user auth0|carol]

For each tab, as a full page and as an htmx partial, three requests go through the same Django
handler (every middleware, the same signed-in session), interleaved in one run:

- **tab**: the real view, on a warm read cache (the copies stay fresh for the whole run, so no
  Auth0 call is made and the time is the site's own);
- **bare**: the same template rendered from a plain dict of the same context: the dict the view
  handed its TemplateResponse, captured once before rendering and deep-copied for every round
  outside the timed part, so each render starts from objects nobody rendered yet;
- **static**: the tab's bytes returned as a plain HttpResponse.

Neither bare nor static touches the session unless its template does, while every tab checks
the login (session + user from the database). So both are also timed with that check first
(``+ login``): then tab / bare is the view's own work (the Auth0 id, the read cache, building the
context) and bare / static the template's.

Server time is ``BaseHandler.get_response`` (request in, response out, rendering included),
without the test client's own work. Each round times the three in a rotating order; a row's
ratios are the medians over all rounds of that round's tab/bare and bare/static.
Targets (benchmarks/RESULTS.md): tab <= 1.2x bare, bare <= 3x static.

Sessions are ``cached_db`` (``selfservice.login.session_store``, as docs/deployment.md
recommends: Django's ``cached_db`` that survives a cache outage; the login check then reads the
session from the cache); ``--sessions django.contrib.sessions.backends.db`` measures the plain
database engine, which earlier tables used.

``--no-gc`` turns Python's cyclic garbage collector off for the timed rounds. A collection
pauses whichever request happens to run, so in two processes (two versions of the code) every
kind of request also pays for the other kinds' garbage; without it the before/after ratios
compare the work itself.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_render.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.core.handlers.base import BaseHandler  # noqa: E402
from django.template.response import SimpleTemplateResponse  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from benchmarks import inprocess  # noqa: E402
from benchmarks import render_urls as bench_urls  # noqa: E402
from selfservice.emulator import Emulator  # noqa: E402

URLCONF = "benchmarks.render_urls"
WARM = {"READ_CACHE_TTL": {"user": 86400, "methods": 86400, "sessions": 86400}, "FACTORS_CACHE_TTL": 86400}
# What differs between two renders of one context: CSRF tokens, signed form state, "as of" seconds.
PER_REQUEST = re.compile(rb'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": ?|name="_state" value=|datetime=)"[^"]*"')
KINDS = ("tab", "bare", "static", "bare_login", "static_login")
#: What docs/deployment.md recommends: the session from the cache, the database on a miss.
SESSION_ENGINE = "selfservice.login.session_store"


class Server(BaseHandler):
    """Django's request handling without WSGI: middleware, URL resolution, view, rendering."""

    def __init__(self, client: Any) -> None:
        super().__init__()
        self.load_middleware()
        self.factory = RequestFactory()
        self.factory.cookies = client.cookies  # the signed-in session

    def time(self, url: str, headers: dict[str, str]) -> tuple[float, Any]:
        request = self.factory.get(url, headers=headers)
        request.urlconf = URLCONF
        started = time.perf_counter_ns()
        response = self.get_response(request)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        response.close()
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        # As a browser does: the CSRF cookie the first page set is sent from then on (without
        # it, every request would mint a new secret and set the cookie again).
        for name, morsel in response.cookies.items():
            self.factory.cookies[name] = morsel.value
        return elapsed, response


def capture(
    server: Server, url: str, headers: dict[str, str]
) -> tuple[list[str], dict[str, Any], bytes, tuple[str | None, str | None]]:
    """The template names and the context dict the view rendered (copied before rendering), the
    bytes, and the language and time zone it rendered in."""
    seen: list[tuple[list[str], dict[str, Any]]] = []
    locale: list[tuple[str | None, str | None]] = []
    render = SimpleTemplateResponse.render

    def capturing(response: SimpleTemplateResponse) -> Any:
        if not response.is_rendered and not seen:
            names = response.template_name
            context = {k: v for k, v in (response.context_data or {}).items() if k not in ("view", "messages")}
            seen.append(([names] if isinstance(names, str) else list(names), copy.deepcopy(context)))
            locale.append((translation.get_language(), timezone.get_current_timezone_name()))
        return render(response)

    with mock.patch.object(SimpleTemplateResponse, "render", capturing):
        _, response = server.time(url, headers)
    return seen[0][0], seen[0][1], response.content, locale[0]


@contextlib.contextmanager
def collector(enabled: bool) -> Any:
    """Python's cyclic garbage collector on (as in production) or off for the block."""
    if enabled:
        yield
        return
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def rows(user: str, rounds: int, warmup: int, gc_on: bool = True, sessions: str = SESSION_ENGINE) -> list[dict[str, Any]]:
    with override_settings(SESSION_ENGINE=sessions), inprocess.tenant(Emulator(seed="demo"), **WARM):
        client = inprocess.client_for(user)
        server = Server(client)
        cases = []
        for tab in inprocess.TABS:
            for mode, headers in (("page", {}), ("htmx", inprocess.HTMX)):
                url = reverse(f"selfservice:{tab}")
                server.time(url, headers)  # reads Auth0 once; from here on the copies are fresh
                names, context, body, bench_urls.LOCALE[f"{tab}-{mode}"] = capture(server, url, headers)
                key = f"{tab}-{mode}"
                bench_urls.BYTES[key] = body
                cases.append({"tab": tab, "mode": mode, "key": key, "headers": headers, "names": names,
                              "context": context, "urls": {"tab": url, "bare": f"/__bench__/bare/{key}/",
                                                           "static": f"/__bench__/static/{key}/",
                                                           "bare_login": f"/__bench__/bare/{key}/?login=1",
                                                           "static_login": f"/__bench__/static/{key}/?login=1"},
                              "ms": {kind: [] for kind in KINDS}, "bytes": {}})
        with collector(gc_on):
            timed(server, cases, rounds, warmup)
    return cases


def timed(server: Server, cases: list[dict[str, Any]], rounds: int, warmup: int) -> None:
    """``rounds`` interleaved rounds of every case after ``warmup`` untimed ones."""
    for number in range(warmup + rounds):
        for case in cases:
            bench_urls.TEMPLATES[case["key"]] = (case["names"], copy.deepcopy(case["context"]))
            order = KINDS[number % len(KINDS):] + KINDS[:number % len(KINDS)]
            for kind in order:
                ms, response = server.time(case["urls"][kind], case["headers"])
                if number >= warmup:
                    case["ms"][kind].append(ms)
                case["bytes"][kind] = response.content


def summarize(case: dict[str, Any]) -> dict[str, Any]:
    ms = case["ms"]

    def ratio(top: str, bottom: str) -> float:
        return statistics.median(t / b for t, b in zip(ms[top], ms[bottom], strict=True))

    same = PER_REQUEST.sub(b"", case["bytes"]["tab"]) == PER_REQUEST.sub(b"", case["bytes"]["bare"])
    return {"row": f"{case['tab']} {case['mode']}", "n": len(ms["tab"]),
            **{f"{kind}_ms": statistics.median(ms[kind]) for kind in KINDS},
            "tab_bare": ratio("tab", "bare"), "bare_static": ratio("bare", "static"),
            "tab_bare_login": ratio("tab", "bare_login"), "bare_static_login": ratio("bare_login", "static_login"),
            "bytes": len(case["bytes"]["tab"]), "same": same}


def table(user: str = "auth0|carol", rounds: int = 300, warmup: int = 20, gc_on: bool = True,
          sessions: str = SESSION_ENGINE) -> str:
    results = [summarize(case) for case in rows(user, rounds, warmup, gc_on, sessions)]
    worst_view = max(r["tab_bare"] for r in results)
    worst_render = max(r["bare_static"] for r in results)
    lines = [
        f"Server time per tab: the view vs the bare render vs static bytes (user {user}, warm read cache, "
        f"in-process emulator, sessions {sessions.rsplit('.', 1)[-1]}; N = {results[0]['n']} interleaved rounds per row after {warmup} warm-up rounds; "
        f"medians{'' if gc_on else '; garbage collector off while timing'})",
        f"code: {inprocess.code_version()}",
        "",
        "| tab | N | tab ms | bare ms | static ms | **tab / bare** | **bare / static** | bare + login ms | "
        "static + login ms | tab / (bare + login) | (bare + login) / (static + login) | bytes | same bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *(f"| {r['row']} | {r['n']} | {r['tab_ms']:.2f} | {r['bare_ms']:.2f} | {r['static_ms']:.2f} | "
          f"{r['tab_bare']:.2f} | {r['bare_static']:.1f} | {r['bare_login_ms']:.2f} | {r['static_login_ms']:.2f} | "
          f"{r['tab_bare_login']:.2f} | {r['bare_static_login']:.1f} | {r['bytes']} | {'yes' if r['same'] else 'NO'} |"
          for r in results),
        "",
        f"Worst row: tab / bare {worst_view:.2f} (target <= 1.2: {'met' if worst_view <= 1.2 else 'MISSED'}), "
        f"bare / static {worst_render:.1f} (target <= 3: {'met' if worst_render <= 3 else 'MISSED'}); "
        f"with the login check in both: {max(r['tab_bare_login'] for r in results):.2f} and "
        f"{max(r['bare_static_login'] for r in results):.1f}. "
        "\"same bytes\": the tab's and the bare render's bytes match once CSRF tokens, signed form state "
        "and <time datetime> seconds are masked.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300, help="timed rounds per row (N)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds first")
    parser.add_argument("--user", default="auth0|carol", help="demo user (carol: 40 sessions, 6 methods)")
    parser.add_argument("--no-gc", action="store_true", help="garbage collector off while timing (compare versions)")
    parser.add_argument("--sessions", default=SESSION_ENGINE,
                        help="SESSION_ENGINE (default: the app's cached_db store, as docs/deployment.md recommends)")
    args = parser.parse_args()
    print(table(args.user, args.rounds, args.warmup, gc_on=not args.no_gc, sessions=args.sessions))


if __name__ == "__main__":
    main()
