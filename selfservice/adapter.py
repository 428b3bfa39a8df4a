"""Public path for ``SELFSERVICE["ADAPTER"]``: subclass ``selfservice.adapter.DefaultAdapter``.

The adapter lives in :mod:`selfservice.core.adapter`; this name stays for sites' code.
"""

from __future__ import annotations

from selfservice.core.adapter import (
    DATABASE_PROVIDERS,
    DEFAULT_ADAPTER,
    PROFILE_FIELDS,
    DefaultAdapter,
    get_adapter,
    resolve_auth0_user_id,
)

__all__ = [
    "DATABASE_PROVIDERS",
    "DEFAULT_ADAPTER",
    "PROFILE_FIELDS",
    "DefaultAdapter",
    "get_adapter",
    "resolve_auth0_user_id",
]
