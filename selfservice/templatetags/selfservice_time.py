"""``{{ moment|relative_time }}``: a ``<time>`` element saying "3 hours ago" or "in 2 days".

Django's ``timesince`` says "0 minutes" for a moment seconds old, and every template had to
wrap it in its own "ago" sentence. This filter does the whole element once, the same way on
every tab:

- under a minute from now: "just now" (past) or "in less than a minute" (future);
- otherwise "N units ago" / "in N units" (Django's ``timesince``/``timeuntil`` wording, the
  largest unit only: "1 day ago", "in 2 days"; the exact moment is in the ``title``);
- ``datetime`` is the moment in the active time zone with its offset (machine-readable),
  ``title`` the exact date and time in the active language and time zone (shown on hover);
- every part is translated and escaped. Anything that is not a ``datetime`` renders as "".

``{{ moment|absolute_time }}`` is the same element with the exact date and time as its text
(no ``title``); ``{{ day|absolute_date }}`` the same with the date only. Both use the active
locale's ``DATETIME_FORMAT`` / ``DATE_FORMAT`` with full month names: English's
Associated Press abbreviations ("Nov.", but "March") read as two different formats side by
side, so ``N`` is shown as ``F`` ("November 30, 2026"); every other part is the locale's.

``relative_time`` and ``absolute_time`` are what a Sessions page of 20 rows calls 60 times,
so the exact text (one ``date_format``, the slowest part) is kept per moment, zone and
language in a bounded cache (``absolute_date``'s per day or moment, zone and language):
the same sessions are shown again and again, and the key holds everything the text depends on
(cleared when a format setting changes).

Usage: ``{% load selfservice_time %}`` then ``{{ row.last_active|relative_time }}``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.timesince import TIME_STRINGS, timesince, timeuntil
from django.utils.translation import get_language, gettext

__all__ = ["Moments", "absolute_date", "absolute_time", "locale_format", "relative_text", "relative_time"]

register = template.Library()

#: Closer to now than this is "just now" / "in less than a minute" (timesince would say "0 minutes").
JUST_NOW = timedelta(minutes=1)


class _Unit:
    """One of ``timesince``'s unit strings ("%(num)d hours"), translated once per number and language.

    ``timesince`` formats a lazy ``ngettext`` for every call, most of its time; handing it these
    instead (its ``time_strings`` parameter) keeps Django's own arithmetic and wording.
    """

    __slots__ = ("language", "name")

    def __init__(self, name: str, language: str | None) -> None:
        self.name, self.language = name, language

    def __mod__(self, params: dict[str, int]) -> str:
        return _unit_text(self.name, params["num"], self.language)


@lru_cache(maxsize=1024)
def _unit_text(name: str, number: int, language: str | None) -> str:
    return str(TIME_STRINGS[name] % {"num": number})


@lru_cache(maxsize=64)
def _units(language: str | None) -> dict[str, Any]:
    """``time_strings`` for ``timesince`` in ``language``."""
    return {name: _Unit(name, language) for name in TIME_STRINGS}


@lru_cache(maxsize=1024)
def _phrase(past: bool, amount: str, language: str | None) -> str:
    return gettext("%(since)s ago") % {"since": amount} if past else gettext("in %(until)s") % {"until": amount}


#: ``timesince``'s units below a month, largest first, in seconds.
_CHUNKS = (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60))
#: Under 28 days no calendar month fits between two moments, so ``timesince`` counts whole
#: weeks, days, hours or minutes of the elapsed seconds: the same answer without its calendar
#: arithmetic (tests/core/test_relative_time.py compares both across every unit boundary).
_NO_MONTH = 28 * 86400


@lru_cache(maxsize=4096)
def _short_words(past: bool, seconds: int, language: str | None) -> str:
    """What :func:`relative_text` says for ``seconds`` (60 up to 28 days) elapsed or to come."""
    name, count = next((name, seconds // size) for name, size in _CHUNKS if seconds >= size)
    return _phrase(past, _unit_text(name, count, language).replace(" ", "\xa0"), language)


def relative_text(moment: datetime, now: datetime | None = None, language: str | None = None) -> str:
    """The words for ``moment`` seen from ``now`` (default: the current time), translated.

    Under 28 days they come straight from the elapsed seconds, once per number, direction and
    language; beyond, Django's ``timesince`` does the calendar arithmetic. ``language``: the
    active language, when the caller already knows it.
    """
    if now is None:
        now = _now_for(moment)
    delta = now - moment
    if abs(delta) < JUST_NOW:
        return gettext("just now") if delta >= timedelta(0) else gettext("in less than a minute")
    past = delta > timedelta(0)
    language = get_language() if language is None else language
    span = delta if past else -delta
    seconds = span.days * 86400 + span.seconds  # timesince ignores microseconds too
    if seconds < _NO_MONTH:
        return _short_words(past, seconds, language)
    units = _units(language)
    amount = (timesince(moment, now, time_strings=units, depth=1) if past
              else timeuntil(moment, now, time_strings=units, depth=1))
    return _phrase(past, amount, language)


def _now_for(moment: datetime) -> datetime:
    """The current time, aware for an aware moment and naive for a naive one (whatever USE_TZ says)."""
    now = timezone.now()
    aware = timezone.is_aware(moment)
    return now if timezone.is_aware(now) == aware else datetime.now(UTC if aware else None)


def locale_format(name: str) -> str:
    """The active locale's ``name`` format (``"DATE_FORMAT"``, ...) with full month names for ``N``."""
    found = str(formats.get_format(name))
    # A backslash escapes the next character in a format: "\\N" stays a literal N.
    return "".join(
        "F" if char == "N" and (index == 0 or found[index - 1] != "\\") else char for index, char in enumerate(found)
    )


