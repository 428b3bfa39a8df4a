"""What the General tab's own pages share (change email, change password, link, unlink).

Each is a step away from the tab (a form or a confirm page) that belongs to it: the tab bar
shows General, Cancel goes back there, and a refusal or an Auth0 failure is answered on the
step itself with what did (not) happen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from selfservice.core import step_up
from selfservice.core.views import AccountTabView, UpstreamProblem
from selfservice.gateway import GatewayError, UserProfile

__all__ = ["GeneralStepView"]


class GeneralStepView(AccountTabView):
    """A step of the General tab: its page (or htmx partial) is ``template_name``."""

    tab = "general"
    title = gettext_lazy("General")

    def step_page(self, *, status: int = 200, problem: UpstreamProblem | None = None, **context: Any) -> TemplateResponse:
        """This step's page (or partial): the form, or only messages and a problem."""
        return self.render_tab(status=status, problem=problem, general_url=self.tab_url(), **context)

    def user_after_step_up(
        self, action: str, kept_form: Callable[[Mapping[str, Any]], Any] | None = None
    ) -> UserProfile | HttpResponse:
        """The start of a sensitive step: "Confirm it's you" when the sign-in is too old (back to
        this URL afterwards), else the user as Auth0 holds it, or the answer when it cannot be read."""
        stepping_up = step_up.require_recent_login(self, action, self.request.path)
        if stepping_up is not None:
            return stepping_up
        return self.read_user(kept_form)

    def throttled(self, name: str, **context: Any) -> TemplateResponse:
        """Over the user's limit ``name``: 429 before any upstream call (``context``: the kept form)."""
        return self.step_page(problem=self.throttled_problem(name, resubmit=bool(context)), **context)

    def failed(self, error: GatewayError, said: str, uncertain: str | None = None, **context: Any) -> TemplateResponse:
        """After an Auth0 failure: say what did not happen (or, ``uncertain``, that it may have)."""
        problem = self.upstream_problem(error, resubmit=bool(context))
        if problem.kind == "uncertain":
            said = uncertain or _("We could not confirm whether the change was made: reload the General tab to see your sign-in methods.")
        messages.error(self.request, said)
        return self.step_page(problem=problem, **context)
