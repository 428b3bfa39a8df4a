"""Public path for ``SOCIAL_AUTH_PIPELINE``: ``"selfservice.pipeline.store_auth0_session"``.

The step lives in :mod:`selfservice.login.pipeline`; this name stays for sites' settings.
"""

from __future__ import annotations

from selfservice.login.pipeline import AUTH_TIME_KEY, SID_KEY, store_auth0_session

__all__ = ["AUTH_TIME_KEY", "SID_KEY", "store_auth0_session"]
