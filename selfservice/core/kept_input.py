"""What a user typed into a form when their session had ended, kept while they sign in again.

A session can end under an open page: it expires, the user signs out in another window, or the
tenant ends it (back-channel logout). Pressing Save then reaches the site as an anonymous POST,
which can only be sent to the login page, and what was typed would be lost. Instead the POST's
fields are kept in the new, anonymous session; Django carries its data through the login
(``login()`` cycles the key of a session without a user and keeps what it holds), and the
form's page shows the values again, unsaved, with a message saying so. A form that step-up
interrupts (the sign-in got too old while the user typed) is kept the same way.

- Only a form that says whose it is: a hidden ``selfservice_owner`` field with
  :func:`owner_marker`, an HMAC of the Auth0 user id under the site's ``SECRET_KEY`` (it reveals
  nothing, and no one can compute another user's). The values come back only to the user it
  names; anyone else who signs in next in that browser never sees them, and the first account
  page they open drops them.
- Only views that opt in (``keeps_input``), only the posted fields minus the CSRF token, at
  most :data:`MAX_BYTES`, for :data:`MAX_AGE` seconds, an anonymous POST counted against the
  ``write.ip`` request limit (it creates a session row), and never with cookie-based sessions (the
  cookie would outgrow what browsers keep).
- Nothing is saved on the user's behalf: they see the values and press Save again. The values
  stay on the server (the session), never in the browser's storage.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils.crypto import constant_time_compare, salted_hmac

from selfservice.core.ratelimits import client_ip, count_each

__all__ = ["MAX_AGE", "MAX_BYTES", "OWNER_FIELD", "find", "forget", "keep", "owner_marker", "sent_by_another_user"]

#: The hidden field naming the form's owner.
OWNER_FIELD = "selfservice_owner"
#: How long kept values wait for their owner to sign in again, in seconds.
MAX_AGE = 30 * 60
#: The most a kept form may take, as JSON (a profile is at most 10 KB at Auth0, metadata 16 KB).
MAX_BYTES = 32 * 1024

SESSION_KEY = "selfservice_kept_input"
_SALT = "selfservice.core.kept_input"
_MARKER = re.compile(r"[0-9a-f]{32}")
_NOT_KEPT = frozenset({"csrfmiddlewaretoken", OWNER_FIELD})
_COOKIE_SESSIONS = "django.contrib.sessions.backends.signed_cookies"


def owner_marker(auth0_user_id: str) -> str:
    """The value of a form's ``selfservice_owner`` field for ``auth0_user_id`` (32 hex digits)."""
    return salted_hmac(_SALT, auth0_user_id, algorithm="sha256").hexdigest()[:32]


def keep(request: HttpRequest) -> bool:
    """Keep a POST's fields in its session for their owner; True when kept.

    For an anonymous POST (the session ended) and for one that step-up interrupts. Call only
    for a view that shows the same form again on a GET of ``request.path``.
    """
    owner = request.POST.get(OWNER_FIELD, "")
    if not _MARKER.fullmatch(owner) or getattr(settings, "SESSION_ENGINE", "") == _COOKIE_SESSIONS:
        return False
    fields = [[name, value] for name, values in request.POST.lists() if name not in _NOT_KEPT for value in values]
    entry = {"path": request.path, "owner": owner, "at": int(time.time()), "fields": fields}
    if len(json.dumps(entry).encode()) > MAX_BYTES:
        return False
    # An anonymous POST creates a session row: over this address's write limit, none is made. A
    # signed-in one (interrupted by step-up) was counted by the account pages' own limits.
    signed_in = bool(getattr(getattr(request, "user", None), "is_authenticated", False))
    if not signed_in and count_each((("write.ip", client_ip(request)),)) is not None:
        return False
    request.session[SESSION_KEY] = entry
    return True


def find(request: HttpRequest, auth0_user_id: str) -> QueryDict | None:
    """The fields kept for this signed-in user and this page (a GET), else None.

    Values kept for someone else, or for longer than :data:`MAX_AGE`, are dropped here on the
    first account page anyone opens. Values for another page of this user wait for it; a POST
    to their page drops them (the form is being sent again). Found values stay until
    :func:`forget` (once the form shows them): a page that fails before that keeps them.
    """
    entry: Any = request.session.get(SESSION_KEY)
    if entry is None:
        return None
    if not _is_entry(entry) or not _names(entry["owner"], auth0_user_id) or time.time() - entry["at"] > MAX_AGE:
        forget(request)
        return None
    if entry["path"] != request.path or request.method == "HEAD":
        return None  # for their page's GET (a HEAD would run it and show nothing)
    if request.method != "GET":
        forget(request)
        return None
    data = QueryDict(mutable=True)
    for name, value in entry["fields"]:
        data.appendlist(name, value)
    data._mutable = False
    return data


def forget(request: HttpRequest) -> None:
    """Drop the kept fields (shown once, or not theirs to show)."""
    request.session.pop(SESSION_KEY, None)


def sent_by_another_user(request: HttpRequest, auth0_user_id: str) -> bool:
    """Whether this POST's form names an owner other than the signed-in user.

    The page was opened by someone else in this browser, who has since been replaced (the form
    carries the old CSRF token, so Django refuses it first; this holds even where the token was
    renewed meanwhile). A form without the field (an older template, the JSON API) names nobody.
    """
    owner = request.POST.get(OWNER_FIELD)
    return owner is not None and not _names(owner, auth0_user_id)


def _is_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("owner"), str)
        and isinstance(entry.get("at"), int)
        and isinstance(entry.get("fields"), list)
        and all(isinstance(pair, list) and len(pair) == 2 and all(isinstance(part, str) for part in pair)
                for pair in entry["fields"])
    )


def _names(owner: str, auth0_user_id: str) -> bool:
    """Whether the owner value ``owner`` is that of ``auth0_user_id`` (never of no one)."""
    return bool(auth0_user_id) and constant_time_compare(owner, owner_marker(auth0_user_id))
