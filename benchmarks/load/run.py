"""Load benchmark: N signed-in users browsing the account tabs against a rate-limited tenant.

    python -m benchmarks.load.run [--users 50] [--seconds 60] [--preset free] [--hosts 1|2]
                                  [--latency-ms 50] [--think-ms 1000] [--no-budget] [--warm N]
                                  [--requests N] [--label TEXT] [--output FILE]
                                  [--cache-outage START:END [--cache-hang]]

Why: DESIGN.md "Upstream budget" says pages fail first under Auth0's Management API limit, not
under CPU, and "Scale-out" says several workers on several hosts share everything through
PostgreSQL and Redis. This measures both on a production-shaped deployment: the emulator as its
own process, gunicorn (gthread) on PostgreSQL + Redis, and for two hosts two network
namespaces behind HAProxy (see ``netns.py``). Needs root (namespaces), socat and haproxy
(``apt-get install -y socat haproxy``) and the ``bench`` extra (gunicorn, django-redis).

Order of a run: start the tenant, seed users, point back-channel logout at the site, prepare
the database, start the site, check back-channel logout, sign every user in through the real
OIDC flow (the Auth API would be throttled too on a real Free tenant), warm ``--warm`` users up,
measure worker RSS, turn the plan's rate limit on, browse for ``--seconds`` (or ``--requests``
pages) while polling the tenant's log, measure again, print the tables. The site's own budget
(``MANAGEMENT_BUDGET``) is the same plan as the tenant's (``--no-budget``: Auth0's headers only).
Every run is bounded by ``--timeout``, cleans up (processes, namespaces, cache keys) on any exit,
and then checks that nothing it started is left.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from types import FrameType

import httpx

from . import netns, outage, ref
from .driver import Browser, Load, backchannel_check, client_address, open_browser, sign_in, warm_up
from .processes import Children, children_of, free_port, leftovers, rss_kib, wait_for_port
from .report import render, summarize
from .tenant import PLANS, TenantControl
from .timeline import Poller

ROOT = Path(__file__).resolve().parents[2]
HOST_PORT = 8000  # gunicorn's port inside each namespace
LOCK = Path(tempfile.gettempdir()) / "selfservice-load.lock"
REDIS_URL = "redis://127.0.0.1:6379/12"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load.run", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="signed-in users browsing at once")
    parser.add_argument("--seconds", type=float, default=60, help="length of the browsing phase")
    parser.add_argument("--preset", choices=sorted(PLANS), default="free", help="Auth0 plan whose rate limit applies")
    parser.add_argument("--hosts", type=int, choices=(1, 2), default=1, help="1: gunicorn alone; 2: namespaces + HAProxy")
    parser.add_argument("--latency-ms", type=int, default=50, help="tenant latency (Auth0 is ~50-150 ms away)")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean pause between a user's clicks (0: none)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per host")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--timeout", type=float, default=None, help="hard limit for the whole run (default seconds + 180)")
    parser.add_argument("--no-budget", action="store_true",
                        help="no MANAGEMENT_BUDGET on the site (default: the --preset plan): Auth0's headers only")
    parser.add_argument("--warm", type=int, default=0, metavar="N",
                        help="the first N users read every tab once before the window (visited moments ago)")
    parser.add_argument("--requests", type=int, default=None, metavar="N",
                        help="end the phase after N page requests (or --seconds, whichever comes first)")
    parser.add_argument("--no-request-limits", action="store_true",
                        help="diagnostic: the site's per-user/per-IP page request limits (read.*, write.*) off")
    parser.add_argument("--one-ip", action="store_true",
                        help="every user from 127.0.0.1 (default: each from its own 127.1.x.y, as real users)")
    parser.add_argument("--label", default="", help="added to the report's title (e.g. 'before the read cache')")
    parser.add_argument("--output", type=Path, default=None, help="append the markdown report to this file")
    parser.add_argument("--ref", default=None, help="measure this git revision of the app (e.g. HEAD), see ref.py")
    parser.add_argument("--cache-outage", type=outage.parse, default=None, metavar="START:END",
                        help="kill the site's Redis (a private one) START s into browsing, start it empty at END")
    parser.add_argument("--cache-hang", action="store_true",
                        help="with --cache-outage: stop the Redis (SIGSTOP, calls time out) and continue it instead")
    parser.add_argument("--tenant-root", type=Path, default=None,
                        help="run the emulator from this tree (default: the code under test), e.g. for its presets")
    args = parser.parse_args(argv)
    if args.users < 1 or args.seconds <= 0:
        parser.error("--users and --seconds must be positive")
    if not 0 <= args.warm <= args.users or (args.requests is not None and args.requests < 1):
        parser.error("--warm must be 0..--users and --requests positive")
    if args.cache_outage and args.hosts != 1:
        parser.error("--cache-outage runs on one host (the namespaces forward the shared Redis)")
    args.timeout = args.timeout or args.seconds + 180
    args.output = args.output.resolve() if args.output else None
    args.tenant_root = args.tenant_root.resolve() if args.tenant_root else None
    return args


def _without_ref(argv: list[str], output: Path | None) -> list[str]:
    """The command line for the exported revision: no ``--ref``, ``--output`` made absolute."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--ref":
            skip = True
        elif not arg.startswith("--ref="):
            kept.append(arg)
    return kept + (["--output", str(output)] if output else [])


