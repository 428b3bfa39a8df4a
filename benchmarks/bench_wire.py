"""Bytes over the wire: each tab with and without compression, and the static files a first visit loads.

    python -m benchmarks.bench_wire [--user auth0|carol] [--samples 5]

- **Tabs**, as a full page and as an htmx partial: the body as the view returns it, and after
  Django's ``GZipMiddleware`` (what docs/deployment.md's recipe turns on, or the proxy does with
  gzip at a similar level). Masked CSRF tokens make each body differ slightly, so each figure is
  the median of ``--samples`` requests.
- **Static files** the pages load (the stylesheet, the Preferences and Security scripts, htmx as
  django-htmx ships it): raw, and as whitenoise's ``CompressedManifestStaticFilesStorage`` writes
  them (gzip and, with the ``brotli`` package installed, brotli), using whitenoise's own
  compressor when it is installed (the ``bench`` extra), else gzip level 9 only.

Nothing here is timed; the numbers are deterministic up to the CSRF tokens' few bytes.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_wire.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.contrib.staticfiles import finders  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks import inprocess  # noqa: E402
from selfservice.emulator import Emulator  # noqa: E402

STATIC = ("selfservice/selfservice.css", "selfservice/preferences.js", "selfservice/security.js", "django_htmx/htmx-2.min.js")
GZIP_FIRST = ["django.middleware.gzip.GZipMiddleware"]


def _tab_rows(user: str, samples: int) -> list[dict[str, Any]]:
    from django.conf import settings

    rows = []
    with inprocess.tenant(Emulator(seed="demo")), override_settings(MIDDLEWARE=GZIP_FIRST + list(settings.MIDDLEWARE)):
        client = inprocess.client_for(user)
        for tab in inprocess.TABS:
            url = reverse(f"selfservice:{tab}")
            for mode, headers in (("page", {}), ("htmx", inprocess.HTMX)):
                client.get(url, headers=headers)  # warm the read cache
                raw, packed = [], []
                for _ in range(samples):
                    plain = client.get(url, headers=headers)
                    squeezed = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
                    if plain.status_code != 200 or squeezed.get("Content-Encoding") != "gzip":
                        raise RuntimeError(f"{url}: {plain.status_code}, encoding {squeezed.get('Content-Encoding')!r}")
                    raw.append(len(plain.content))
                    packed.append(len(squeezed.content))
                rows.append({"what": f"{tab} {mode}", "raw": statistics.median(raw), "gzip": statistics.median(packed), "br": None})
    return rows


def _static_rows() -> list[dict[str, Any]]:
    try:
        from whitenoise.compress import Compressor
    except ImportError:  # without the bench extra: gzip -9 only, as a fallback estimate
        Compressor = None  # type: ignore[assignment,misc]  # noqa: N806
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in STATIC:
            found = finders.find(name)
            if not found:
                continue
            data = Path(str(found)).read_bytes()
            copy = Path(folder) / Path(name).name
            copy.write_bytes(data)
            sizes: dict[str, int | None] = {"gzip": len(gzip.compress(data, 9, mtime=0)), "br": None}
            if Compressor is not None:
                for written in Compressor(quiet=True).compress(str(copy)):
                    sizes["gzip" if written.endswith(".gz") else "br"] = Path(written).stat().st_size
            rows.append({"what": name, "raw": len(data), **sizes})
    return rows


def _kb(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:.1f}"


def table(user: str = "auth0|carol", samples: int = 5) -> str:
    tabs, static = _tab_rows(user, samples), _static_rows()
    lines = [
        f"Bytes over the wire (user {user}; tabs: median of {samples} bodies, GZipMiddleware; static: whitenoise's "
        f"compressor; code: {inprocess.code_version()})",
        "",
        "| what | raw KiB | gzip KiB | brotli KiB | gzip / raw |",
        "|---|---:|---:|---:|---:|",
        *(f"| {r['what']} | {_kb(r['raw'])} | {_kb(r['gzip'])} | {_kb(r['br'])} | {r['gzip'] / r['raw']:.2f} |" for r in tabs + static),
    ]
    first_visit = {"general page", "selfservice/selfservice.css", "django_htmx/htmx-2.min.js"}
    first = sum(r["br"] or r["gzip"] for r in tabs + static if r["what"] in first_visit)
    lines += ["", f"A first visit (General page, stylesheet, htmx; compressed): {_kb(first)} KiB. Static files are "
              "then cached for a year (hashed names), so a tab switch costs only its htmx partial."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="auth0|carol", help="demo user (carol: 40 sessions, 6 methods)")
    parser.add_argument("--samples", type=int, default=5, help="bodies per tab and mode (median)")
    args = parser.parse_args()
    print(table(args.user, args.samples))


if __name__ == "__main__":
    main()
