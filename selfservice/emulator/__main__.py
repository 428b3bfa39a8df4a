"""``python -m selfservice.emulator [--host] [--port] [--latency-ms N] [--seed demo|empty] [--rate-limit PLAN]``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from . import Emulator
from .ratelimit import PRESETS
from .server import ServerThread


def build_parser() -> argparse.ArgumentParser:
    """The CLI's arguments (separate from :func:`main` so they can be checked without serving)."""
    parser = argparse.ArgumentParser(prog="python -m selfservice.emulator", description="A local Auth0 tenant.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every tenant call")
    parser.add_argument("--seed", choices=("demo", "empty"), default="demo")
    parser.add_argument("--rate-limit", choices=sorted(PRESETS), default=None,
                        help="limit the Management API like this Auth0 plan (default: no limits)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    emulator = Emulator(seed=args.seed, public_url=f"http://{args.host}:{args.port}", latency_ms=args.latency_ms)
    if args.rate_limit:
        emulator.set_rate_limit_preset(args.rate_limit)
    server = ServerThread(emulator.app, args.host, args.port, verbose=args.verbose)
    limits = f", rate limits: {args.rate_limit}" if args.rate_limit else ""
    print(f"Auth0 emulator listening on {server.url} (seed: {args.seed}{limits})", flush=True)
    print("  machine-to-machine client: selfservice-m2m / selfservice-m2m-secret", flush=True)
    print("  web login client:          selfservice-web / selfservice-web-secret", flush=True)
    if args.seed == "demo":
        print("  users: alice@example.com, bob@example.com, carol@example.com (password demo-password)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
