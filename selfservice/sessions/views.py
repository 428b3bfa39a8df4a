"""The Sessions tab: the user's Auth0 sessions, revoking one, signing out everywhere else.

Costs (Management API calls): a GET reads every page of the user's sessions, 50 per call
(120 sessions: 3 calls; capped at :data:`selfservice.sessions.listing.MAX_PAGES`), then orders and pages
locally. Revoking one session: one read (ownership) + one revoke. Signing out everywhere else:
the listing + one revoke per other session, at most :data:`REVOKE_BATCH` per request.

Revoking a session also ends this site's Django sessions recorded for it (the Auth0Session
map), so it works even where Auth0 cannot reach the back-channel logout URL; when it can,
back-channel logout ends them as well (idempotently).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from selfservice import signals
from selfservice.conf import get_settings
from selfservice.core import audit, ratelimits, step_up
from selfservice.core.http import client_redirect, wants_partial
from selfservice.core.read_back import read_back
from selfservice.core.views import AccountTabView
from selfservice.gateway import GatewayError, NotFound, UpstreamUncertain
from selfservice.login.pipeline import SID_KEY
from selfservice.login.session_map import end_local_sessions
from selfservice.sessions.listing import (
    RowDescriber,
    SessionRow,
    fetch_sessions,
    forget_revoked,
    is_plan_restriction,
    remember_revoked,
    revoke_urls,
    row_for,
)

logger = logging.getLogger(__name__)

__all__ = ["REVOKE_BATCH", "RevokeOtherSessionsView", "RevokeSessionView", "SessionsView", "shared_facts"]

#: Sessions "sign out everywhere else" revokes per request (one Management API call each); the
#: rest are left for the next press, and the user is told how many remain.
REVOKE_BATCH = 50


def shared_facts(rows: list[SessionRow]) -> dict[str, Any]:
    """Applications and sign-in methods that are the same for every row shown: said once.

    ``None`` when they differ (each row then says its own); on a page of one session nothing
    is shared (the row says everything).
    """
    shared: dict[str, Any] = {"shared_applications": None, "shared_authentication": None}
    if len(rows) > 1:
        if len({row.applications for row in rows}) == 1:
            shared["shared_applications"] = rows[0].applications
        if len({row.authentication for row in rows}) == 1:
            shared["shared_authentication"] = rows[0].authentication
    return shared


class SessionsView(AccountTabView):
    """GET lists the sessions: this browser's first, then by last activity, ``?page=N``."""

    tab = "sessions"
    title = _("Sessions")
    template_name = "selfservice/sessions.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_sessions(request.GET.get("page"))

    @property
    def current_sid(self) -> str | None:
        """The Auth0 session this browser signed in with (kept by the login pipeline)."""
        value = self.request.session.get(SID_KEY)
        return str(value) if value else None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # An htmx page change or action replaces the button that had focus: focus moves to the
        # tab's heading (htmx focuses [autofocus]), not to <body>, so keyboard users keep their place.
        request = self.request
        context["focus_heading"] = wants_partial(request) and (request.method == "POST" or "page" in request.GET)
        return context

    def render_sessions(
        self, page_number: Any = None, *, hidden: frozenset[str] = frozenset(), status: int = 200
    ) -> HttpResponse:
        """Read, order and page the sessions, then render the tab (or its honest failure)."""
        current = self.current_sid
        try:
            listing = fetch_sessions(
                self.gateway, self.auth0_user_id, current, hidden=forget_revoked(self.request.session) | hidden
            )
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError as error:
            return self.failure(error)
        page = Paginator(listing.sessions, get_settings().sessions_page_size).get_page(page_number)
        urls = revoke_urls()
        extra: dict[str, Any] = {}
        if page.paginator.num_pages > 1:
            # Each page its own <title>, so Back/Forward history entries can be told apart.
            extra["tab_title"] = _("Sessions, page %(number)d of %(count)d") % {
                "number": page.number, "count": page.paginator.num_pages,
            }
        rows = RowDescriber(current, urls).rows(page.object_list)
        return self.render_tab(
            status=status,
            **extra,
            page_obj=page,
            rows=rows,
            **shared_facts(rows),
            total=len(listing.sessions),
            complete=listing.complete,
            current_known=bool(current),
            current_listed=any(session.id == current for session in listing.sessions) if current else False,
            others=sum(1 for session in listing.sessions if session.id != current),
        )

    def failure(self, error: GatewayError) -> TemplateResponse:
        """The plan explanation (200: nothing to retry) or the retry/wait state."""
        if is_plan_restriction(error):
            # Users are told the tab is unavailable; staff learn why from this line.
            logger.info("Auth0 refused the session endpoints for the tenant's plan (Enterprise only): %s", error.message)
            return self.render_tab(plan_unavailable=True)
        return self.render_tab(problem=self.upstream_problem(error))

    def throttled(self, limit: str) -> TemplateResponse:
        """Our own per-user limit ``limit``: refused before any upstream call, with the wait."""
        return self.render_tab(problem=self.throttled_problem(limit))

    def confirm_step(
        self, *, action_url: str, question: str | Promise, explanation: str | Promise, button: str | Promise
    ) -> TemplateResponse:
        """The confirm step a plain (JavaScript-off) request gets before a wide sign-out.

        The tab's forms for these actions say ``method="get"`` (this page) and ``hx-post``
        (with ``hx-confirm``): with htmx the browser's own dialog asks, without it this page
        does, and only its POST acts. A GET changes nothing and calls nothing upstream.
        """
        page = self.request.GET.get("page")
        return TemplateResponse(
            self.request,
            "selfservice/sessions_confirm.html",
            self.get_context_data(
                action_url=action_url, question=question, explanation=explanation, button=button,
                page=page if page and str(page).isdigit() else "", sessions_url=self.tab_url(),
            ),
        )

    def done(self, page_number: Any, revoked: frozenset[str]) -> HttpResponse:
        """After a revoke: the fresh list for htmx, a redirect (PRG) otherwise."""
        if wants_partial(self.request):
            return self.render_sessions(page_number, hidden=revoked)
        url = self.tab_url()
        if page_number and str(page_number).isdigit() and str(page_number) != "1":
            url = f"{url}?page={page_number}"
        return HttpResponseRedirect(url)

    def revoked(self, session_id: str, *, current: bool) -> None:
        """Book-keeping once Auth0 accepted a revoke: local sessions, audit, signal."""
        end_local_sessions(sid=session_id, sub=self.auth0_user_id)
        signals.session_revoked.send(
            sender=type(self), request=self.request, user=self.request.user,
            auth0_user_id=self.auth0_user_id, session_id=session_id, current=current,
        )


