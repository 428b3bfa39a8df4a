"""Step-up: a sensitive action needs a recent sign-in (DESIGN.md "Step-up").

Removing an MFA method, a new recovery code and signing out everywhere else are what someone
who found an unlocked, long-signed-in browser would do first. So before any of them, and
before anything is read from or sent to Auth0, the view asks
:meth:`DefaultAdapter.requires_recent_login <selfservice.core.adapter.DefaultAdapter.requires_recent_login>`
(by default: is the session's ``auth_time`` older than ``STEP_UP_MAX_AGE``?). If so:

1. The user gets "Confirm it's you" (:func:`require_recent_login`): the page itself (200) for a
   plain request, ``HX-Redirect`` to :class:`StepUpView` for htmx. The session remembers whom
   the step-up is for (:data:`PENDING_KEY`, the Auth0 user id).
2. Its button POSTs to social-auth's begin view (a GET cannot start a login: login CSRF) with
   ``max_age=0``, ``prompt=login`` and ``login_hint``; the backend forwards exactly those to
   ``/authorize`` (:func:`authorize_arguments`), so Auth0 asks for the password even with an
   SSO cookie.
3. On the way back the backend checks, before any pipeline step could link or log in an
   account, that the ID token's ``sub`` is the user the step-up was for. Anyone else is
   refused: audited (``stepup.mismatch``), signed out here (:func:`refuse_other_user`).
4. The same user lands on ``next``, the action's own confirm step, with a fresh ``auth_time``,
   and confirms again. Nothing is ever done on the way back by itself: the CSRF token is
   rotated (:func:`confirmed`), so no form posted before the step-up can be replayed after it.

A future flow that signs a signed-in user in as *another* identity on purpose (linking) must
:func:`forget_pending` first, or it would be refused here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from selfservice.core import audit, kept_input
from selfservice.core.views import AccountTabView

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.functional import Promise

__all__ = [
    "ACTIONS",
    "PENDING_KEY",
    "StepUpView",
    "authorize_arguments",
    "confirmed",
    "forget_pending",
    "mark_pending",
    "refuse_other_user",
    "require_recent_login",
    "step_up_url",
    "take_pending",
]

logger = logging.getLogger("selfservice")

#: Session key: the Auth0 user id a step-up was started for (until the next completed login).
PENDING_KEY = "selfservice_step_up_sub"
#: What the confirm page says is about to happen, per action the adapter is asked about.
ACTIONS: dict[str, Promise] = {
    "mfa.remove": _("You are about to remove a way of proving it's you when you sign in."),
    "mfa.recovery_code": _("You are about to replace your recovery code."),
    "sessions.revoke_others": _("You are about to sign out of every other device and browser."),
    "email.change": _("You are about to change the email address you sign in with."),
    "password.change": _("You are about to change your password."),
    "identities.link": _("You are about to link another way of signing in to your account."),
    "identities.unlink": _("You are about to unlink a way of signing in from your account."),
    "account.delete": _("You are about to delete your account and everything it holds, for good."),
}
#: RFC 5321's longest address; Auth0 takes an email (or a username) as the hint.
LOGIN_HINT_MAX_LENGTH = 320
_MAX_AGE = re.compile(r"[0-9]{1,10}")
_PROMPTS = frozenset({"login"})
TEMPLATE = "selfservice/step_up.html"


def authorize_arguments(data: Mapping[str, Any]) -> dict[str, str]:
    """The step-up parameters of a begin request, checked, for ``/authorize``.

    Only ``max_age`` (digits), ``prompt`` (``login``) and ``login_hint`` (printable, at most
    320 characters) pass; anything else a browser adds is dropped. They can only make Auth0
    ask for more, never less, so accepting them from any begin request is safe.
    """
    arguments: dict[str, str] = {}
    max_age = data.get("max_age")
    if isinstance(max_age, str) and _MAX_AGE.fullmatch(max_age):
        arguments["max_age"] = max_age
    prompt = data.get("prompt")
    if isinstance(prompt, str) and prompt in _PROMPTS:
        arguments["prompt"] = prompt
    hint = data.get("login_hint")
    if isinstance(hint, str) and 0 < len(hint) <= LOGIN_HINT_MAX_LENGTH and hint.isprintable():
        arguments["login_hint"] = hint
    return arguments


def mark_pending(session: SessionBase, auth0_user_id: str) -> None:
    """Remember whom the step-up shown in this session is for."""
    session[PENDING_KEY] = auth0_user_id


def take_pending(session: SessionBase) -> str | None:
    """The Auth0 user id a pending step-up expects back (and forget it), or None."""
    value = session.pop(PENDING_KEY, None)
    return value if isinstance(value, str) and value else None


def forget_pending(session: SessionBase) -> None:
    """Drop a pending step-up (a flow that signs in as another identity on purpose)."""
    session.pop(PENDING_KEY, None)


def refuse_other_user(request: HttpRequest, *, expected: str, returned: str) -> None:
    """A step-up came back as someone else: audit it and sign this browser out here.

    Called by the backend before social-auth's pipeline runs, so the other account is never
    linked to this user nor signed in.
    """
    logger.warning("Step-up for %s came back as another Auth0 user; signed out.", expected)
    audit.record(request, action="stepup.mismatch", target=returned, details={"expected": expected}, auth0_user_id=expected)
    logout(request)


def confirmed(request: HttpRequest) -> None:
    """The step-up came back as the expected user: invalidate forms posted before it, say what's next."""
    rotate_token(request)
    messages.info(request, _("You signed in again. Now confirm to continue."), fail_silently=True)


