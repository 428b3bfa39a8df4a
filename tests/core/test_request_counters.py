"""The per-request counters (``read.*``, ``write.*``): fixed windows, a wait that ends with the
window, rates in django-ratelimit's syntax."""

from __future__ import annotations

import pytest

from selfservice.core.window_counters import count, rate_period


@pytest.mark.parametrize(("rate", "allowed", "period"), [("10/s", 10, 1), ("3000/m", 3000, 60), ("100/5m", 100, 300),
                                                         ("2/h", 2, 3600), ("1/2d", 1, 172800)])
def test_rates_read_as_django_ratelimit_writes_them(rate: str, allowed: int, period: int) -> None:
    assert rate_period(rate) == (allowed, period)


@pytest.mark.parametrize("rate", ["", "10", "10/x", "/m", "ten/m", "10/m "])
def test_anything_else_is_not_a_rate(rate: str) -> None:
    with pytest.raises(ValueError):
        rate_period(rate)


def test_the_request_over_the_limit_waits_until_the_window_ends() -> None:
    start = 6_000_000_000.0  # a window boundary for every period above
    answers = [count("read.user", "auth0|alice", "2/m", now=start + offset) for offset in (0.0, 10.0, 59.2)]

    assert answers == [None, None, 1]  # 0.8 s left, said as 1
    assert count("read.user", "auth0|alice", "2/m", now=start + 30.0) == 30  # still counted when over
    assert count("read.user", "auth0|alice", "2/m", now=start + 60.0) is None  # the next window


def test_each_limit_and_subject_has_its_own_counter() -> None:
    now = 6_000_000_000.0
    assert count("read.user", "auth0|alice", "1/m", now=now) is None
    assert count("read.user", "auth0|alice", "1/m", now=now) == 60

    assert count("read.user", "auth0|bob", "1/m", now=now) is None
    assert count("write.user", "auth0|alice", "1/m", now=now) is None
    assert count("read.ip", "auth0|alice", "1/m", now=now) is None
