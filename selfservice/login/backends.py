"""social-auth backend for Auth0 that keeps the ID token's ``sid`` and ``auth_time``.

It is social-core's ``Auth0OAuth2`` (backend name ``auth0``, so the usual
``SOCIAL_AUTH_AUTH0_DOMAIN/KEY/SECRET`` settings apply) with these additions:

- ``SOCIAL_AUTH_AUTH0_BASE_URL`` (optional) sends every call to that origin instead of
  ``https://{DOMAIN}``: how the demo and the tests reach the emulated tenant over plain http.
  The ID token's issuer is then ``{BASE_URL}/``.
- The verified ID token's ``sid`` (the Auth0 session id) and ``auth_time`` are added to the
  user details, where :func:`selfservice.login.pipeline.store_auth0_session` picks them up.
- Step-up (:mod:`selfservice.core.step_up`): a begin request's ``max_age``, ``prompt`` and
  ``login_hint`` go on to ``/authorize`` (checked; nothing else), and a login that completes
  while a step-up is pending must come back as the same Auth0 user, or it is refused before
  the pipeline runs.
"""

from __future__ import annotations

from typing import Any

from social_core.backends.auth0 import Auth0OAuth2 as BaseAuth0OAuth2
from social_core.exceptions import AuthPolicyError
from social_core.utils import handle_http_errors

from selfservice.core import step_up
from selfservice.login.session_map import remember_auth0_session

SESSION_CLAIMS = ("sid", "auth_time")


class Auth0OAuth2(BaseAuth0OAuth2):  # type: ignore[type-arg]
    name = "auth0"

    def api_path(self, path: str = "") -> str:
        base_url = self.setting("BASE_URL")
        if base_url:
            return f"{str(base_url).rstrip('/')}/{path}"
        return str(super().api_path(path))

    def auth_extra_arguments(self) -> dict[str, str]:
        # Called at the start only (building the /authorize URL), where self.data is the begin
        # POST: the step-up page's max_age=0, prompt=login and login_hint travel on from there.
        arguments = dict(super().auth_extra_arguments())
        arguments.update(step_up.authorize_arguments(self.data))
        return arguments

    @handle_http_errors
    def do_auth(self, access_token: Any, *args: Any, **kwargs: Any) -> Any:
        # The token exchange is done; social-auth's pipeline (which would link this Auth0 user to
        # whoever is signed in, or sign them in) has not started. A pending step-up is checked
        # here, against the verified ID token, so a different account never gets that far.
        request = getattr(self.strategy, "request", None)
        expected = step_up.take_pending(request.session) if request is not None else None
        if request is not None and expected is not None:
            details = self.get_user_details(kwargs.get("response") or {})
            returned = str(details.get("user_id") or "")
            if returned != expected:
                step_up.refuse_other_user(request, expected=expected, returned=returned)
                raise AuthPolicyError(self, "Step-up completed as another user", code="user_mismatch", stage="callback")
            step_up.confirmed(request)
        result = super().do_auth(access_token, *args, **kwargs)
        if expected is not None and request is not None and request.user.is_authenticated:
            # Already signed in, so social-auth calls no login() (and no user_logged_in): keep
            # the sid -> session map current here, should Auth0 have started a new session.
            remember_auth0_session(sender=type(self), request=request, user=request.user)
        return result

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
