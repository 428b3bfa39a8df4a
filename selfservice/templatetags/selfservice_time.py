"""``{{ moment|relative_time }}``: a ``<time>`` element saying "3 hours ago" or "in 2 days".

Django's ``timesince`` says "0 minutes" for a moment seconds old, and every template had to
wrap it in its own "ago" sentence. This filter does the whole element once, the same way on
every tab:

- under a minute from now: "just now" (past) or "in less than a minute" (future);
- otherwise "N units ago" / "in N units" (Django's ``timesince``/``timeuntil`` wording, two
  units at most: "1 day, 3 hours ago");
- ``datetime`` is the moment in the active time zone with its offset (machine-readable),
  ``title`` the exact date and time in the active language and time zone (shown on hover);
- every part is translated and escaped. Anything that is not a ``datetime`` renders as "".

Usage: ``{% load selfservice_time %}`` then ``{{ row.last_active|relative_time }}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext

__all__ = ["relative_text", "relative_time"]

register = template.Library()

#: Closer to now than this is "just now" / "in less than a minute" (timesince would say "0 minutes").
JUST_NOW = timedelta(minutes=1)


def relative_text(moment: datetime, now: datetime | None = None) -> str:
    """The words for ``moment`` seen from ``now`` (default: the current time), translated."""
    if now is None:
        now = timezone.now() if timezone.is_aware(moment) else datetime.now()
    delta = now - moment
    if abs(delta) < JUST_NOW:
        return gettext("just now") if delta >= timedelta(0) else gettext("in less than a minute")
    if delta > timedelta(0):
        return gettext("%(since)s ago") % {"since": timesince(moment, now)}
    return gettext("in %(until)s") % {"until": timeuntil(moment, now)}


@register.filter
def relative_time(value: object) -> SafeString | str:
    """A ``<time datetime=… title=exact>`` element with :func:`relative_text`; "" for non-datetimes."""
    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(timespec="seconds"),
        formats.date_format(local, "DATETIME_FORMAT"),
        relative_text(value),
    )
