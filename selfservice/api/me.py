"""``me`` and ``me/preferences``: the profile and the preferences, read and merge-patched;
``DELETE me`` deletes the account (Auth0 first; nothing local goes if Auth0 refuses).

Both PATCHes take JSON merge patches (only the keys to change; ``null`` clears one) and
validate exactly like the pages: the profile through the General tab's form (the adapter's
editable attributes, lengths, https pictures), the preferences against the active schema with
jsonschema on RE2 (every refusal with its JSON pointer). ``PATCH me/preferences`` honours
``If-Match`` with the ETag of ``GET me/preferences``: 412 when the values changed meanwhile.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from ninja import Body, Router

from selfservice import signals
from selfservice.api.auth import Caller
from selfservice.api.common import begin, etag_of, json_answer, matches, upstream
from selfservice.api.problems import ApiProblem, from_gateway
from selfservice.api.schemas import PreferencesOut, Problem, ProfileOut, ProfilePatch
from selfservice.conf import get_settings
from selfservice.core import audit
from selfservice.core.adapter import PROFILE_FIELDS, get_adapter
from selfservice.gateway import UserProfile
from selfservice.models import PreferenceSchema
from selfservice.preferences import applied
from selfservice.preferences.schemas import document_errors
from selfservice.preferences.views import profile_bytes
from selfservice.privacy.deletion import UpstreamStepFailed, delete_local, delete_upstream
from selfservice.profile.forms import ProfileForm

__all__ = ["profile_data", "router"]

router = Router(tags=["profile"])
ERRORS: dict[int | str, Any] = {"4XX": Problem, "5XX": Problem}


def profile_data(profile: UserProfile) -> dict[str, Any]:
    """``GET me``: the profile's fields at the top level, and what PATCH accepts."""
    fields = ("user_id", "email", "email_verified", "name", "given_name", "family_name", "nickname", "picture",
              "phone_number", "phone_verified", "username", "created_at", "updated_at", "last_login", "logins_count")
    data = {name: getattr(profile, name) for name in fields}
    data["editable"] = [name for name in PROFILE_FIELDS if name in get_adapter().editable_fields(profile)]
    return data


@router.get("/me", response={200: ProfileOut, 304: None, **ERRORS}, summary="The signed-in user's profile")
def get_me(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "read:me")
    with upstream():
        profile = gateway.get_user(caller.auth0_user_id)
    return json_answer(request, profile_data(profile), gateway=gateway)


@router.patch("/me", response={200: ProfileOut, **ERRORS}, summary="Change profile attributes (merge patch)")
def patch_me(request: HttpRequest, patch: ProfilePatch) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "profile.update")
    given = patch.model_dump(exclude_unset=True)
    with upstream():
        profile = gateway.get_user(caller.auth0_user_id)
        editable = get_adapter().editable_fields(profile)
        refused = [name for name in given if name not in editable]
        if refused:
            owner = get_adapter().profile_owner_label(profile)
            raise ApiProblem(422, "Some attributes cannot be changed for this account.", code="not_editable", errors=[
                {"pointer": f"/{name}", "detail": f"Managed by {owner}: change it there."} for name in refused])
        form = ProfileForm({k: "" if v is None else v for k, v in given.items()}, editable=list(given), profile=profile)
        if not form.is_valid():
            raise ApiProblem(422, "Some values are not valid.", code="invalid", errors=[
                {"pointer": f"/{name}", "detail": str(messages[0])} for name, messages in form.errors.items()])
        changes = form.changes(profile)
        updated = gateway.update_user(caller.auth0_user_id, changes) if changes else profile
    if changes:
        audit.record(request, action="profile.update", target=caller.auth0_user_id,
                     details={"fields": list(changes), "via": "api"}, auth0_user_id=caller.auth0_user_id)
        signals.profile_updated.send(sender=patch_me, request=request, user=request.user,
                                     auth0_user_id=caller.auth0_user_id, changed_fields=list(changes))
    return json_answer(request, profile_data(updated))


