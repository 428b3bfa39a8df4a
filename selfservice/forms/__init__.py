"""Forms of the account tabs: the profile form and the JSON-Schema-built preferences form."""

from __future__ import annotations

from .preferences import PreferencesForm, build_form_class
from .profile import ProfileForm

__all__ = ["PreferencesForm", "ProfileForm", "build_form_class"]
