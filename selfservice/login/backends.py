"""social-auth backend for Auth0 that keeps the ID token's ``sid`` and ``auth_time``.

It is social-core's ``Auth0OAuth2`` (backend name ``auth0``, so the usual
``SOCIAL_AUTH_AUTH0_DOMAIN/KEY/SECRET`` settings apply) with two additions:

- ``SOCIAL_AUTH_AUTH0_BASE_URL`` (optional) sends every call to that origin instead of
  ``https://{DOMAIN}``: how the demo and the tests reach the emulated tenant over plain http.
  The ID token's issuer is then ``{BASE_URL}/``.
- The verified ID token's ``sid`` (the Auth0 session id) and ``auth_time`` are added to the
  user details, where :func:`selfservice.login.pipeline.store_auth0_session` picks them up.
"""

from __future__ import annotations

from typing import Any

from social_core.backends.auth0 import Auth0OAuth2 as BaseAuth0OAuth2

SESSION_CLAIMS = ("sid", "auth_time")


class Auth0OAuth2(BaseAuth0OAuth2):  # type: ignore[type-arg]
    name = "auth0"

    def api_path(self, path: str = "") -> str:
        base_url = self.setting("BASE_URL")
        if base_url:
            return f"{str(base_url).rstrip('/')}/{path}"
        return str(super().api_path(path))

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
