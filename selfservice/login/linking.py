"""Linking: a second Auth0 sign-in, as another identity, that never becomes a login.

The General tab's "Link" button (:mod:`selfservice.profile.identities`) calls :func:`start`: it
drops any pending step-up (this sign-in is *meant* to come back as someone else, and
:mod:`selfservice.core.step_up` would refuse it), then starts social-auth's flow itself with
``connection=NAME``, ``prompt=login`` and ``max_age=0`` (only that request adds them:
:func:`authorize_arguments`), and remembers the flow's ``state`` with the primary user.

On the way back, :class:`selfservice.login.backends.Auth0OAuth2` asks :func:`claim` whether the
callback's ``state`` is that flow's. If it is, the backend verifies the ID token (as for any
login) and hands it to :func:`returned` **instead of** social-auth's pipeline: no Django user is
created, none is signed in, no association is added, and the signed-in user stays who they are.
What came back (the secondary's ``sub``, email and ID token) waits in the session, for at most
:data:`WINDOW` seconds since the start, for the confirm step to vet and link it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from social_core.actions import do_auth
from social_django.utils import load_backend, load_strategy

from selfservice.core import audit, step_up
from selfservice.core.adapter import resolve_auth0_user_id

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

__all__ = ["RESULT_KEY", "START_KEY", "WINDOW", "ReturnedIdentity", "authorize_arguments", "claim", "drop",
           "pending_result", "returned", "start"]

logger = logging.getLogger("selfservice")

BACKEND = "auth0"
#: Session key: the link flow in progress (primary, connection, state, started).
START_KEY = "selfservice_link_start"
#: Session key: what the link sign-in returned, until it is linked, refused or dropped.
RESULT_KEY = "selfservice_link_result"
#: Seconds from the start of a link to its confirmation; older ones are dropped.
WINDOW = 600
_STARTING = "_selfservice_link_connection"


@dataclass(frozen=True)
class ReturnedIdentity:
    """The secondary account a link sign-in came back as (its ID token verified)."""

    primary: str
    connection: str
    sub: str
    id_token: str
    audiences: tuple[str, ...]
    email: str
    email_verified: bool
    sid: str
    started: float

    @property
    def provider(self) -> str:
        return self.sub.split("|", 1)[0]

    @property
    def bare_id(self) -> str:
        """The identity's own id, as Auth0 lists it in ``identities`` (the part after ``|``)."""
        return self.sub.split("|", 1)[1] if "|" in self.sub else self.sub


def start(request: HttpRequest, primary: str, connection: str) -> HttpResponse:
    """Start the link sign-in at Auth0 (a redirect to ``/authorize``); the caller checked everything."""
    session = request.session
    step_up.forget_pending(session)
    session.pop(RESULT_KEY, None)
    setattr(request, _STARTING, connection)
    strategy = load_strategy(request)  # type: ignore[no-untyped-call]
    backend = load_backend(strategy, BACKEND, reverse("social:complete", args=(BACKEND,)))  # type: ignore[no-untyped-call]
    response: HttpResponse = do_auth(backend)
    # The state social-auth minted for this flow (it rides on the /authorize URL): the callback
    # carrying it, and only that one, is the link's.
    state = parse_qs(urlsplit(str(response.get("Location", ""))).query).get("state", [""])[0]
    session[START_KEY] = {"primary": primary, "connection": connection, "state": state, "started": time.time()}
    return response


def authorize_arguments(request: HttpRequest | None) -> dict[str, str]:
    """What only :func:`start`'s own request adds to ``/authorize``: the connection, a fresh login."""
    connection = getattr(request, _STARTING, None) if request is not None else None
    if not isinstance(connection, str) or not connection:
        return {}
    return {"connection": connection, "prompt": "login", "max_age": "0"}


def claim(request: HttpRequest, state: Any) -> dict[str, Any] | None:
    """The link flow this callback completes (and forget it), or None for any other login."""
    started = request.session.get(START_KEY)
    if not isinstance(started, dict) or not state or started.get("state") != state:
        return None
    request.session.pop(START_KEY, None)
    if time.time() - float(started.get("started") or 0) > WINDOW:
        return None
    return started


def returned(request: HttpRequest, started: dict[str, Any], claims: dict[str, Any], id_token: str) -> HttpResponse:
    """The link sign-in came back as ``claims['sub']`` (verified): keep it for the confirm step.

    Only a browser still signed in as the user who started the link goes on; the same account
    coming back (already linked, or the wrong button at the provider) stops here.
    """
    primary = str(started.get("primary") or "")
    sub = str(claims.get("sub") or "")
    general = reverse("selfservice:general")
    if not request.user.is_authenticated or resolve_auth0_user_id(request) != primary:
        logger.warning("A link sign-in came back to a browser no longer signed in as %s.", primary)
        return HttpResponseRedirect(general)
    if sub == primary:
        audit.record(request, action="identity.link.refused", target=sub, details={"reason": "same_account"},
                     auth0_user_id=primary)
        messages.error(request, _("That sign-in is already part of your account: nothing was linked."))
        return HttpResponseRedirect(general)
    audience = claims.get("aud")
    result = ReturnedIdentity(
        primary=primary, connection=str(started.get("connection") or ""), sub=sub, id_token=id_token,
        audiences=tuple(str(a) for a in (audience if isinstance(audience, list) else [audience]) if a),
        email=str(claims.get("email") or ""), email_verified=claims.get("email_verified") is True,
        sid=str(claims.get("sid") or ""), started=float(started.get("started") or 0),
    )
    request.session[RESULT_KEY] = asdict(result)
    return HttpResponseRedirect(reverse("selfservice:link-identity"))


def pending_result(session: SessionBase, primary: str) -> ReturnedIdentity | None:
    """What the link sign-in returned for ``primary``, if it is still within :data:`WINDOW`."""
    data = session.get(RESULT_KEY)
    if not isinstance(data, dict):
        return None
    try:
        data = {**data, "audiences": tuple(data.get("audiences") or ())}
        result = ReturnedIdentity(**data)
    except TypeError:
        session.pop(RESULT_KEY, None)
        return None
    if result.primary != primary or time.time() - result.started > WINDOW:
        session.pop(RESULT_KEY, None)
        return None
    return result


def drop(session: SessionBase) -> None:
    """Forget a returned identity (linked, refused or cancelled): its ID token goes with it."""
    session.pop(RESULT_KEY, None)
    session.pop(START_KEY, None)
