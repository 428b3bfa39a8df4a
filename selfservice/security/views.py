"""The Security tab: the MFA factors the tenant offers, the user's methods, enroll/remove/recovery code.

Costs (Management API calls, counted at the emulator in the tests):

- GET: one user-level call (list the user's authentication methods) while the tenant's factor
  list is in Django's cache (``FACTORS_CACHE_TTL``); one more, shared by every user and worker,
  when it is not.
- Enroll: the cached factor list, then one ticket. Remove: one list (the ownership check), then
  one DELETE; the refreshed tab reuses that list. Recovery code: one list (is a code being
  replaced, is one offered), then one regeneration.

Ownership: a method id from the browser is looked up in the user's own method list (the call the
page makes anyway); an id not in it gets 404, an audit row, and nothing is sent upstream.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from selfservice import signals
from selfservice.conf import get_settings
from selfservice.core import audit, ratelimits, step_up
from selfservice.core.http import segment_urls, wants_partial
from selfservice.core.read_back import read_back
from selfservice.core.views import AccountTabView, UpstreamProblem
from selfservice.gateway import GatewayError, NotFound, Rejected, UpstreamUncertain
from selfservice.security.mfa import ENROLL_BY_TICKET, FACTORS, REGENERATE, build_overview, offered_factor_names

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from selfservice.gateway import AuthenticationMethod
    from selfservice.security.mfa import FactorRow, MethodRow, SecurityOverview

__all__ = ["EnrollView", "RecoveryCodeView", "RemoveMethodView", "SecurityTabView", "SecurityView"]


@dataclass(frozen=True)
class MethodItem:
    """A method as the template lists it: the row, and where its Remove button goes ("" = none)."""

    method: MethodRow
    remove_url: str


@dataclass(frozen=True)
class FactorItem:
    """A factor as the template lists it."""

    factor: FactorRow
    methods: tuple[MethodItem, ...]


def remove_urls() -> Callable[[MethodRow], str]:
    """``method -> its remove URL``, or "" when it cannot be removed here; reversing once per page.

    Auth0's ids look like ``totp|dev_Ab12``: percent-encoded as ``reverse()`` would. An id with a
    ``/`` cannot travel in one path segment, so it gets no button (none seen in practice).
    """
    url = segment_urls("selfservice:remove-method", "method_id")
    return lambda method: url(method.id) if method.removable else ""


class SecurityTabView(AccountTabView):
    """What the Security views share: the overview (one list call) and the tab's rendering."""

    tab = "security"
    title = _("Security")
    template_name = "selfservice/security.html"
    #: What a failed POST did not do, said next to the problem (see problem_response).
    not_done: Promise | None = None
    #: What to say instead when the change was sent but Auth0's answer was lost.
    unconfirmed: Promise | None = None

    def load_overview(self) -> tuple[SecurityOverview, tuple[AuthenticationMethod, ...]]:
        """The tenant's factors joined with the user's methods (raises gateway errors)."""
        factors = self.gateway.list_factors()
        methods = self.gateway.list_authentication_methods(self.auth0_user_id)
        return build_overview(factors, methods, get_settings().mfa_factors), methods

    def overview_or_response(self) -> tuple[SecurityOverview, tuple[AuthenticationMethod, ...]] | HttpResponse:
        """:meth:`load_overview`, or the answer to give when it cannot be read.

        A user Auth0 no longer knows gets the shell's "not linked" page; an Auth0 failure gets
        the tab with the problem, whose Retry reloads the tab (never re-sends a POST).
        """
        try:
            return self.load_overview()
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError as error:
            return self.problem_response(self.upstream_problem(error))

    def render_overview(
        self, overview: SecurityOverview | None, *, status: int = 200, problem: UpstreamProblem | None = None,
        **context: Any,
    ) -> TemplateResponse:
        """The tab with ``overview`` (None: nothing could be read) and an optional problem."""
        factors: tuple[FactorItem, ...] = ()
        others: tuple[MethodItem, ...] = ()
        if overview is not None:
            remove_url = remove_urls()
            factors = tuple(
                FactorItem(row, tuple(MethodItem(m, remove_url(m)) for m in row.methods)) for row in overview.factors
            )
            others = tuple(MethodItem(m, remove_url(m)) for m in overview.other_methods)
        return self.render_tab(
            status=status,
            problem=problem,
            overview=overview,
            factor_items=factors,
            other_methods=others,
            enroll_url=reverse("selfservice:enroll"),
            recovery_code_url=reverse("selfservice:regenerate-recovery-code"),
            ticket_action=ENROLL_BY_TICKET,
            regenerate_action=REGENERATE,
            **context,
        )

    def problem_response(self, problem: UpstreamProblem) -> HttpResponse:
        """After a failed POST: the tab (without the list, which may be stale) and the problem.

        A POST also says what did not happen (``not_done``): "Auth0 is busy" alone leaves the user
        wondering whether their key was removed.
        """
        if self.request.method == "POST":
            # An unconfirmed change may have happened: "nothing changed" would be a lie.
            said = self.unconfirmed if problem.kind == "uncertain" else self.not_done
            if said:
                messages.error(self.request, str(said))
        return self.render_overview(None, problem=problem)

    def done(self, overview: SecurityOverview | None) -> HttpResponse:
        """After a successful POST: the fresh tab for htmx, a redirect (PRG) otherwise."""
        if wants_partial(self.request) and overview is not None:
            return self.render_overview(overview)
        return redirect(self.tab_url())


