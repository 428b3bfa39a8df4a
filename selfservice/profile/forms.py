"""The General tab's form: the root attributes a user may change, and what actually changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from selfservice.core.adapter import PROFILE_FIELDS
from selfservice.core.form_rendering import stock_markup_renderer

if TYPE_CHECKING:
    from selfservice.gateway import UserProfile

__all__ = ["NAME_MAX_LENGTH", "PICTURE_MAX_LENGTH", "HttpsURLField", "ProfileForm"]

# Auth0 caps name-like root attributes well above what a person types; 150 keeps pages tidy.
NAME_MAX_LENGTH = 150
PICTURE_MAX_LENGTH = 2048


class HttpsURLField(forms.URLField):
    """A URL field that accepts https only: the picture is shown to the user on every page."""

    # Its own code: the field would replace an "invalid" message with "Enter a valid URL.".
    default_validators = [URLValidator(schemes=["https"], message=_("Enter an https:// address."), code="not_https")]
    # An address reads left to right in every language (browsers mirror url inputs on an RTL page).
    widget = forms.URLInput(attrs={"dir": "ltr"})


# Names are written in any script: dir="auto" lays an Arabic or Hebrew name out right to left on
# an English page, and a Latin one left to right on a mirrored page (each field gets a copy).
_WRITTEN = forms.TextInput(attrs={"dir": "auto"})


class ProfileForm(forms.Form):
    """Edit ``name, given_name, family_name, nickname, picture``; only ``editable`` ones exist.

    Fields the adapter does not allow are removed, not disabled, so a tampered POST that
    carries them is simply ignored and they can never reach Auth0.
    """

    name = forms.CharField(label=_("Full name"), max_length=NAME_MAX_LENGTH, required=False, widget=_WRITTEN)
    given_name = forms.CharField(label=_("Given name"), max_length=NAME_MAX_LENGTH, required=False, widget=_WRITTEN)
    family_name = forms.CharField(label=_("Family name"), max_length=NAME_MAX_LENGTH, required=False, widget=_WRITTEN)
    nickname = forms.CharField(label=_("Nickname"), max_length=NAME_MAX_LENGTH, required=False, widget=_WRITTEN)
    picture = HttpsURLField(
        label=_("Picture URL"),
        max_length=PICTURE_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        help_text=_("The https:// address of an image."),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        editable: Iterable[str],
        profile: UserProfile | None = None,
        **kwargs: Any,
    ) -> None:
        if profile is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(profile, name) or "" for name in PROFILE_FIELDS}
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("renderer", stock_markup_renderer())
        super().__init__(data, **kwargs)
        allowed = set(editable) & set(PROFILE_FIELDS)
        for name in list(self.fields):
            if name not in allowed:
                del self.fields[name]

    @classmethod
    def from_submitted(cls, data: Mapping[str, Any]) -> ProfileForm:
        """A form over the fields present in ``data``, when the profile could not be fetched.

        Used to keep what the user typed on an error page; it is never saved from (the next
        submit fetches the profile and asks the adapter again).
        """
        return cls(data, editable=[name for name in PROFILE_FIELDS if name in data])

    def changes(self, profile: UserProfile) -> dict[str, str | None]:
        """The cleaned values that differ from ``profile``; an emptied field becomes ``None``.

        ``None`` tells Auth0 to unset the attribute; a field that was empty and stays empty is
        not a change. Call after ``is_valid()``.
        """
        changed: dict[str, str | None] = {}
        for name in self.fields:
            new = self.cleaned_data.get(name) or None
            old = getattr(profile, name) or None
            if new != old:
                changed[name] = new
        return changed