@lru_cache(maxsize=4096)
def _moment(value: datetime, zone: tzinfo, language: str | None) -> tuple[str, str]:
    """``value``'s ``datetime=`` attribute (local, with its offset) and exact text in ``zone`` and ``language``.

    The key compares aware moments by instant, which is all the two strings depend on once
    converted to ``zone``; a naive moment is shown as it is.
    """
    local = _in_zone(value, zone)
    return local.isoformat(timespec="seconds"), str(escape(formats.date_format(local, locale_format("DATETIME_FORMAT"))))


@lru_cache(maxsize=4096)
def _day(value: date, zone: tzinfo, language: str | None) -> tuple[str, str]:
    """``value``'s ``datetime=`` attribute and date text (``DATE_FORMAT``) in ``zone`` and ``language``.

    A datetime is shown on its day in ``zone``; a date as it is (its key never equals a datetime's).
    """
    local: date = value
    iso = value.isoformat()
    if isinstance(value, datetime):
        moment = _in_zone(value, zone)
        local, iso = moment, moment.isoformat(timespec="seconds")
    return iso, str(escape(formats.date_format(local, locale_format("DATE_FORMAT"))))


def _in_zone(value: datetime, zone: tzinfo) -> datetime:
    """An aware moment as seen in ``zone``; a naive one as it is."""
    return value.astimezone(zone) if timezone.is_aware(value) else value


class Moments:
    """The three filters' elements for one render: the language, the time zone and "now" read once.

    Why: a Sessions page writes 60 of them, and reading the active language and time zone (two
    context-local lookups) and the clock for each was about half of their cost. The filters
    below are one-element uses of it; code that writes many elements keeps one per render.
    """

    __slots__ = ("aware", "language", "now", "zone")

    def __init__(self) -> None:
        self.language = get_language()
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.aware = timezone.is_aware(self.now)

    def relative(self, value: object) -> SafeString | str:
        """``relative_time``: "" for anything but a datetime."""
        if not isinstance(value, datetime):
            return ""
        iso, exact = _moment(value, self.zone, self.language)
        now = self.now if timezone.is_aware(value) == self.aware else None
        words = escape(relative_text(value, now, self.language))
        return SafeString(f'<time datetime="{iso}" title="{exact}">{words}</time>')

    def absolute(self, value: object) -> SafeString | str:
        """``absolute_time``: "" for anything but a datetime."""
        if not isinstance(value, datetime):
            return ""
        iso, exact = _moment(value, self.zone, self.language)
        return SafeString(f'<time datetime="{iso}">{exact}</time>')

    def day(self, value: object) -> SafeString | str:
        """``absolute_date``: "" for anything but a date or datetime."""
        if not isinstance(value, date):
            return ""
        iso, text = _day(value, self.zone, self.language)
        return SafeString(f'<time datetime="{iso}">{text}</time>')


@register.filter
def relative_time(value: object) -> SafeString | str:
    """A ``<time datetime=… title=exact>`` element with :func:`relative_text`; "" for non-datetimes."""
    return Moments().relative(value)


@register.filter
def absolute_time(value: object) -> SafeString | str:
    """A ``<time datetime=…>`` element with the exact date and time (``DATETIME_FORMAT``); "" for non-datetimes."""
    return Moments().absolute(value)


@register.filter
def absolute_date(value: object) -> SafeString | str:
    """A ``<time datetime=…>`` element with the date (``DATE_FORMAT``); "" for anything but a date or datetime."""
    return Moments().day(value)


def _forget_formats(*, setting: str, **kwargs: Any) -> None:
    if setting in {"DATETIME_FORMAT", "DATE_FORMAT", "FORMAT_MODULE_PATH", "USE_L10N", "LANGUAGES", "LANGUAGE_CODE", "TIME_ZONE", "USE_TZ"}:
        _moment.cache_clear()
        _day.cache_clear()
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "INSTALLED_APPS"}:
        for cached in (_unit_text, _units, _phrase, _short_words):
            cached.cache_clear()


setting_changed.connect(_forget_formats)