class SecurityView(SecurityTabView):
    """GET lists the offered factors with the user's methods of each."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.gateway.read_ahead("factors", "methods")  # one cache round trip for the three reads
        loaded = self.overview_or_response()
        if isinstance(loaded, HttpResponse):
            return loaded
        return self.render_overview(loaded[0])


class EnrollView(SecurityTabView):
    """POST ``factor=NAME``: create an enrollment ticket and send the user to its URL.

    The answer is a page with a link to the ticket and a link back to the tab (htmx gets it as
    the panel, with ``HX-Trigger: selfservice:enroll`` carrying ``ticket_url``). With JavaScript,
    security.js opened a popup on the click and now points it at the ticket, then refreshes the
    tab when the popup closes. Without JavaScript the link opens the ticket in a new tab, and this
    page stays behind with the way back: Auth0's enrollment page cannot link back to the site, so
    a redirect straight to it would strand the user there.
    """

    http_method_names = ["post"]
    enroll_template_name = "selfservice/security_enroll.html"
    not_done = _("Nothing was set up.")

    @method_decorator(ratelimits.limit("mfa.enroll"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            return self.problem_response(self.throttled_problem("mfa.enroll"))
        name = str(request.POST.get("factor", ""))
        try:
            offered = offered_factor_names(self.gateway.list_factors(), get_settings().mfa_factors)
        except GatewayError as error:
            return self.problem_response(self.upstream_problem(error))
        if name not in offered or FACTORS[name].action != ENROLL_BY_TICKET:
            # Not a button the tab shows (tampered, or the tenant turned the factor off since).
            return self.refuse_factor()
        try:
            ticket = self.gateway.create_enrollment_ticket(self.auth0_user_id, name)
        except NotFound:
            return self.not_linked_response(missing=True)
        except Rejected:
            return self.refuse_factor()
        except GatewayError as error:
            return self.problem_response(self.upstream_problem(error))
        if urlsplit(ticket.ticket_url).scheme not in ("https", "http"):
            # Only ever a web page: never a javascript: or data: URL in a link or a popup.
            return self.problem_response(UpstreamProblem("unavailable", 503, self.tab_url()))
        audit.record(request, action="mfa.enroll", target=name, auth0_user_id=self.auth0_user_id)
        context = self.get_context_data(factor=FACTORS[name], ticket_url=ticket.ticket_url, security_url=self.tab_url())
        response = TemplateResponse(request, self.enroll_template_name, context)
        response["HX-Trigger"] = json.dumps({"selfservice:enroll": {"ticket_url": ticket.ticket_url}})
        return response

    def refuse_factor(self) -> HttpResponse:
        """422 with the tab as it is now (the factor may have been turned off since the page loaded)."""
        messages.error(self.request, _("This method cannot be set up here."))
        try:
            overview: SecurityOverview | None = self.load_overview()[0]
        except GatewayError:
            overview = None  # the message is what matters here; the list can be reloaded
        return self.render_overview(overview, status=422)


class RemoveMethodView(SecurityTabView):
    """Remove one of the user's own methods, after a server-rendered confirm step.

    GET (or a POST without ``confirm=1``) shows the confirm step naming the method; a POST with
    ``confirm=1`` removes it. The confirm step is a page, not ``hx-confirm``: it names the
    method, works without JavaScript, and is read by screen readers like any other content.
    Both need a recent sign-in (step-up, ``"mfa.remove"``), asked before anything is read: with
    an old one the user signs in again and comes back to the confirm step.
    """

    http_method_names = ["get", "post"]
    confirm_template_name = "selfservice/security_remove.html"
    not_done = _("Nothing was removed.")
    unconfirmed = _("We could not confirm whether the method was removed: reload the tab to see your methods.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        stepping_up = step_up.require_recent_login(self, "mfa.remove", self.confirm_url())
        if stepping_up is not None:
            return stepping_up
        loaded = self.overview_or_response()
        if isinstance(loaded, HttpResponse):
            return loaded
        return self.confirm(self.own_method(loaded[0], kwargs["method_id"]))

    @method_decorator(ratelimits.limit("mfa.remove"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method_id: str = kwargs["method_id"]
        if request.POST.get("confirm") != "1":
            return self.get(request, *args, **kwargs)
        if ratelimits.is_limited(request):
            return self.problem_response(self.throttled_problem("mfa.remove"))
        stepping_up = step_up.require_recent_login(self, "mfa.remove", self.confirm_url())
        if stepping_up is not None:
            return stepping_up
        loaded = self.overview_or_response()
        if isinstance(loaded, HttpResponse):
            return loaded
        overview, methods = loaded
        method = self.own_method(overview, method_id, refused_audit=True)
        after: SecurityOverview | None = None
        details: dict[str, Any] = {"type": method.type}
        try:
            self.gateway.delete_authentication_method(self.auth0_user_id, method.id)
        except NotFound:
            # Gone already (another tab, an admin): what the user wanted is true.
            pass
        except UpstreamUncertain as error:
            truth = read_back(self.load_overview, change="mfa.remove")
            if truth.value is None:
                return self.problem_response(self.upstream_problem(error))
            after = truth.value[0]
            if after.find(method.id) is not None:
                # Auth0's own listing still has it: the removal did not happen.
                messages.error(request, str(self.not_done))
                return self.render_overview(after, problem=self.unchanged_problem())
            details["confirmed_by"] = "read_back"
        except GatewayError as error:
            return self.problem_response(self.upstream_problem(error))
        audit.record(request, action="mfa.remove", target=method.id, details=details, auth0_user_id=self.auth0_user_id)
        signals.authentication_method_removed.send(
            sender=type(self), request=request, user=request.user, auth0_user_id=self.auth0_user_id,
            method_id=method.id, method_type=method.type,
        )
        messages.success(request, _("%(method)s was removed.") % {"method": method.label})
        if after is not None:
            return self.done(after)
        removed = next(m for m in methods if m.id == method.id)
        remaining = [
            m for m in methods if m.id != method.id and not (removed.link_id and m.link_id == removed.link_id)
        ]
        return self.done(build_overview(self.gateway.list_factors(), remaining, get_settings().mfa_factors))

    def confirm_url(self) -> str:
        """This method's confirm step (the GET of this URL), where a step-up comes back to."""
        return reverse("selfservice:remove-method", kwargs={"method_id": self.kwargs["method_id"]})

    def own_method(self, overview: SecurityOverview, method_id: str, *, refused_audit: bool = False) -> MethodRow:
        """The user's removable method with this id, or 404 (audited when it was a removal)."""
        method = overview.find(method_id)
        if method is None or not method.removable:
            if refused_audit:
                audit.record(
                    self.request, action="mfa.remove.refused", target=method_id,
                    details={"reason": "not_removable" if method else "not_found"},
                    auth0_user_id=self.auth0_user_id,
                )
            raise Http404("No such authentication method.")
        return method

    def confirm(self, method: MethodRow) -> TemplateResponse:
        return TemplateResponse(
            self.request,
            self.confirm_template_name,
            self.get_context_data(method=method, remove_url=remove_urls()(method), security_url=self.tab_url()),
        )


