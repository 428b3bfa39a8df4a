"""After a change whose answer was lost: read the truth back before telling the user anything.

A timeout or an unreadable answer to a write (:class:`~selfservice.gateway.UpstreamUncertain`)
leaves its outcome unknown: Auth0 may have made the change. "We could not confirm" makes the
user reload and guess, so the views read the resource again first (the read cache dropped its
copy on the uncertain answer, so this read goes to Auth0, within the Management budget) and say
what is true: done, not done, or -- only when that read fails as well -- unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from selfservice.gateway import GatewayError

logger = logging.getLogger("selfservice.read_back")

T = TypeVar("T")


@dataclass(frozen=True)
class Truth(Generic[T]):
    """What the read-back found: ``known`` False when it could not be read (then ``value`` is None)."""

    known: bool
    value: T | None = None


def read_back(read: Callable[[], T], *, change: str) -> Truth[T]:
    """Read the state an unconfirmed ``change`` (an audit action name, for the log) left behind."""
    try:
        value = read()
    except GatewayError as error:
        logger.warning("Read-back after an unconfirmed %s failed (%s): the outcome stays unknown", change,
                       type(error).__name__)
        return Truth(False)
    logger.info("Read-back after an unconfirmed %s", change)
    return Truth(True, value)
