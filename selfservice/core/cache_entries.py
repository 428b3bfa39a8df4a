"""How the read cache keeps a copy: one entry per user and kind, under a key that hides the user id.

- :class:`Entry`: when Auth0 answered, whose copy it is (checked on every read, so a hash
  collision or a tampered cache never shows one user another's data) and the value;
- :func:`entry_key`: ``<prefix>:read:<kind>:<sha256 of the Auth0 user id>``;
- :func:`packed`: the entry as it is stored, its value packed for :data:`PACKED_KINDS`
  (:mod:`selfservice.core.decoded_copies`);
- :func:`forget_user`: drop a user's copies (logout, back-channel logout, account deletion).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from selfservice.conf import SelfServiceSettings, get_settings
from selfservice.core.decoded_copies import pack
from selfservice.core.shared_cache import shared_cache

__all__ = ["PACKED_KINDS", "USER_KINDS", "Entry", "entry_key", "forget_user", "packed"]

USER_KINDS = ("user", "methods", "sessions")
#: Kinds kept as bytes and decoded once per process: immutable values, and costly to decode.
PACKED_KINDS = frozenset({"methods", "sessions"})


@dataclass(frozen=True)
class Entry:
    at: float
    owner: str
    value: Any


def packed(kind: str, entry: Entry) -> Entry:
    """``entry`` as the cache keeps it."""
    return Entry(entry.at, entry.owner, pack(entry.value)) if kind in PACKED_KINDS else entry


def entry_key(settings: SelfServiceSettings, kind: str, owner: str) -> str:
    return f"{settings.cache_key_prefix}:read:{kind}:{hashlib.sha256(owner.encode()).hexdigest()[:40]}"


def forget_user(user_id: str, kinds: tuple[str, ...] = USER_KINDS, settings: SelfServiceSettings | None = None) -> None:
    """Drop a user's cached copies (logout, back-channel logout, account deletion)."""
    settings = settings or get_settings()
    if user_id:
        shared_cache(settings.cache_alias).delete_many([entry_key(settings, kind, user_id) for kind in kinds])