class HardTimeout(Exception):
    """The run took longer than ``--timeout``."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    if signum == signal.SIGALRM:
        raise HardTimeout("the run hit its hard timeout")
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.ref:
        return ref.run_at(args.ref, _without_ref(argv, args.output))
    if os.geteuid() != 0 and args.hosts == 2:
        print("two hosts need root (ip netns)", file=sys.stderr)
        return 2
    lock = LOCK.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another load run holds {LOCK}; one run at a time (they share the database)", file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGALRM):
        signal.signal(signum, _interrupt)
    # Also when started from a shell that ignores SIGINT for background jobs: Ctrl-C always cleans up.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    stack = contextlib.ExitStack()
    status = 1
    try:
        print(run(args, stack), end="", flush=True)
        status = 0
    except KeyboardInterrupt:
        _step("interrupted")
        status = 130
    except HardTimeout as exc:
        _step(f"{exc} ({args.timeout:.0f} s)")
        status = 124
    except SystemExit as exc:
        _step(f"stopped by a signal ({exc.code})")
        status = int(exc.code or 1)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        signal.setitimer(signal.ITIMER_REAL, 0)
        stack.close()
        lock.close()
        if status:
            _step("cleaned up: processes stopped, namespaces deleted")
    return status


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> str:
    """One measured run; everything it starts is registered on ``stack`` for cleanup."""
    for name in netns.delete_stale():
        print(f"deleted namespace {name} left by an earlier run", file=sys.stderr)
    run_dir = Path(tempfile.mkdtemp(prefix="selfservice-load-"))
    print(f"logs: {run_dir}", file=sys.stderr)
    children = Children(run_dir)
    stack.callback(_check_leftovers, children)  # last of all (LIFO): after the namespaces went
    hosts = stack.enter_context(netns.namespaces(2)) if args.hosts == 2 else []
    stack.callback(children.stop_all)  # runs before the namespaces go (ExitStack is LIFO)
    prefix = f"selfservice-bench-{os.getpid()}"
    stack.callback(_forget_cache_keys, prefix)

    machine = ref.machine()
    tenant_port = free_port()
    tenant_url = f"http://127.0.0.1:{tenant_port}"
    tenant_root = args.tenant_root or ROOT
    emulator = children.start("emulator", [sys.executable, "-m", "selfservice.emulator", "--port", str(tenant_port),
                                           "--latency-ms", str(args.latency_ms), "--seed", "demo"],
                              cwd=tenant_root, env={**os.environ, "PYTHONPATH": str(tenant_root)})
    wait_for_port("127.0.0.1", tenant_port, 20, emulator)
    control = TenantControl(tenant_url)
    stack.callback(control.close)
    _step(f"tenant on {tenant_url}; seeding {args.users} users")
    user_ids = [control.add_load_user(i) for i in range(1, args.users + 1)]
    checker = control.add_load_user(0, user_id="auth0|load-backchannel")

    proxy_port = free_port()
    site_port = proxy_port if hosts else free_port()
    site_url = f"http://127.0.0.1:{site_port}"
    control.configure_backchannel(f"{site_url}/account/backchannel-logout/")
    redis_url, private = REDIS_URL, None
    if args.cache_outage:
        private = outage.PrivateRedis(run_dir, children.groups)
        stack.callback(private.kill)
        private.start()
        redis_url = private.url
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings", "SELFSERVICE_BENCH_TENANT": tenant_url,
           "SELFSERVICE_BENCH_CACHE_PREFIX": prefix, "SELFSERVICE_BENCH_REDIS_URL": redis_url,
           "SELFSERVICE_BENCH_BUDGET": "" if args.no_budget else args.preset, "PYTHONPATH": str(ROOT),
           # Behind HAProxy the client is the last X-Forwarded-For hop; on one host, REMOTE_ADDR.
           "SELFSERVICE_BENCH_TRUSTED_PROXIES": "1" if hosts else "0",
           "SELFSERVICE_BENCH_REQUEST_LIMITS": "off" if args.no_request_limits else "on"}
    _step("preparing the database")
    subprocess.run([sys.executable, "-m", "benchmarks.load.prepare"], cwd=ROOT, env=env, check=True, timeout=120)

    masters = _start_site(args, children, hosts, env, site_port, proxy_port, tenant_port, run_dir)
    _wait_until_serving(site_url, children)

    _step("back-channel logout check")
    pins = ("a", "b") if hosts else (None, None)
    check = backchannel_check(site_url, control, checker, "load-backchannel@example.com", *pins,
                              address=None if args.one_ip else "127.2.0.1")

    _step(f"signing in {args.users} users")
    browsers = _sign_in_all(site_url, tenant_url, user_ids, args.one_ip)
    for browser in browsers:
        stack.callback(browser.close)
    if args.warm:
        _step(f"warming {args.warm} user(s) up: every tab once")
        warmed = [warm_up(browser) for browser in browsers[:args.warm]]
        if any(status != 200 for statuses in warmed for status in statuses):
            raise RuntimeError(f"warming up answered {warmed}")
    before = {pid: rss_kib(pid) for pid in _workers(masters)}

    control.clear_requests()
    rate_limit = control.set_rate_limit(args.preset)
    _step(f"rate limit: {rate_limit}; browsing for {args.seconds:.0f} s"
          + (f" or {args.requests} requests" if args.requests else ""))
    load = Load(browsers, args.seconds, args.think_ms, max_requests=args.requests)
    poller = Poller(tenant_url, lambda: sorted(_workers(masters)), lambda: len(load.samples))
    stack.callback(poller.stop)
    stack.callback(load.stop)  # before the clients close (LIFO)
    poller.start()
    if private is not None:
        outage.schedule(private, load, *args.cache_outage, hang=args.cache_hang)
    seconds = load.run()
    poller.stop()
    children.check_alive()
    log = control.requests()
    entries, rss_timeline = poller.relative(load.t0)
    control.set_rate_limit(None)
    rss = [{"pid": pid, "host": host, "before": before.get(pid), "after": rss_kib(pid)}
           for pid, host in _workers(masters).items()]

    hosts_label = "two hosts behind HAProxy" if hosts else "one host"
    enforced = "one-bucket fallback" if rate_limit.startswith("fallback") else "per bucket"
    budget = "none (Auth0's headers only)" if args.no_budget else f'"{args.preset}"'
    length = f"{args.requests} requests" if args.requests else f"{args.seconds:.0f} s"
    info = {"title": f"{hosts_label}, {args.preset} preset ({enforced}), {args.users} users, {length}"
                     + (", no budget" if args.no_budget else "") + (", one client address" if args.one_ip else "")
                     + (", request limits off (diagnostic)" if args.no_request_limits else "")
                     + (f", {args.warm} warm" if args.warm else "") + (f" ({args.label})" if args.label else ""),
            "budget": budget, "warm": args.warm, "clients": "one address" if args.one_ip else "one address per user",
            "request_limits": "off (diagnostic)" if args.no_request_limits else "as shipped", "max_requests": args.requests, "rss_timeline": rss_timeline,
            "users": args.users, "preset": args.preset, "seconds": seconds, "think_ms": args.think_ms, "latency_ms": args.latency_ms,
            "rate_limit": rate_limit, "hosts": args.hosts, "workers": args.workers, "threads": args.threads,
            "code": ref.code_version(ROOT), "machine": machine, "rss": rss,
            "tenant_code": "same" if tenant_root == ROOT else ref.code_version(tenant_root), "backchannel": check, "failures": load.failures}
    summary = summarize(load.samples, log, plan=args.preset, seconds=seconds, users=args.users, entries=entries)
    text = render(summary, info)
    if private is not None:
        text += "\n" + outage.report(load.samples, private.events, *args.cache_outage)
    (run_dir / "summary.json").write_text(json.dumps({"run": info, "summary": summary}, indent=2, default=str))
    (run_dir / "samples.json").write_text(json.dumps([asdict(s) for s in load.samples]))
    (run_dir / "log.json").write_text(json.dumps(log))
    (run_dir / "timeline.json").write_text(json.dumps({"entries": entries, "rss": rss_timeline, "poll_errors": poller.errors}))
    if args.output:
        with args.output.open("a", encoding="utf-8") as out:
            out.write(text + "\n")
    return text


def _start_site(args: argparse.Namespace, children: Children, hosts: list[netns.Host], env: dict[str, str],
                site_port: int, proxy_port: int, tenant_port: int, run_dir: Path) -> dict[int, str]:
    """gunicorn on one host, or one per namespace + forwards + HAProxy; returns {master pid: host}."""
    def gunicorn(bind: str, name: str) -> list[str]:
        return [sys.executable, "-m", "gunicorn", "demo_project.wsgi:application", "--worker-class", "gthread",
                "--workers", str(args.workers), "--threads", str(args.threads), "--bind", bind,
                "--timeout", "30", "--graceful-timeout", "5", "--keep-alive", "5", "--log-level", "warning",
                "--worker-tmp-dir", "/dev/shm", "--pid", str(run_dir / f"{name}.pid")]

    if not hosts:
        _step(f"gunicorn on 127.0.0.1:{site_port}")
        master = children.start("gunicorn", gunicorn(f"127.0.0.1:{site_port}", "gunicorn"), env=env, cwd=ROOT)
        wait_for_port("127.0.0.1", site_port, 30, master)
        return {master.pid: "single"}
    _step("namespaces " + ", ".join(f"{h.netns} ({h.host_addr})" for h in hosts) + "; forwards; gunicorns; HAProxy")
    netns.forward_services(children, hosts, {"postgres": 5432, "redis": 6379, "tenant": tenant_port}, run_dir)
    masters = {}
    for host in hosts:
        argv = ["ip", "netns", "exec", host.netns, *gunicorn(f"{host.host_addr}:{HOST_PORT}", f"gunicorn-{host.letter}")]
        master = children.start(f"gunicorn-{host.letter}", argv, env=env, cwd=ROOT)
        wait_for_port(host.host_addr, HOST_PORT, 30, master)  # the veth address is reachable from here
        masters[master.pid] = host.letter
    config = run_dir / "haproxy.cfg"
    config.write_text(netns.haproxy_config(proxy_port, hosts, HOST_PORT))
    proxy = children.start("haproxy", ["haproxy", "-db", "-f", str(config)])
    wait_for_port("127.0.0.1", proxy_port, 10, proxy)
    return masters


def _wait_until_serving(site_url: str, children: Children, timeout: float = 60) -> None:
    """Until the login page answers 200 through the front door (workers booted, DB reachable)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            status = httpx.get(f"{site_url}/account/login/", timeout=5).status_code
            if status == 200:
                return
            last = f"status {status}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.3)
    raise TimeoutError(f"the site did not serve its login page within {timeout:.0f} s ({last})")


