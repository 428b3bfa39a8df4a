"""The load benchmark harness: ``python -m benchmarks.load.run`` (see ``run.py`` and RESULTS.md)."""

from __future__ import annotations
