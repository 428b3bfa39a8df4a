"""Forms of the account tabs (the Preferences schema form arrives with its issue)."""

from __future__ import annotations

from .profile import ProfileForm

__all__ = ["ProfileForm"]
