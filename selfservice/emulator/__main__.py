"""``python -m selfservice.emulator [--host] [--port] [--latency-ms N] [--seed demo|empty]``."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from . import Emulator
from .server import ServerThread


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m selfservice.emulator", description="A local Auth0 tenant.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every tenant call")
    parser.add_argument("--seed", choices=("demo", "empty"), default="demo")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    emulator = Emulator(seed=args.seed, public_url=f"http://{args.host}:{args.port}", latency_ms=args.latency_ms)
    server = ServerThread(emulator.app, args.host, args.port, verbose=args.verbose)
    print(f"Auth0 emulator listening on {server.url} (seed: {args.seed})", flush=True)
    print("  machine-to-machine client: selfservice-m2m / selfservice-m2m-secret", flush=True)
    print("  web login client:          selfservice-web / selfservice-web-secret", flush=True)
    if args.seed == "demo":
        print("  users: alice@example.com, bob@example.com, carol@example.com (password demo-password)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
