"""Requests/s of each tab under load vs the bare render of its template under the same load.

    python -m benchmarks.throughput.run [--clients 8] [--window 3] [--rounds 3] [--workers 4 --threads 4]

Starts the emulator (its own process, no latency, demo seed), migrates a PostgreSQL database
(``selfservice_throughput``), signs carol in (a Django session in the database, as a login
leaves it, including the Auth0 id the login keeps), and starts gunicorn (gthread) on
``benchmarks.throughput.settings``: PostgreSQL, Redis (django-redis, ``cached_db`` sessions),
``DEBUG=False``, read-cache copies fresh for the whole run. Then for each tab, as a full page and
as an htmx partial, ``--clients`` threads (one keep-alive connection each) request, in turn for
``--window`` seconds each, ``--rounds`` times in a rotating order:

- **tab**: the real page;
- **bare + login**: the same template rendered from the plain dict the view built, after the
  tabs' login check (session and user), in the same worker (``benchmarks/throughput/urls.py``);
- **bare**: the same without the login check;
- **static**: the tab's bytes.

``--request-limits`` counts every request against ``read.user`` / ``read.ip`` as a site does
(with rates no run reaches); by default those limits are off.

Each window's requests/s is 200s answered / seconds; a row's ratios are medians over rounds.
The target (benchmarks/RESULTS.md): tab >= 0.8 x the bare render's requests/s. The clients run
on the same two CPUs as the server: every window pays for them alike.
Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres) and Redis on 127.0.0.1:6379 (db 12,
keys under a per-run prefix, deleted at the end); root is not needed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load.processes import Children, free_port, wait_for_port  # noqa: E402
from benchmarks.load.ref import code_version  # noqa: E402

SETTINGS = "benchmarks.throughput.settings"
TABS = ("general", "preferences", "security", "sessions")
KINDS = ("tab", "bare_login", "bare", "static")
USER = "auth0|carol"
PREPARE = """
import django, json, sys
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from social_django.models import UserSocialAuth
from benchmarks.load.prepare import SCHEMA
from selfservice.management.commands.load_preference_schema import load
from selfservice.models import PreferenceSchema
call_command("migrate", interactive=False, verbosity=0)
if not PreferenceSchema.objects.filter(is_active=True).exists():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    load(schema, str(schema.get("title") or "Preferences"), activate=True)
uid = sys.argv[1]
user, _ = get_user_model().objects.get_or_create(username="throughput-" + uid.replace("|", "-"))
UserSocialAuth.objects.get_or_create(user=user, provider="auth0", uid=uid)
client = Client()
client.force_login(user)
session = client.session
session["selfservice_auth0_user_id"] = [str(user.pk), uid]  # what a real sign-in keeps
session.save()
# A browser has the CSRF cookie after its first page; without one, every request would mint a
# new secret and set the cookie again (work no real visitor's requests do).
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string
print(f"sessionid={client.cookies['sessionid'].value}; csrftoken={get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)}")
"""


def _env(tenant: str, prefix: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONPATH": str(ROOT),
            "SELFSERVICE_BENCH_TENANT": tenant, "SELFSERVICE_BENCH_CACHE_PREFIX": prefix}


def _create_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Window:
    """``clients`` threads requesting ``path`` for ``seconds``; counts 200s and anything else.

    ``cookie``: the ``Cookie`` header a signed-in browser sends (session and CSRF cookies).
    """

    def __init__(self, port: int, cookie: str, clients: int) -> None:
        self.port, self.cookie, self.clients = port, cookie, clients

    def run(self, path: str, headers: dict[str, str], seconds: float) -> tuple[float, int]:
        ok, bad = [0] * self.clients, [0] * self.clients
        stop = time.monotonic() + seconds
        sent = {**headers, "Cookie": self.cookie, "Host": "127.0.0.1"}

        def client(index: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            while time.monotonic() < stop:
                try:
                    connection.request("GET", path, headers=sent)
                    response = connection.getresponse()
                    response.read()
                    if response.status == 200:
                        ok[index] += 1
                    else:
                        bad[index] += 1
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                except (OSError, http.client.HTTPException):
                    bad[index] += 1
                    connection.close()
            connection.close()

        threads = [threading.Thread(target=client, args=(index,)) for index in range(self.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(ok) / (time.monotonic() - started), sum(bad)


def measure(port: int, cookie: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    window = Window(port, cookie, args.clients)
    rows = []
    for tab in TABS:
        for mode, headers in (("page", {}), ("htmx", {"HX-Request": "true", "HX-Target": "selfservice-panel"})):
            paths = {"tab": f"/account/{tab}/", "bare_login": f"/__bench__/bare/{tab}/?login=1",
                     "bare": f"/__bench__/bare/{tab}/", "static": f"/__bench__/static/{tab}/"}
            window.run(paths["tab"], headers, 0.5)  # every worker reads and keeps once
            window.run(paths["static"], headers, 0.5)
            rps: dict[str, list[float]] = {kind: [] for kind in KINDS}
            errors = 0
            for number in range(args.rounds):
                order = KINDS[number % len(KINDS):] + KINDS[:number % len(KINDS)]
                for kind in order:
                    rate, bad = window.run(paths[kind], headers, args.window)
                    rps[kind].append(rate)
                    errors += bad
            ratio = statistics.median(t / b for t, b in zip(rps["tab"], rps["bare"], strict=True))
            ratio_login = statistics.median(t / b for t, b in zip(rps["tab"], rps["bare_login"], strict=True))
            rows.append({"row": f"{tab} {mode}", **{kind: statistics.median(rps[kind]) for kind in KINDS},
                         "ratio": ratio, "ratio_login": ratio_login, "errors": errors})
    return rows


def table(rows: list[dict[str, Any]], args: argparse.Namespace, load: str) -> str:
    worst = min(r["ratio_login"] for r in rows)
    lines = [
        f"Requests/s per tab under load vs the bare render (gunicorn {args.workers} x {args.threads} gthread, "
        f"PostgreSQL, Redis; {args.clients} keep-alive clients on the same machine; {args.rounds} rounds of "
        f"{args.window:g} s windows per kind, rotating; medians; user {USER}; "
        f"request limits {'counted' if args.request_limits else 'off'}; load average {load}; "
        f"code: {code_version(ROOT)})",
        "",
        "| tab | tab req/s | bare + login req/s | bare req/s | static req/s | **tab / (bare + login)** | tab / bare | non-200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {r['row']} | {r['tab']:.0f} | {r['bare_login']:.0f} | {r['bare']:.0f} | {r['static']:.0f} | "
          f"{r['ratio_login']:.2f} | {r['ratio']:.2f} | {r['errors']} |" for r in rows),
        "",
        f"Worst row: tab / (bare + login) {worst:.2f} (target >= 0.8: {'met' if worst >= 0.8 else 'MISSED'}); "
        f"tab / bare {min(r['ratio'] for r in rows):.2f}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--window", type=float, default=3.0, help="seconds per kind and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per row (kinds in a rotating order)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--request-limits", action="store_true",
                        help="count every request against read.user / read.ip as a site does (rates too high to refuse)")
    args = parser.parse_args()
    prefix = f"selfservice-throughput-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="selfservice-throughput-") as folder:
        children = Children(Path(folder))
        try:
            tenant_port, site_port = free_port(), free_port()
            tenant = f"http://127.0.0.1:{tenant_port}"
            env = _env(tenant, prefix)
            if args.request_limits:
                env["SELFSERVICE_BENCH_REQUEST_LIMITS"] = "1"
            emulator = children.start("emulator", [sys.executable, "-m", "selfservice.emulator", "--port", str(tenant_port),
                                                   "--seed", "demo"], env=env, cwd=ROOT)
            wait_for_port("127.0.0.1", tenant_port, 30, emulator)
            _create_database("selfservice_throughput")
            cookie = subprocess.run([sys.executable, "-c", PREPARE, USER], env=env, cwd=ROOT, capture_output=True,
                                    text=True, check=True, timeout=300).stdout.strip().splitlines()[-1]
            server = children.start("gunicorn", [sys.executable, "-m", "gunicorn", "demo_project.wsgi:application",
                                                 "--bind", f"127.0.0.1:{site_port}", "--workers", str(args.workers),
                                                 "--threads", str(args.threads), "--worker-class", "gthread",
                                                 "--keep-alive", "30"], env=env, cwd=ROOT)
            wait_for_port("127.0.0.1", site_port, 60, server)
            load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
            rows = measure(site_port, cookie, args)
            children.check_alive()
            print(table(rows, args, load))
        finally:
            children.stop_all()
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis(host="127.0.0.1", port=6379, db=12)
                for key in client.scan_iter(f"{prefix}*"):
                    client.delete(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
