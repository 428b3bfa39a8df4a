"""What every account tab shares: full page or partial, login, the Auth0 id, upstream errors.

A tab view subclasses :class:`AccountTabView` and writes its ``get``/``post`` explicitly; the
classes here only decide *how* a response is delivered (page or fragment, which status), never
*what* a tab does.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from selfservice.core import kept_input, ratelimits
from selfservice.core.adapter import DefaultAdapter, get_adapter, resolve_auth0_user_id
from selfservice.core.http import client_aware_login_redirect, client_redirect, wants_partial
from selfservice.core.read_back import Truth, read_back
from selfservice.core.read_cache import ReadCache
from selfservice.core.request_counters import request_limit
from selfservice.gateway import (
    GatewayError,
    NotFound,
    UpstreamMisconfigured,
    UpstreamRateLimited,
    UpstreamUncertain,
    get_gateway,
)
from selfservice.preferences import applied

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from django.utils.functional import Promise

    from selfservice.gateway import UserProfile

logger = logging.getLogger("selfservice")

__all__ = ["AccountMixin", "AccountTabView", "HtmxPartialMixin", "UpstreamProblem", "partial_template_name"]


def partial_template_name(name: str) -> str:
    """``selfservice/general.html`` -> ``selfservice/partials/general.html``."""
    head, tail = posixpath.split(name)
    return posixpath.join(head, "partials", tail)


class HtmxPartialMixin:
    """Serve ``partials/<tab>.html`` to htmx swaps and the full page to everything else.

    - htmx requests get the partial, except history restores (``HX-History-Restore-Request``):
      htmx swaps those into ``<body>``, so they need the whole page.
    - Only an *unrendered* :class:`TemplateResponse` is rewritten (redirects and anything a
      subclass rendered itself pass through untouched); its context gains
      ``selfservice_partial=True`` so the partial can add the out-of-band tab bar.
    - Every response, redirects included, carries ``Vary: HX-Request``: the same URL answers
      with two bodies, and a cache must not mix them up.
    """

    #: Explicit partial for ``template_name``; default: ``partials/`` inserted before the file name.
    partial_template_name: str | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, TemplateResponse) and not response.is_rendered and wants_partial(request):
            response.template_name = self.get_partial_template_names(response.template_name)
            response.context_data = {**(response.context_data or {}), "selfservice_partial": True}
        patch_vary_headers(response, ("HX-Request",))
        return response

    def get_partial_template_names(self, template_names: Any) -> Any:
        """The partial(s) for the response's full-page template name(s)."""
        names: Sequence[Any] = [template_names] if isinstance(template_names, str) else template_names
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            return template_names  # a Template object: nothing to map
        own = getattr(self, "template_name", None)
        if self.partial_template_name and own in names:
            return [self.partial_template_name]
        return [partial_template_name(n) for n in names]


