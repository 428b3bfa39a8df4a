"""Public path for ``AUTHENTICATION_BACKENDS``: ``"selfservice.backends.Auth0OAuth2"``.

The backend's code lives in :mod:`selfservice.login.backends`. This is a subclass defined here,
not an alias, on purpose: social-auth records the signed-in backend as the class's own
``module.ClassName`` in the session (``_auth_user_backend``), and Django signs the user out on
the next request when that path is not in ``AUTHENTICATION_BACKENDS``. An alias would record
``selfservice.login.backends.Auth0OAuth2`` for sites that list this path. Either path works in
settings; use one.
"""

from __future__ import annotations

from selfservice.login import backends


class Auth0OAuth2(backends.Auth0OAuth2):
    """social-core's Auth0 backend plus ``BASE_URL`` and the ``sid``/``auth_time`` claims."""


__all__ = ["Auth0OAuth2"]
