"""Large cached copies kept as bytes in the shared cache and decoded once per process.

Why: a warm Sessions page read the user's whole listing from the cache and unpickled it on
every request: 40 sessions are 22 KB and some 700 objects (240 of them datetimes), the largest
single cost of the tab's own work; a user with 1,000 sessions paid it 25 times over on every
``?page=N``. Now the cache entry holds the pickled bytes and their digest (:func:`pack`), and
:func:`unpack` decodes a digest once per process and reuses the value while it stays in a
small, byte-bounded memo.

The shared cache stays the only source of truth: every request still reads the entry from it,
and an entry another worker or host replaced carries a new digest, so it is decoded anew; the
memo can only save work, never serve something the cache no longer holds. Only immutable
values (frozen dataclasses and tuples of them) are packed, so one decoded object may be shared
by requests and threads.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["MEMO_BYTES", "Packed", "forget_decoded", "pack", "unpack"]

#: Payload bytes the memo keeps at most. Decoded, a listing takes about 4x its payload (Carol's
#: 40 sessions: 22 KB pickled, 86 KB of objects), so about 16 MB per worker at most.
MEMO_BYTES = 4 * 1024 * 1024
#: A payload larger than this is decoded every time instead of crowding out the others.
LARGEST_KEPT = 1024 * 1024

_memo: OrderedDict[bytes, tuple[int, Any]] = OrderedDict()
_memo_bytes = 0
_lock = threading.Lock()


@dataclass(frozen=True)
class Packed:
    """An immutable value as pickled bytes, named by their digest."""

    digest: bytes
    payload: bytes


def pack(value: Any) -> Packed:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return Packed(hashlib.blake2b(payload, digest_size=16).digest(), payload)


def unpack(packed: Packed) -> Any:
    """The value ``packed`` holds: decoded once per process while the memo keeps it."""
    global _memo_bytes
    with _lock:
        kept = _memo.get(packed.digest)
        if kept is not None:
            _memo.move_to_end(packed.digest)
            return kept[1]
    value = pickle.loads(packed.payload)  # the cache backend unpickles its entries the same way
    size = len(packed.payload)
    if size <= LARGEST_KEPT:
        with _lock:
            if packed.digest not in _memo:
                _memo[packed.digest] = (size, value)
                _memo_bytes += size
            while _memo_bytes > MEMO_BYTES:
                _digest, (dropped, _value) = _memo.popitem(last=False)
                _memo_bytes -= dropped
    return value


def forget_decoded() -> None:
    """Empty the memo (tests; nothing else needs it: a changed entry has a new digest)."""
    global _memo_bytes
    with _lock:
        _memo.clear()
        _memo_bytes = 0
