"""The Preferences tab: user_metadata edited through a form built from the active schema.

Costs: a GET makes one query (the active schema) and one Management API call (read the
user); a save adds, only when something changed, one PATCH carrying just the changed keys.
Inline validation (``validate-preferences``) makes one query and no upstream call.

What is written: only keys the schema declares, only those the user changed relative to the
form they were shown (two tabs editing different fields keep each other's changes), a
cleared optional value as ``null`` (Auth0 deletes the key), a nested object whole (Auth0
merges the top level only). Every other user_metadata key is left alone.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_htmx.http import HttpResponseClientRedirect

from selfservice import signals
from selfservice.conf import get_settings
from selfservice.core import audit, ratelimits
from selfservice.core.http import wants_partial
from selfservice.core.views import AccountMixin, AccountTabView, UpstreamProblem
from selfservice.gateway import GatewayError, NotFound, Rejected, UpstreamUncertain
from selfservice.models import PreferenceSchema, active_schema_key
from selfservice.preferences import applied
from selfservice.preferences.forms import PreferencesForm, build_form_class
from selfservice.preferences.schemas import document_errors, schema_problems

if TYPE_CHECKING:
    from collections.abc import Mapping

    from selfservice.gateway import UserProfile

__all__ = ["PreferencesValidateView", "PreferencesView", "profile_bytes"]

logger = logging.getLogger("selfservice")


def profile_bytes(profile: UserProfile, user_metadata: Mapping[str, Any]) -> int:
    """The size of ``profile`` as serialized JSON, with ``user_metadata`` in place.

    Auth0 limits the whole serialized profile (auth0-facts.md §2.2, 10 KB); this counts what
    the gateway knows of it, which is within a few bytes of Auth0's own count.
    """
    data = {key: value for key, value in asdict(profile).items() if value not in (None, (), [], {})}
    data["user_metadata"] = dict(user_metadata)
    return len(json.dumps(data, default=str, separators=(",", ":"), ensure_ascii=False).encode())


@lru_cache(maxsize=16)
def _renderable(canonical: str) -> bool:
    return not schema_problems(json.loads(canonical))


def form_class_for(schema: PreferenceSchema | None) -> type[PreferencesForm] | None:
    """The form of ``schema``; None when there is none or it cannot be rendered.

    The admin and the command refuse such schemas; one written around them (raw SQL, a
    data migration) is logged and treated as "not configured" instead of failing the tab.
    """
    if schema is None:
        return None
    canonical, ordered = schema.schema_json()
    if not _renderable(canonical):
        logger.error("The active preference schema %s cannot be rendered; run full_clean() on it.", schema)
        return None
    return build_form_class(ordered, schema.pk)


class PreferencesView(AccountTabView):
    """GET shows the form with the current values; POST validates twice and saves the changes."""

    tab = "preferences"
    title = _("Preferences")
    template_name = "selfservice/preferences.html"
    keeps_input = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.gateway.read_ahead("user", also=(active_schema_key(),))  # one cache round trip for both
        form_class = form_class_for(PreferenceSchema.active(self.gateway.cache))
        if form_class is None:
            return self.render_tab()  # the empty state; nothing to ask Auth0
        profile = self.read_user()
        if isinstance(profile, HttpResponse):
            return profile  # Auth0 failed or the user is gone
        applied.remember(request, applied.applied_values(form_class.schema, profile.user_metadata))
        form = self.restored_form(form_class.from_submitted) or form_class(metadata=profile.user_metadata)
        return self.render_tab(form=form)

    @method_decorator(ratelimits.limit("preferences.update"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form_class = form_class_for(PreferenceSchema.active())
        if form_class is None:
            messages.error(request, _("Preferences are not configured any more; nothing was saved."))
            return self.render_tab(status=422)
        profile = self.user_for_save(form_class.from_submitted, "preferences.update")
        if isinstance(profile, HttpResponse):
            return profile  # throttled, Auth0 failed or the user is gone; typed input kept

        current = profile.user_metadata
        state = form_class.read_state(request.POST)
        if state is None or state.get("schema") != list(form_class.schema_id):
            return self.schema_changed(form_class, profile, state)

        form = form_class(request.POST, initial=state["initial"])
        if not form.is_valid():
            return self.render_tab(form=form, status=422)
        changes = form.changes(current)
        if not changes:
            messages.info(request, _("Nothing to save: your preferences already have these values."))
            return self.saved(form_class, profile)
        refusal = self.refusal(form, profile, changes)
        if refusal:
            form.add_error(None, refusal)
            return self.render_tab(form=form, status=422)

        keys = sorted(changes)
        details: dict[str, Any] = {"keys": keys, "deleted": sorted(k for k, v in changes.items() if v is None)}
        try:
            updated = self.gateway.update_metadata(self.auth0_user_id, changes)
        except NotFound:
            return self.not_linked_response(missing=True)
        except Rejected as error:
            form.add_error(None, gettext("The sign-in service refused these preferences: %(reason)s") % {"reason": error.message})
            return self.render_tab(form=form, status=422)
        except UpstreamUncertain as error:
            truth = self.read_user_back("preferences.update")
            if truth.value is None:
                return self.render_tab(form=form, problem=self.upstream_problem(error))
            if form.changes(truth.value.user_metadata):
                # Auth0 does not have the typed values: not saved, so saving again is safe.
                messages.error(request, _("Your preferences were not saved."))
                return self.render_tab(form=form, problem=self.unchanged_problem(resubmit=True))
            updated, details["confirmed_by"] = truth.value, "read_back"
        except GatewayError as error:
            return self.render_tab(form=form, problem=self.upstream_problem(error, resubmit=True))

        audit.record(request, action="preferences.update", target=self.auth0_user_id, details=details,
                     auth0_user_id=self.auth0_user_id)
        signals.preferences_updated.send(
            sender=type(self), request=request, user=request.user, auth0_user_id=self.auth0_user_id, changed_keys=keys,
        )
        messages.success(request, _("Your preferences have been saved."))
        return self.saved(form_class, updated)

    def render_tab(self, *, status: int = 200, problem: UpstreamProblem | None = None, **context: Any) -> TemplateResponse:
        """The tab; an htmx answer to a save also scrolls to the top of the tab when the news is there.

        "Saved", "nothing to save", "try again" and "the form changed" are shown above the
        form, while the Save button is below it: on a phone the answer would land off screen.
        A field error needs no scrolling: its field is ``autofocus`` and the browser shows it.
        """
        response = super().render_tab(status=status, problem=problem, **context)
        form = context.get("form")
        if self.request.method == "POST" and wants_partial(self.request) and getattr(form, "focus_field", None) is None:
            response["HX-Reswap"] = "innerHTML show:top"
        return response

    def refusal(self, form: PreferencesForm, profile: UserProfile, changes: Mapping[str, Any]) -> Any:
        """Why ``changes`` must not be sent (None: send them): schema or size."""
        current = profile.user_metadata
        if document_errors(form.schema, form.merged(current, changes)):
            # Only when Auth0's values changed under the form in a way the schema refuses.
            return _("Your preferences changed elsewhere in the meantime. Reload the page and try again.")
        after = {**current, **changes}
        after = {key: value for key, value in after.items() if value is not None}
        limit = get_settings().preferences_profile_limit
        size, before = profile_bytes(profile, after), profile_bytes(profile, current)
        if size > limit and size > before:
            return gettext(
                "These preferences are too large to save: your account data would take %(size)s bytes, "
                "and the sign-in service allows %(limit)s. Shorten or clear some values."
            ) % {"size": size, "limit": limit}
        return None

    def schema_changed(self, form_class: type[PreferencesForm], profile: UserProfile, state: dict[str, Any] | None) -> HttpResponse:
        """The form was built from another schema: show the new one, keep what still applies."""
        names = (state or {}).get("initial")
        typed = form_class.typed_values(self.request.POST, names=list(names) if isinstance(names, dict) else [])
        fresh = form_class(metadata=profile.user_metadata)
        form = form_class(initial={**fresh.initial, **typed})
        messages.warning(
            self.request,
            _("The preferences form changed while you were editing. Nothing was saved: check the values below and save again."),
        )
        return self.render_tab(form=form, status=422)

    def saved(self, form_class: type[PreferencesForm], profile: UserProfile) -> HttpResponse:
        """After a save: a fresh partial for htmx (no second read), a redirect (PRG) otherwise.

        A new language, time zone or theme changes the whole page, not just the panel: htmx is
        then told to load the tab again (``HX-Redirect``; the message waits in the session).
        """
        changed = applied.remember(self.request, applied.applied_values(form_class.schema, profile.user_metadata))
        if changed and wants_partial(self.request):
            return HttpResponseClientRedirect(self.tab_url())
        if wants_partial(self.request):
            return self.render_tab(form=form_class(metadata=profile.user_metadata))
        return redirect(self.tab_url())


class PreferencesValidateView(AccountMixin, View):
    """POST the form; get back the errors of the field that changed (``HX-Trigger-Name``).

    Never calls Auth0 and never saves: one query (the active schema) and the same two
    validations a save runs. Answers 204 when there is nothing to validate.

    It is a POST (the form's values) that changes nothing, one per changed field, so it counts
    against the read limits (``read.user``, ``read.ip``), not the write limits the save needs:
    a user who changes many fields must still be able to save them. Each request must stay
    cheap whatever is posted: both validations run schema patterns on RE2, in linear time, on
    input capped at the field's ``maxLength`` or 1,000 characters (see preferences/patterns.py),
    and a schema with a pattern RE2 cannot run is never rendered (``form_class_for``).
    """

    http_method_names = ["post"]
    request_kind = "read"
    #: A sign-in this view sends to comes back to the form's tab, not to this POST-only URL.
    tab = "preferences"
    template_name = "selfservice/includes/preference_errors.html"

    def handle_no_permission(self) -> HttpResponse:  # type: ignore[override]  # a 204 is no redirect
        """The session ended under the form: htmx gets 204, so changing a field does not navigate.

        Sending the browser to the login page from here would leave the form while the user is
        typing in it; Save does that instead, and keeps what they typed (``keeps_input``).
        """
        if getattr(self.request, "htmx", False):
            return HttpResponse(status=204)
        return super().handle_no_permission()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form_class = form_class_for(PreferenceSchema.active())
        name = request.headers.get("HX-Trigger-Name") or request.POST.get("_field") or ""
        if form_class is None or name not in form_class.base_fields or name == "_state":
            return HttpResponse(status=204)
        form = form_class(request.POST)
        form.is_valid()
        response = TemplateResponse(request, self.template_name, {"field": form[name]})
        response["Cache-Control"] = "no-store"
        return response
