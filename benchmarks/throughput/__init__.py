"""Requests/s of each tab under load vs the bare render of its template (``python -m benchmarks.throughput.run``)."""
