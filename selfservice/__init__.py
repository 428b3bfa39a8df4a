"""selfservice: account pages for the signed-in users of a Django site, backed by Auth0.

Importing this package must stay cheap and Django-free: the emulator and its pytest plugin
import ``selfservice.emulator`` before Django settings exist.
"""

from __future__ import annotations

__version__ = "0.1.0"