@dataclass(frozen=True)
class UpstreamProblem:
    """Why a tab could not finish, for ``includes/upstream_error.html``.

    ``kind`` is ``"rate_limited"`` (Auth0 said 429), ``"throttled"`` (our own per-user limit on
    a change), ``"too_many_requests"`` (the per-user or per-IP request limit), ``"uncertain"`` (a change was
    sent and its answer lost: it may have happened) or ``"unavailable"`` (5xx, timeout, bad answer, misconfiguration). ``resubmit`` is True on
    a POST: the form is shown again with the typed values and "try again" resubmits it;
    otherwise ``retry_url`` reloads the tab.
    """

    kind: str
    status: int
    retry_url: str
    retry_after: int | None = None
    resubmit: bool = False

    @property
    def retry_minutes(self) -> int | None:
        """The wait in whole minutes (rounded up) once it is two minutes or more, else None.

        An hourly limit such as ``email.change`` can leave most of an hour to wait, and "Try
        again in 3412 seconds" makes the reader do the arithmetic.
        """
        if self.retry_after is None or self.retry_after < 120:
            return None
        return -(-self.retry_after // 60)


class AccountMixin(LoginRequiredMixin):
    """Signed-in users with an Auth0 account only; one gateway per request.

    - Anonymous users go to ``LOGIN_URL?next=...`` (``HX-Redirect`` for htmx requests, so the
      login page is not swapped into the panel). A view with ``keeps_input`` keeps the fields
      of such a POST for the user who typed them (:mod:`selfservice.core.kept_input`); its GET
      finds them in ``self.kept_fields`` after they sign in again.
    - Signed-in users the adapter cannot map to an Auth0 user get
      ``selfservice/not_linked.html`` (200 on GET, 403 on anything that would change data).
    - ``self.auth0_user_id``, ``self.gateway`` and ``self.adapter`` are ready in handlers.
    """

    request: HttpRequest
    #: Which tab this view is; marks the active tab in the nav.
    tab: str = ""
    #: The tab's name, used in ``<title>``.
    title: str | Promise = ""
    not_linked_template_name = "selfservice/not_linked.html"
    #: Which request limits a request counts against: None (by method: GET and HEAD are reads),
    #: or "read" / "write" for a view whose method says otherwise.
    request_kind: Literal["read", "write"] | None = None
    #: Whether a POST from a page whose session has ended keeps its fields for the user who
    #: typed them; GET of the same URL must show that form (with ``self.kept_fields``).
    keeps_input: bool = False
    #: The fields kept for this user and page (see ``keeps_input``), on the GET after signing in.
    kept_fields: QueryDict | None = None
    #: Whether this response shows kept fields (the form is marked unsaved for selfservice.js).
    kept_restored: bool = False
    auth0_user_id: str

    def handle_no_permission(self) -> HttpResponse:  # type: ignore[override]  # HX-Redirect is not a 302
        # A POST (a session signed out from another device, then "Sign out" pressed here) comes
        # back to its tab after signing in: its own URL may accept POST only (405 on the way back).
        next_url = None
        if self.request.method not in ("GET", "HEAD") and self.keeps_input and kept_input.keep(self.request):
            next_url = self.request.path  # its GET shows the form again, with what was typed
        elif self.request.method not in ("GET", "HEAD") and self.tab:
            next_url = reverse(f"selfservice:{self.tab}")
        return client_aware_login_redirect(
            self.request, self.get_login_url(), self.get_redirect_field_name(), next_url=next_url
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        auth0_user_id = resolve_auth0_user_id(request)
        over = request_limit(request, auth0_user_id, self.request_kind)
        if over is not None:
            return self.too_many_requests(*over)
        self.kept_fields = kept_input.find(request, auth0_user_id or "")
        if not auth0_user_id:
            return self.not_linked_response()
        self.auth0_user_id = auth0_user_id
        if self.keeps_input and request.method == "POST" and kept_input.sent_by_another_user(request, auth0_user_id):
            return self.form_of_another_user()
        applied.resolve_once(request, self.gateway.cached_user)
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    @cached_property
    def gateway(self) -> ReadCache:
        """The request's gateway, reading through the shared per-user cache.

        ``?refresh=1`` on a GET (the tab's Refresh control) reads Auth0 again, budget permitting.
        """
        refresh = self.request.method == "GET" and self.request.GET.get("refresh") == "1"
        return ReadCache(get_gateway(), self.auth0_user_id, refresh=refresh)

    @cached_property
    def adapter(self) -> DefaultAdapter:
        return get_adapter()

    def tab_context(self) -> dict[str, Any]:
        """What page.html and every partial need, whatever the tab shows."""
        return {
            "active_tab": self.tab,
            "tab_title": self.title,
            "messages": get_messages(self.request),
            "selfservice_theme": getattr(self.request, "selfservice_theme", "system"),
            "kept_input_owner": self.kept_input_owner(),
            "kept_input_restored": self.kept_restored,
            **self.freshness_context(),
        }

    def form_of_another_user(self) -> HttpResponse:
        """A form opened by another user of this browser: nothing saved, back to the tab as it is now."""
        logger.info("A form opened by another user of this browser was refused")
        messages.error(self.request, _(
            "Nothing was saved: this form was opened while another account was signed in here. "
            "This is your account as it is now."
        ))
        back = redirect(self.tab_url())
        return client_redirect(self.request, back, back["Location"])

    def kept_input_owner(self) -> str:
        """The ``selfservice_owner`` value for this view's form ("" when it keeps no input)."""
        auth0_user_id = getattr(self, "auth0_user_id", "")
        return kept_input.owner_marker(auth0_user_id) if self.keeps_input and auth0_user_id else ""

    def restored_form(self, build: Callable[[QueryDict], Any]) -> Any:
        """The form ``build`` makes from the fields kept while the user signed in again, else None.

        Says so in a message: the values are back, and were not saved. Until a form shows them
        they stay kept, so a page that could not read Auth0 first loses nothing.
        """
        if self.kept_fields is None:
            return None
        kept_input.forget(self.request)  # shown once
        self.kept_restored = True
        messages.info(self.request, _(
            "You had to sign in again before your changes could be saved. What you typed is back in the form: check it and save again."
        ))
        return build(self.kept_fields)

    def freshness_context(self) -> dict[str, Any]:
        """How old the data shown is, for ``includes/freshness.html`` (the Refresh control)."""
        cache = self.__dict__.get("gateway")  # only a gateway this request used has read anything
        if not isinstance(cache, ReadCache) or not cache.served:
            return {}
        query = self.request.GET.copy() if self.request.GET else QueryDict(mutable=True)
        query["refresh"] = "1"
        oldest = min(cache.served.values(), key=lambda served: served.at)
        return {
            "data_age": oldest.age,
            # The instant Auth0 answered, in whole seconds: the same moment on every view of the
            # copy, so its text is formatted once (selfservice_time keeps it per moment).
            "data_as_of": datetime.fromtimestamp(int(oldest.at), tz=UTC if settings.USE_TZ else None),
            "data_stale_age": cache.stale_age,
            "refresh_url": f"{self.tab_url()}?{query.urlencode()}",
        }

    def not_linked_response(self, *, missing: bool = False) -> TemplateResponse:
        """The honest page for a user without (or with a deleted) Auth0 account.

        htmx does not swap a 403 (the layout's config swaps 422/429/503 only), so a refused
        htmx POST also says ``HX-Redirect`` to the tab, whose GET shows this page: otherwise
        pressing Save would seem to do nothing.
        """
        status = 200 if self.request.method in ("GET", "HEAD") else 403
        context = {**self.tab_context(), "auth0_account_missing": missing}
        response = TemplateResponse(self.request, self.not_linked_template_name, context, status=status)
        if status == 403 and getattr(self.request, "htmx", False):
            response["HX-Redirect"] = self.tab_url()
        return response

    def too_many_requests(self, name: str, retry_after: int | None) -> HttpResponse:
        """Over a per-user or per-IP request limit: 429 with the wait, nothing read or sent."""
        logger.info("Account page request over the %s limit", name)
        problem = UpstreamProblem("too_many_requests", 429, self.tab_url(), retry_after)
        render_tab = getattr(self, "render_tab", None)
        if render_tab is not None:
            response: HttpResponse = render_tab(problem=problem)
        else:
            response = HttpResponse(status=429)
        if retry_after:
            response["Retry-After"] = str(retry_after)
        return response

    def tab_url(self) -> str:
        """This view's tab (the General tab for a view that belongs to none)."""
        return reverse(f"selfservice:{self.tab or 'general'}")

    def upstream_problem(self, error: GatewayError, *, resubmit: bool = False) -> UpstreamProblem:
        """Describe a gateway error for the user: 429 with the wait, else 503.

        ``resubmit`` (a form whose typed values are kept) retries this request's URL; anything
        else retries by reloading the tab, since an action's URL cannot be reloaded with a GET.
        """
        retry_url = self.request.path if resubmit else self.tab_url()
        if isinstance(error, UpstreamMisconfigured):
            # The user sees "try again"; the operator needs to fix credentials or scopes.
            logger.error("Auth0 refused selfservice's Management API access: %s", error.message)
        if isinstance(error, UpstreamRateLimited):
            return UpstreamProblem("rate_limited", 429, retry_url, error.retry_after, resubmit)
        if isinstance(error, UpstreamUncertain):
            # The change was sent; only reloading the tab (which reads the truth) is safe.
            return UpstreamProblem("uncertain", 503, self.tab_url(), None, False)
        return self.unchanged_problem(resubmit=resubmit)

    def unchanged_problem(self, *, resubmit: bool = False) -> UpstreamProblem:
        """Auth0 did not make the change (its answer failed, or a read-back showed it missing): 503.

        ``resubmit`` retries this request's URL with the typed values; otherwise Retry reloads the tab.
        """
        return UpstreamProblem("unavailable", 503, self.request.path if resubmit else self.tab_url(), None, resubmit)

    def read_user_back(self, change: str) -> Truth[UserProfile]:
        """After an unconfirmed change of the user (``change``: its audit action): the user as Auth0 has it now."""
        return read_back(lambda: self.gateway.get_user(self.auth0_user_id), change=change)


@method_decorator(never_cache, name="dispatch")
class AccountTabView(HtmxPartialMixin, AccountMixin, TemplateView):
    """Base of every tab: ``template_name`` is the full page, its partial goes to htmx.

    Subclasses write ``get``/``post`` and answer through :meth:`render_tab`, so the status,
    the partial switch and the shared context are the same on every tab. Never cached by
    browsers or proxies: the pages show personal data.
    """

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return {**self.tab_context(), **context}

    def render_tab(self, *, status: int = 200, problem: UpstreamProblem | None = None, **context: Any) -> TemplateResponse:
        """Render the tab (page or partial) with ``context``; a ``problem`` sets the status."""
        if problem is not None:
            status = problem.status
        context = self.get_context_data(upstream_problem=problem, **context)
        response = TemplateResponse(self.request, self.get_template_names(), context, status=status)
        if problem is not None and problem.retry_after:
            response["Retry-After"] = str(problem.retry_after)
        return response

    def throttled_problem(self, name: str, *, resubmit: bool = False) -> UpstreamProblem:
        """This user is over our own limit ``name``: 429 with the seconds left in its window.

        Refused before any upstream call. ``resubmit`` keeps the typed form ("try again"
        resubmits it); otherwise "retry" reloads the tab.
        """
        retry_url = self.request.path if resubmit else self.tab_url()
        return UpstreamProblem("throttled", 429, retry_url, ratelimits.retry_after(self.request), resubmit)

    def user_for_save(
        self, kept_form: Callable[[Mapping[str, Any]], Any], limit: str
    ) -> UserProfile | TemplateResponse:
        """The start of every profile save: the user's own rate limit, then read the user.

        Returns the user as Auth0 holds it now, or the response to send instead:

        - over this user's limit ``limit`` (the view's ``ratelimits.limit``): 429 "throttled"
          with the seconds to wait, before any upstream call;
        - the Auth0 user is gone: the not-linked page (403);
        - Auth0 failed: 429 / 503 with "try again".

        ``kept_form`` (a form class's ``from_submitted``) builds the form shown on those
        error pages from the POST, so what the user typed is kept and "try again" resubmits it.
        """
        request = self.request
        if ratelimits.is_limited(request):
            return self.render_tab(problem=self.throttled_problem(limit, resubmit=True), form=kept_form(request.POST))
        return self.read_user(kept_form)

    def read_user(self, kept_form: Callable[[Mapping[str, Any]], Any] | None = None) -> UserProfile | TemplateResponse:
        """The signed-in user as Auth0 holds it now, or the response to send instead.

        The user is gone: the not-linked page. Auth0 failed: 429 / 503 with "retry"; with
        ``kept_form`` (on a POST) the form is rebuilt from what was typed and "try again"
        resubmits it.
        """
        try:
            return self.gateway.get_user(self.auth0_user_id)
        except NotFound:
            return self.not_linked_response(missing=True)
        except GatewayError as error:
            if kept_form is None:
                return self.render_tab(problem=self.upstream_problem(error))
            problem = self.upstream_problem(error, resubmit=True)
            return self.render_tab(problem=problem, form=kept_form(self.request.POST))

