"""Two "hosts" on one machine: network namespaces, veth pairs, and forwards to the shared services.

Each host is a network namespace with its own loopback and one veth pair to the root
namespace (``10.213.N.1`` root side, ``10.213.N.2`` host side). HAProxy in the root namespace
reaches the gunicorns over the veth addresses.

The hosts must also reach PostgreSQL, Redis and the emulator, which listen on the root
namespace's 127.0.0.1 only. Making them listen on the veth addresses would mean reconfiguring
and restarting PostgreSQL (``listen_addresses``, ``pg_hba.conf``) and Redis: a permanent change
to the machine. Instead each service gets a two-hop ``socat`` forward through a Unix socket,
which needs no routing because a Unix socket's path is the same file in every network
namespace (namespaces isolate the network, not the filesystem):

    host ns: socat TCP-LISTEN:127.0.0.1:PORT  ->  UNIX-CONNECT:RUN/NAME.sock
    root ns: socat UNIX-LISTEN:RUN/NAME.sock  ->  TCP:127.0.0.1:PORT

So inside a host, ``127.0.0.1:5432`` / ``:6379`` / the tenant's port answer exactly as on the
machine itself: the bench settings are identical on every host, the tenant URL (which is also
the ID tokens' issuer) included. Cost: one socat fork per new connection (PostgreSQL and Redis
connections are persistent; the emulator closes every HTTP connection, so each Management call
pays it) and two extra local hops per byte.

Everything made here is undone on exit: the forwards are children in :class:`Children`, and
deleting a namespace deletes its end of the veth pair, which deletes the pair.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .processes import Children, wait_for_port

PREFIX = "ssbench-"


@dataclass(frozen=True)
class Host:
    """One emulated host: its namespace, veth names and addresses."""

    letter: str
    netns: str
    veth_root: str
    veth_host: str
    root_addr: str
    host_addr: str


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def _in(netns: str, *args: str) -> None:
    _ip("netns", "exec", netns, "ip", *args)


def plan_hosts(count: int, run_id: int) -> list[Host]:
    """Names and a /24 per host derived from the harness pid (so two runs do not collide)."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, timeout=10, check=True).stdout
    hosts = []
    for index in range(count):
        letter = "ab"[index]
        third = (run_id % 120) * 2 + index
        if f" 10.213.{third}." in used:
            raise RuntimeError(f"10.213.{third}.0/24 is already in use on this machine")
        hosts.append(Host(letter, f"{PREFIX}{run_id}-{letter}", f"sbr{run_id % 100000}{letter}",
                          f"sbh{run_id % 100000}{letter}", f"10.213.{third}.1", f"10.213.{third}.2"))
    return hosts


def create(host: Host) -> None:
    """Namespace + veth pair + addresses + loopback up (undo with :func:`delete`)."""
    _ip("netns", "add", host.netns)
    _ip("link", "add", host.veth_root, "type", "veth", "peer", "name", host.veth_host)
    _ip("link", "set", host.veth_host, "netns", host.netns)
    _ip("addr", "add", f"{host.root_addr}/24", "dev", host.veth_root)
    _ip("link", "set", host.veth_root, "up")
    _in(host.netns, "addr", "add", f"{host.host_addr}/24", "dev", host.veth_host)
    _in(host.netns, "link", "set", host.veth_host, "up")
    _in(host.netns, "link", "set", "lo", "up")


def delete(host: Host) -> None:
    """Remove the namespace and the veth pair; quiet when they are already gone."""
    subprocess.run(["ip", "netns", "del", host.netns], capture_output=True, timeout=10, check=False)
    subprocess.run(["ip", "link", "del", host.veth_root], capture_output=True, timeout=10, check=False)


def delete_stale() -> list[str]:
    """Delete namespaces left by a harness that was SIGKILLed (its pid is gone); return their names."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=False).stdout
    removed = []
    for line in listing.splitlines():
        name = line.split()[0] if line.strip() else ""
        parts = name[len(PREFIX):].split("-")
        if not name.startswith(PREFIX) or len(parts) != 2 or not parts[0].isdigit():
            continue
        if Path(f"/proc/{parts[0]}").exists():
            continue  # another harness still running
        pid = int(parts[0])
        delete(Host(parts[1], name, f"sbr{pid % 100000}{parts[1]}", "", "", ""))
        removed.append(name)
    return removed


def forward_services(children: Children, hosts: Iterable[Host], services: dict[str, int], run_dir: Path) -> None:
    """Make ``127.0.0.1:PORT`` of each service answer inside every host (see the module docstring)."""
    hosts = list(hosts)
    for name, port in services.items():
        sock = run_dir / f"{name}.sock"
        root = children.start(f"forward-{name}-root", [
            "socat", f"UNIX-LISTEN:{sock},fork,unlink-early,mode=600", f"TCP:127.0.0.1:{port}"])
        for _ in range(50):
            if sock.exists() or root.poll() is not None:
                break
            time.sleep(0.05)
        if not sock.exists():
            raise RuntimeError(f"socat did not create {sock}")
        for host in hosts:
            inner = children.start(f"forward-{name}-{host.letter}", [
                "ip", "netns", "exec", host.netns,
                "socat", f"TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr", f"UNIX-CONNECT:{sock}"])
            wait_for_port("127.0.0.1", port, 10, inner, netns=host.netns)


def haproxy_config(listen_port: int, hosts: Iterable[Host], site_port: int) -> str:
    """Round-robin over the hosts; ``X-Bench-Host: a|b`` pins a request to one (the logout check).

    ``X-Served-By`` names the server that answered, so the report can say who served what.
    """
    hosts = list(hosts)
    servers = "\n".join(f"    server {h.letter} {h.host_addr}:{site_port}" for h in hosts)
    pinned = "".join(
        f"\nbackend host_{h.letter}\n    http-response set-header X-Served-By %s\n"
        f"    server {h.letter} {h.host_addr}:{site_port}\n" for h in hosts)
    rules = "".join(f"    use_backend host_{h.letter} if {{ req.hdr(x-bench-host) -m str {h.letter} }}\n" for h in hosts)
    return f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option forwardfor

frontend site
    bind 127.0.0.1:{listen_port}
    http-request set-header X-Forwarded-Proto http
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
{rules}    default_backend hosts

backend hosts
    balance roundrobin
    http-response set-header X-Served-By %s
{servers}
{pinned}"""


@contextlib.contextmanager
def namespaces(count: int) -> Iterator[list[Host]]:
    """Create ``count`` hosts for the duration of the block; always delete them."""
    hosts = plan_hosts(count, os.getpid())
    try:
        for host in hosts:
            create(host)
        yield hosts
    finally:
        for host in hosts:
            delete(host)