@method_decorator(ratelimits.limit("sessions.revoke"), name="post")
class RevokeSessionView(SessionsView):
    """POST: end one of the user's own sessions (and its refresh tokens) at Auth0.

    The id comes from the browser, so it is checked first: a session that does not exist or is
    someone else's gives 404, an audit entry, and no revoke upstream.
    """

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, session_id: str = "", **kwargs: Any) -> HttpResponse:
        """The confirm step for signing out this browser; any other session goes straight back."""
        if not session_id or session_id != self.current_sid:
            return HttpResponseRedirect(self.tab_url())  # other rows post directly: nothing to ask
        return self.confirm_step(
            action_url=request.path,
            question=_("Sign out of this device?"),
            explanation=_("You will need to sign in again here. Your other devices stay signed in."),
            button=_("Sign out of this device"),
        )

    def post(self, request: HttpRequest, *args: Any, session_id: str = "", **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            return self.throttled("sessions.revoke")
        try:
            # A session in the user's own cached listing is theirs (ids are never reused);
            # anything else is asked of Auth0 before it is touched.
            session = self.gateway.cached_session(self.auth0_user_id, session_id) or self.gateway.get_session(session_id)
        except NotFound:
            return self.refuse(session_id, "unknown")
        except GatewayError as error:
            return self.failure(error)
        if not session.user_id or session.user_id != self.auth0_user_id:
            return self.refuse(session_id, "not_owner")

        current = session_id == self.current_sid
        device = row_for(session, self.current_sid).device.label
        details: dict[str, Any] = {"current": current, "device": device}
        try:
            self.gateway.revoke_session(session_id)
        except NotFound:
            pass  # ended meanwhile (expired, or revoked from elsewhere): the goal is reached
        except UpstreamUncertain as error:
            truth = read_back(lambda: self.still_there(session_id), change="session.revoke")
            if not truth.known:
                return self.failure(error)
            if truth.value:
                # Auth0 still has it: not revoked. The list as Auth0 has it now, and the way to retry.
                messages.error(request, _("%(device)s is still signed in: try again.") % {"device": device})
                return self.render_sessions(request.POST.get("page"), status=503)
            details["confirmed_by"] = "read_back"
        except GatewayError as error:
            return self.failure(error)

        audit.record(request, action="session.revoke", target=session_id, details=details, auth0_user_id=self.auth0_user_id)
        self.revoked(session_id, current=current)
        if current:
            # This browser's own session: nothing left to show here; sign in again.
            logout(request)
            messages.success(request, _("Signed out of this device."))
            login_url = resolve_url(self.get_login_url())
            return client_redirect(request, HttpResponseRedirect(login_url), login_url)
        remember_revoked(request.session, [session_id])
        messages.success(request, _("Signed out %(device)s.") % {"device": device})
        return self.done(request.POST.get("page"), frozenset({session_id}))

    def still_there(self, session_id: str) -> bool:
        """Whether Auth0 still has this session (raises gateway errors other than 404)."""
        try:
            self.gateway.get_session(session_id)
        except NotFound:
            return False
        return True

    def refuse(self, session_id: str, reason: str) -> HttpResponse:
        audit.record(
            self.request, action="session.revoke_refused", target=session_id,
            details={"reason": reason}, auth0_user_id=self.auth0_user_id,
        )
        raise Http404("No such session.")


@method_decorator(ratelimits.limit("sessions.revoke_others"), name="post")
class RevokeOtherSessionsView(SessionsView):
    """POST: end every session of the user except this browser's ("sign out everywhere else").

    Auth0 has no "all but one" call (``DELETE /users/{id}/sessions`` would end this browser's
    session too), so the other sessions are revoked one by one, :data:`REVOKE_BATCH` per request.
    Without a known current session (signed in before the login pipeline kept ``sid``) nothing
    is revoked: the tab cannot tell which session is this browser's.

    Step-up (``"sessions.revoke_others"``, before anything is read upstream): with an old
    sign-in the user signs in again and comes back to the confirm step (the GET), whose POST acts.
    """

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The confirm step (JavaScript off, and after a step-up); see :meth:`SessionsView.confirm_step`."""
        stepping_up = step_up.require_recent_login(self, "sessions.revoke_others", self.confirm_url(request.GET.get("page")))
        if stepping_up is not None:
            return stepping_up
        return self.confirm_step(
            action_url=request.path,
            question=_("Sign out of every other device and browser?"),
            explanation=_("Each of them ends along with its refresh tokens; this device stays signed in."),
            button=_("Sign out everywhere else"),
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            return self.throttled("sessions.revoke_others")
        page_number = request.POST.get("page")
        stepping_up = step_up.require_recent_login(self, "sessions.revoke_others", self.confirm_url(page_number))
        if stepping_up is not None:
            return stepping_up
        current = self.current_sid
        if not current:
            messages.error(request, _(
                "This browser's session is not known, so it cannot be kept: sign out and sign in "
                "again, then try once more."
            ))
            return self.done(page_number, frozenset())
        try:
            listing = fetch_sessions(self.gateway, self.auth0_user_id, current, hidden=forget_revoked(request.session))
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError as error:
            return self.failure(error)

        others = [session.id for session in listing.sessions if session.id != current]
        revoked: list[str] = []
        failure: GatewayError | None = None
        for session_id in others[:REVOKE_BATCH]:
            try:
                self.gateway.revoke_session(session_id)
            except NotFound:
                pass  # already gone
            except GatewayError as error:
                failure = error
                break
            revoked.append(session_id)
            self.revoked(session_id, current=False)
        remaining = len(others) - len(revoked)
        remember_revoked(request.session, revoked)
        audit.record(
            request, action="session.revoke_others", target=current,
            details={"revoked": revoked, "remaining": remaining, "complete_listing": listing.complete},
            auth0_user_id=self.auth0_user_id,
        )
        self.report(len(revoked), remaining, failure)
        if failure is not None:
            return self.failure(failure)
        return self.done(page_number, frozenset(revoked))

    def confirm_url(self, page_number: Any) -> str:
        """The confirm step, keeping the Sessions page the user was on; a step-up comes back here."""
        url = reverse("selfservice:revoke-other-sessions")
        return f"{url}?page={page_number}" if page_number and str(page_number).isdigit() else url

    def report(self, done: int, remaining: int, failure: GatewayError | None) -> None:
        request = self.request
        if done == 0 and remaining == 0:
            messages.info(request, _("There are no other sessions to sign out."))
        elif remaining == 0:
            messages.success(request, ngettext(
                "Signed out %(count)d other session.", "Signed out %(count)d other sessions.", done
            ) % {"count": done})
        else:
            text = _("Signed out %(done)d of %(total)d other sessions.") % {"done": done, "total": done + remaining}
            text += " " + ngettext(
                "%(count)d is still active.", "%(count)d are still active.", remaining
            ) % {"count": remaining}
            if failure is None:
                text += " " + str(_("Press “Sign out everywhere else” again to continue."))
            messages.warning(request, text)
