"""social-auth backend for Auth0 that keeps the ID token's ``sid`` and ``auth_time``.

It is social-core's ``Auth0OAuth2`` (backend name ``auth0``, so the usual
``SOCIAL_AUTH_AUTH0_DOMAIN/KEY/SECRET`` settings apply) with these additions:

- ``SOCIAL_AUTH_AUTH0_BASE_URL`` (optional) sends every call to that origin instead of
  ``https://{DOMAIN}``: how the demo and the tests reach the emulated tenant over plain http
  (``selfservice.emulator.settings.emulated_tenant`` sets it with the Management API's).
  The ID token's issuer is then ``{BASE_URL}/``.
- The scope is social-core's default (``openid profile email``) plus ``SOCIAL_AUTH_AUTH0_SCOPE``,
  each scope once.
- The verified ID token's ``sid`` (the Auth0 session id) and ``auth_time`` are added to the
  user details, where :func:`selfservice.login.pipeline.store_auth0_session` picks them up.
- Step-up (:mod:`selfservice.core.step_up`): a begin request's ``max_age``, ``prompt`` and
  ``login_hint`` go on to ``/authorize`` (checked; nothing else), and a login that completes
  while a step-up is pending must come back as the same Auth0 user, or it is refused before
  the pipeline runs.
- Linking (:mod:`selfservice.login.linking`): the callback of a link sign-in (its ``state``)
  never reaches the pipeline; the verified ID token waits for the General tab's confirm step.
- Every request's login check (``get_user``) runs one query whose SQL is written once
  (:mod:`selfservice.login.signed_in_user`), with social-auth's answer, unless the site's
  social-auth storage has a ``get_user`` of its own.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import login, logout
from django.db.models import Model
from social_core.backends.auth0 import Auth0OAuth2 as BaseAuth0OAuth2
from social_core.exceptions import AuthPolicyError
from social_core.utils import handle_http_errors
from social_django.storage import DjangoUserMixin

from selfservice.core import audit, step_up
from selfservice.core.adapter import resolve_auth0_user_id
from selfservice.login import linking, signed_in_user
from selfservice.login.session_map import remember_auth0_session

SESSION_CLAIMS = ("sid", "auth_time")


class Auth0OAuth2(BaseAuth0OAuth2):  # type: ignore[type-arg]
    name = "auth0"

    def get_user(self, user_id: Any) -> Any:
        # Django's login check on every request. A storage that answers this itself keeps doing so;
        # an empty id goes to social-auth too (it would then look for the only active user).
        storage_user = self.strategy.storage.user
        stock = getattr(storage_user.get_user, "__func__", None) is getattr(DjangoUserMixin.get_user, "__func__", ())
        if not user_id or not stock:
            return super().get_user(user_id)  # type: ignore[no-untyped-call]
        return signed_in_user.load(cast("type[Model]", storage_user.user_model()), user_id)

    def api_path(self, path: str = "") -> str:
        base_url = self.setting("BASE_URL")
        if base_url:
            return f"{str(base_url).rstrip('/')}/{path}"
        return str(super().api_path(path))

    def get_scope(self) -> list[str]:
        # social-core appends DEFAULT_SCOPE ("openid profile email") to SOCIAL_AUTH_AUTH0_SCOPE, so
        # a site that also listed those (as this README once did) asked for each one twice.
        return list(dict.fromkeys(super().get_scope()))

    def auth_extra_arguments(self) -> dict[str, str]:
        # Called at the start only (building the /authorize URL), where self.data is the begin
        # POST: the step-up page's max_age=0, prompt=login and login_hint travel on from there.
        arguments = dict(super().auth_extra_arguments())
        arguments.update(step_up.authorize_arguments(self.data))
        # A link sign-in (selfservice.login.linking.start): connection=NAME, a fresh login.
        arguments.update(linking.authorize_arguments(getattr(self.strategy, "request", None)))
        return arguments

    @handle_http_errors
    def do_auth(self, access_token: Any, *args: Any, **kwargs: Any) -> Any:
        # The token exchange is done; social-auth's pipeline (which would link this Auth0 user to
        # whoever is signed in, or sign them in) has not started. A pending step-up is checked
        # here, against the verified ID token, so a different account never gets that far.
        request = getattr(self.strategy, "request", None)
        started = linking.claim(request, self.data.get("state")) if request is not None else None
        if request is not None and started is not None:
            # A link sign-in: verified like any login, then kept for the confirm step. Never the
            # pipeline, so it neither signs this browser in as that account nor creates a user.
            response = kwargs.get("response") or {}
            self.get_user_details(response)
            return linking.returned(request, started, dict(self._verified_claims), str(response.get("id_token") or ""))
        expected = step_up.take_pending(request.session) if request is not None else None
        if request is not None and expected is not None:
            details = self.get_user_details(kwargs.get("response") or {})
            returned = str(details.get("user_id") or "")
            if returned != expected:
                step_up.refuse_other_user(request, expected=expected, returned=returned)
                raise AuthPolicyError(self, "Step-up completed as another user", code="user_mismatch", stage="callback")
            step_up.confirmed(request)
        switched = expected is None and request is not None and self._signs_in_someone_else(request, kwargs)
        if switched and request is not None:
            # Signed in here as one Auth0 user and back as another: social-auth would attach the
            # second account to the first one's Django user (its associate_user step), so that
            # user would then see and change both. The first is signed out instead (audited),
            # and the second signs in as its own user below.
            audit.record(request, action="login.switch_user", auth0_user_id=resolve_auth0_user_id(request) or "")
            logout(request)
            kwargs["user"] = None
        result = super().do_auth(access_token, *args, **kwargs)
        if switched and request is not None and getattr(result, "pk", None) is not None:
            # social-auth decided "already signed in" before the callback ran, so it logs nobody in.
            result.backend = f"{type(self).__module__}.{type(self).__name__}"
            login(request, result)
        if expected is not None and request is not None and request.user.is_authenticated:
            # Already signed in, so social-auth calls no login() (and no user_logged_in): keep
            # the sid -> session map current here, should Auth0 have started a new session.
            remember_auth0_session(sender=type(self), request=request, user=request.user)
        return result

    def _signs_in_someone_else(self, request: Any, kwargs: dict[str, Any]) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        returned = str(self.get_user_details(kwargs.get("response") or {}).get("user_id") or "")
        return bool(returned) and returned != resolve_auth0_user_id(request)

    def _decode_id_token(self, id_token: str, keys: list[Any]) -> dict[str, Any]:
        # Called by get_user_details() once the signature, audience and issuer are verified.
        payload: dict[str, Any] = super()._decode_id_token(id_token, keys)
        self._verified_claims = payload
        return payload

    def get_user_details(self, response: dict[str, Any]) -> dict[str, Any]:
        details: dict[str, Any] = super().get_user_details(response)  # type: ignore[no-untyped-call]
        claims = getattr(self, "_verified_claims", {})
        details.update({key: claims[key] for key in SESSION_CLAIMS if key in claims})
        return details
