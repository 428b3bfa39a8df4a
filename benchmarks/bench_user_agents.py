"""What naming a session's device costs: ua-parser's RE2 resolver (what the Sessions tab uses)
vs the legacy parser ``user_agents.parse`` runs (every pattern in turn on Python's re).

    python -m benchmarks.bench_user_agents [--rounds 200]

Rows: real user agents, and 1 KB ones a user could send (repeated tokens that make many
patterns try many positions; the Sessions tab cuts a user agent at 1 KB). Each round times both
parsers on the row, in alternating order; the ratio is the median of the rounds' ratios.
Nothing is cached: each call parses from scratch, as for a user agent the process has not seen.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from ua_parser import Domain, load_lazy_builtins, user_agent_parser
from ua_parser.re2 import Resolver

ROWS = {
    "Chrome on Android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/130.0.6723.102 Mobile Safari/537.36",
    "Safari on iPhone": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                        "Version/18.1 Mobile/15E148 Safari/604.1",
    "Firefox on Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "1 KB of '_; '": ("_; " * 400)[:1024],
    "1 KB of '/en-us; '": ("/en-us; " * 200)[:1024],
    "1 KB after 'Mozilla/5.0 (Linux; Android '": ("Mozilla/5.0 (Linux; Android " + ".;" * 600)[:1024],
}


def _legacy(agent: str) -> object:
    return (user_agent_parser._ParseUserAgent(agent), user_agent_parser._ParseOS(agent),
            user_agent_parser._ParseDevice(agent))


def _timed(parse: Callable[[str], object], agent: str) -> float:
    started = time.perf_counter_ns()
    parse(agent)
    return (time.perf_counter_ns() - started) / 1e6


def table(rounds: int = 200) -> str:
    resolver = Resolver(load_lazy_builtins())

    def re2(agent: str) -> object:
        return resolver(agent, Domain.ALL)

    lines = [
        f"N = {rounds} alternating rounds per row; medians; nothing cached",
        "",
        "| user agent | legacy ms | RE2 resolver ms | **legacy / RE2** |",
        "|---|---:|---:|---:|",
    ]
    for name, agent in ROWS.items():
        _legacy(agent), re2(agent)  # compile what is compiled lazily
        legacy_ms, re2_ms = [], []
        for number in range(rounds):
            pair = (_legacy, re2) if number % 2 else (re2, _legacy)
            times = {parse: _timed(parse, agent) for parse in pair}
            legacy_ms.append(times[_legacy])
            re2_ms.append(times[re2])
        ratio = statistics.median(a / b for a, b in zip(legacy_ms, re2_ms, strict=True))
        lines.append(f"| {name} | {statistics.median(legacy_ms):.3f} | {statistics.median(re2_ms):.3f} | {ratio:.0f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_user_agents", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    print(table(parser.parse_args().rounds))


if __name__ == "__main__":
    sys.exit(main())