class RecoveryCodeView(SecurityTabView):
    """POST: replace (or, for a user who has none yet, create) the recovery code and show it, once.

    The answer is the page itself (200), not a redirect: a redirect would have to keep the code
    somewhere (session, messages) until the next GET, and it must live nowhere but this response.
    ``never_cache`` (inherited) sends ``Cache-Control: no-store``.

    The user's method list is read first: it says whether a previous code is being replaced (the
    page words its warning for that case only), and a user with neither a code nor another method
    gets none (the tab offers none: Auth0 issues the first code at the first enrollment).

    Step-up (``"mfa.recovery_code"``): with an old sign-in the user signs in again first and
    comes back to the GET confirm step, whose button POSTs here again. The tab's own button
    POSTs directly (a recent sign-in needs no extra step).
    """

    http_method_names = ["get", "post"]
    code_template_name = "selfservice/security_recovery_code.html"
    confirm_template_name = "selfservice/security_recovery_confirm.html"
    not_done = _("Your recovery code was not changed.")
    unconfirmed = _("Your previous recovery code may no longer work: generate a new one.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The confirm step ("Get a new recovery code?"); changes nothing."""
        stepping_up = step_up.require_recent_login(self, "mfa.recovery_code", reverse("selfservice:regenerate-recovery-code"))
        if stepping_up is not None:
            return stepping_up
        loaded = self.overview_or_response()
        if isinstance(loaded, HttpResponse):
            return loaded
        row = self.offered_row(loaded[0])
        if row.action != REGENERATE:
            return redirect(self.tab_url())  # nothing to replace or get here (no method yet)
        context = self.get_context_data(replaced=row.enrolled, recovery_code_url=request.path, security_url=self.tab_url())
        return TemplateResponse(request, self.confirm_template_name, context)

    @method_decorator(ratelimits.limit("mfa.recovery_code"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ratelimits.is_limited(request):
            return self.problem_response(self.throttled_problem("mfa.recovery_code"))
        stepping_up = step_up.require_recent_login(self, "mfa.recovery_code", reverse("selfservice:regenerate-recovery-code"))
        if stepping_up is not None:
            return stepping_up
        loaded = self.overview_or_response()
        if isinstance(loaded, HttpResponse):
            return loaded
        overview = loaded[0]
        row = self.offered_row(overview)
        if row.action != REGENERATE:
            # Not a button the tab shows (a stale page: the last method was removed since).
            messages.error(request, _("You get a recovery code when you set up your first method."))
            return self.render_overview(overview, status=422)
        try:
            code = self.gateway.regenerate_recovery_code(self.auth0_user_id)
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError as error:
            return self.problem_response(self.upstream_problem(error))
        audit.record(request, action="mfa.recovery_code", auth0_user_id=self.auth0_user_id)
        context = self.get_context_data(
            recovery_code=code, recovery_groups=[code[i:i + 4] for i in range(0, len(code), 4)],
            recovery_filename=f"recovery-code-{self.request.get_host().split(':')[0]}.txt",
            replaced=row.enrolled, security_url=self.tab_url(),
        )
        return TemplateResponse(request, self.code_template_name, context)

    def offered_row(self, overview: SecurityOverview) -> FactorRow:
        """The recovery-code row of the tab, or 404 when the site or tenant does not offer it."""
        row = overview.factor("recovery-code")
        if row is None:
            raise Http404("The recovery code is not offered.")
        return row
