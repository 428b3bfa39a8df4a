"""System check of ``STEP_UP_MAX_AGE`` (selfservice.E050), run from :mod:`selfservice.checks`.

Kept apart from :mod:`selfservice.core.step_up`, which imports the views: ``manage.py check``
should not need the view layer to tell a site that a number is not a number.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage

from selfservice.core.problems import PROBLEMS

__all__ = ["check_step_up_settings"]


def check_step_up_settings(merged: dict[str, Any]) -> list[CheckMessage]:
    """E050 unless ``STEP_UP_MAX_AGE`` is None or a positive whole number of seconds."""
    value = merged.get("STEP_UP_MAX_AGE")
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return []
    return [PROBLEMS["bad_step_up_max_age"](value=value)]