def _preferences(profile: UserProfile, schema: dict[str, Any] | None) -> dict[str, Any]:
    names = list((schema or {}).get("properties") or {})
    return {"values": {name: profile.user_metadata[name] for name in names if name in profile.user_metadata},
            "schema": schema}


@router.get("/me/preferences", response={200: PreferencesOut, 304: None, **ERRORS},
            summary="The user's preferences and the active schema")
def get_preferences(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "read:me")
    active = PreferenceSchema.active()
    with upstream():
        profile = gateway.get_user(caller.auth0_user_id)
    return json_answer(request, _preferences(profile, active.ordered_schema if active else None), gateway=gateway)


@router.patch("/me/preferences", response={200: PreferencesOut, **ERRORS},
              summary="Change preferences (merge patch, validated against the schema)")
def patch_preferences(request: HttpRequest, patch: Body[dict[str, Any]]) -> HttpResponse:
    caller, gateway = begin(request, "update:me", "preferences.update")
    active = PreferenceSchema.active()
    if active is None:
        raise ApiProblem(409, "This site has no preferences yet.", code="not_configured")
    schema = active.ordered_schema
    properties = schema.get("properties") or {}
    refused = [{"pointer": f"/{name}", "detail": "Not a preference of this site."} for name in patch if name not in properties]
    refused += [{"pointer": f"/{name}", "detail": "This preference is read-only."}
                for name in patch if name in properties and properties[name].get("readOnly")]
    if refused:
        raise ApiProblem(422, "Some keys cannot be set.", code="invalid", errors=refused)
    with upstream():
        profile = gateway.get_user(caller.auth0_user_id)
        if "If-Match" in request.headers and not matches(request.headers["If-Match"], etag_of(_preferences(profile, schema))):
            raise ApiProblem(412, "The preferences changed since you read them: read them again.", code="changed")
        current = profile.user_metadata
        changes = {k: v for k, v in patch.items() if (v is None and k in current) or (v is not None and current.get(k) != v)}
        merged = {k: v for k, v in {**current, **changes}.items() if v is not None}
        errors = [{"pointer": "/" + "/".join(str(p) for p in error.absolute_path), "detail": error.message}
                  for _field, _keyword, error in document_errors(schema, merged)]
        if errors:
            raise ApiProblem(422, "Some values are not valid.", code="invalid", errors=errors)
        limit = get_settings().preferences_profile_limit
        if changes and profile_bytes(profile, merged) > max(limit, profile_bytes(profile, current)):
            raise ApiProblem(422, f"These preferences are too large: Auth0 allows {limit} bytes per account.",
                             code="too_large")
        updated = gateway.update_metadata(caller.auth0_user_id, changes) if changes else profile
    if changes:
        keys = sorted(changes)
        audit.record(request, action="preferences.update", target=caller.auth0_user_id,
                     details={"keys": keys, "deleted": sorted(k for k, v in changes.items() if v is None), "via": "api"},
                     auth0_user_id=caller.auth0_user_id)
        signals.preferences_updated.send(sender=patch_preferences, request=request, user=request.user,
                                         auth0_user_id=caller.auth0_user_id, changed_keys=keys)
        if caller.via == "session":
            applied.remember(request, applied.applied_values(schema, updated.user_metadata))
    data = _preferences(updated, schema)
    return json_answer(request, data, headers={"ETag": etag_of(data)})


@router.delete("/me", response={204: None, **ERRORS}, summary="Delete the account (step-up)")
def delete_me(request: HttpRequest) -> HttpResponse:
    caller, gateway = begin(request, "delete:me", "account.delete", step_up="account.delete")
    try:
        delete_upstream(gateway, caller.auth0_user_id)
    except UpstreamStepFailed as failed:
        problem = from_gateway(failed.error)
        problem.extra["nothing_deleted_here"] = True
        raise problem from failed
    user: Any = request.user
    if getattr(user, "pk", None) is not None:
        delete_local(request, sender=Caller, auth0_user_id=caller.auth0_user_id, mode=get_settings().account_deletion)
        if caller.via == "session":
            logout(request)
    return HttpResponse(status=204)
