"""The demo site: a plain Django project that uses selfservice (see README "Demo")."""

from __future__ import annotations