def _sign_in_all(site_url: str, tenant_url: str, user_ids: list[str], one_ip: bool) -> list[Browser]:
    """Real logins, eight at a time (what matters is that each user holds a real session)."""
    browsers = [open_browser(site_url, tenant_url, f"{uid.split('|', 1)[1]}@example.com",
                             address=None if one_ip else client_address(index))
                for index, uid in enumerate(user_ids)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(len(browsers), 8)) as pool:
        list(pool.map(sign_in, browsers))
    return browsers


def _workers(masters: dict[int, str]) -> dict[int, str]:
    return {pid: host for master, host in masters.items() for pid in children_of(master)}


def _check_leftovers(children: Children) -> None:
    """After the cleanup: no live process in any group the run started, no namespace of this run."""
    left = leftovers(children.groups)
    names = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False).stdout
    mine = [line.split()[0] for line in names.splitlines() if line.startswith(f"{netns.PREFIX}{os.getpid()}-")]
    if left or mine:
        _step(f"cleanup check FAILED: processes left {left}, namespaces left {mine}")
    else:
        _step(f"cleanup check: nothing left ({len(children.groups)} process groups gone, no namespace of this run)")


def _forget_cache_keys(prefix: str) -> None:
    """Drop this run's keys from the bench Redis database (the prefix is unique per run)."""
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
        client.close()


def _step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