def step_up_url(next_url: str, action: str) -> str:
    """Where :class:`StepUpView` asks "Confirm it's you" before coming back to ``next_url``."""
    return reverse("selfservice:step-up") + "?" + urlencode({"next": next_url, "action": action})


def require_recent_login(view: AccountTabView, action: str, next_url: str) -> HttpResponse | None:
    """None when ``action`` may go ahead; otherwise the "Confirm it's you" answer.

    ``next_url`` is the action's confirm step (a GET), where the user comes back to after
    signing in again and confirms once more. A plain request gets the page right away (200:
    it is a page to act on, not an error); htmx gets ``HX-Redirect`` to it, since the step-up
    leaves the site and a swapped-in panel could not. A form of a view that ``keeps_input``
    is kept for the way back (:mod:`selfservice.core.kept_input`), as when a session ends.
    """
    if not view.adapter.requires_recent_login(view.request, action):
        return None
    if view.request.method == "POST" and view.keeps_input:
        kept_input.keep(view.request)  # the confirm step shows what was typed again
    if getattr(view.request, "htmx", False):
        return HttpResponseClientRedirect(step_up_url(next_url, action))
    return render_page(view, action, next_url, cancel_url=view.tab_url())


def render_page(view: AccountTabView, action: str, next_url: str, *, cancel_url: str) -> TemplateResponse:
    """The "Confirm it's you" page, and the pending mark the way back is checked against."""
    request = view.request
    mark_pending(request.session, view.auth0_user_id)
    email = str(getattr(request.user, "email", "") or "")
    context = view.get_context_data(
        tab_title=_("Confirm it's you"),
        step_up_next=next_url,
        step_up_reason=ACTIONS.get(action),
        login_hint=email if len(email) <= LOGIN_HINT_MAX_LENGTH else "",
        cancel_url=cancel_url,
    )
    return TemplateResponse(request, TEMPLATE, context)


def _account_path(request: HttpRequest, candidate: str) -> tuple[str, str] | None:
    """``(path, tab)`` when ``candidate`` is a page of this app on this site, else None."""
    if not candidate.startswith("/") or candidate.startswith("//") or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    try:
        match = resolve(urlsplit(candidate).path)
    except Resolver404:
        return None
    if "selfservice" not in match.namespaces:
        return None
    view_class = getattr(match.func, "view_class", None)
    return candidate, str(getattr(view_class, "tab", "") or "")


class StepUpView(AccountTabView):
    """GET ``?next=<confirm step>&action=NAME``: "Confirm it's you" (where htmx requests are sent).

    ``next`` must be one of this app's pages on this site (anything else becomes the account
    index): the page is a way back into the account, never a redirect elsewhere. Reads and
    sends nothing upstream.
    """

    http_method_names = ["get"]
    title = _("Confirm it's you")
    template_name = TEMPLATE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        found = _account_path(request, str(request.GET.get("next", "")))
        next_url, self.tab = found or (reverse("selfservice:index"), "")
        action = str(request.GET.get("action", ""))
        if action in ACTIONS and not self.adapter.requires_recent_login(request, action):
            return HttpResponseRedirect(next_url)  # signed in again meanwhile (another tab, Back)
        return render_page(self, action, next_url, cancel_url=self.tab_url())
