"""Site policy: which Auth0 user a Django user is, and what they may change.

The gateway decides *how* to talk to Auth0; the adapter decides *what is allowed*. To change a
policy, subclass :class:`DefaultAdapter`, override the hooks you need, and name your class in
settings::

    SELFSERVICE = {..., "ADAPTER": "mysite.selfservice.Adapter"}

Each hook receives plain values (the request, a :class:`~selfservice.gateway.UserProfile`)
and must not call Auth0 itself: the views already fetched what the hook needs, once.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from selfservice.conf import get_settings
from selfservice.login.pipeline import login_age

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from selfservice.gateway import Identity, UserProfile

__all__ = [
    "DATABASE_PROVIDERS",
    "DEFAULT_ADAPTER",
    "PROFILE_FIELDS",
    "DefaultAdapter",
    "get_adapter",
    "remember_auth0_user_id",
    "resolve_auth0_user_id",
]

DEFAULT_ADAPTER = "selfservice.adapter.DefaultAdapter"

# Root attributes a database or passwordless user may change on the General tab. Auth0 refuses
# a PATCH that merely *contains* one of them for a social/enterprise user whose connection syncs
# the profile at each login (auth0-facts.md §2.2), so they are only ever sent when editable.
PROFILE_FIELDS: tuple[str, ...] = ("name", "given_name", "family_name", "nickname", "picture")

# Providers whose users' root attributes Auth0 itself stores: the database connection and
# passwordless email/sms.
DATABASE_PROVIDERS = frozenset({"auth0", "email", "sms"})

# How a sign-in method is named to the user. Unknown providers fall back to the connection name.
PROVIDER_LABELS: dict[str, Promise] = {
    "auth0": _("Email and password"),
    "email": _("Email code"),
    "sms": _("Text message code"),
    "google-oauth2": _("Google"),
    "apple": _("Apple"),
    "facebook": _("Facebook"),
    "github": _("GitHub"),
    "gitlab": _("GitLab"),
    "linkedin": _("LinkedIn"),
    "twitter": _("X (Twitter)"),
    "windowslive": _("Microsoft account"),
    "waad": _("Microsoft Entra ID"),
    "adfs": _("Active Directory Federation Services"),
    "ad": _("Active Directory"),
    "samlp": _("Single sign-on (SAML)"),
    "oidc": _("Single sign-on (OpenID Connect)"),
    "okta": _("Okta"),
}

# Where the request remembers the resolved id, so the view, audit and signals ask only once.
_REQUEST_ATTRIBUTE = "_selfservice_auth0_user_id"
# Where the session remembers it: [Django user pk, Auth0 user id] (see get_auth0_user_id).
_SESSION_KEY = "selfservice_auth0_user_id"


class DefaultAdapter:
    """The policy every site gets unless ``SELFSERVICE["ADAPTER"]`` names a subclass."""

    #: The social-auth backend names whose association ``uid`` is the Auth0 ``sub``. Add
    #: ``"auth0_openidconnect"`` if your site logs in with that backend instead.
    social_auth_providers: tuple[str, ...] = ("auth0",)

    def get_auth0_user_id(self, request: HttpRequest) -> str | None:
        """Return the Auth0 user id (``sub``, e.g. ``"auth0|63d1..."``) of the signed-in user.

        The default reads the social-auth association created at login
        (``user.social_auth``; its ``uid`` is the ID token's ``sub``). When a Django user has
        several Auth0 associations, the newest one wins. Return ``None`` when the user has
        none: the pages then say "This account has no sign-in settings here" instead of failing.

        Override it when your site stores the Auth0 id elsewhere (a column on a custom user
        model, another authentication library). It is called once per request.

        The sign-in puts the answer in the session beside the Django user's pk
        (:func:`remember_auth0_user_id`), so a page reads it from there instead of querying on
        every tab; a session of another user, or one from before, asks the database (and is
        not written to for it: a GET would then save the session).
        """
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        session = getattr(request, "session", None)
        remembered = session.get(_SESSION_KEY) if session is not None else None
        if isinstance(remembered, list) and len(remembered) == 2 and remembered[0] == str(user.pk):
            return str(remembered[1])
        associations = getattr(user, "social_auth", None)
        if associations is None:  # social_django not installed, or a custom user without it
            return None
        uid = (
            associations.filter(provider__in=self.social_auth_providers)
            .order_by("-pk")
            .values_list("uid", flat=True)
            .first()
        )
        return str(uid) if uid else None

    def editable_fields(self, profile: UserProfile) -> tuple[str, ...]:
        """Return the root attributes this user may change on the General tab.

        Default: ``name, given_name, family_name, nickname, picture`` for database and
        passwordless users, nothing for everyone else, because a social or enterprise
        connection that syncs the profile at each login owns those attributes and Auth0 refuses
        any PATCH that contains them. If one of your connections has "Sync user profile
        attributes at each login" turned off, return :data:`PROFILE_FIELDS` for its users.

        Email and phone number are shown read-only: changing them needs a verification flow.
        Only fields in :data:`PROFILE_FIELDS` are honoured; anything else is ignored.
        """
        if self.primary_provider(profile) in DATABASE_PROVIDERS:
            return PROFILE_FIELDS
        return ()

    def primary_provider(self, profile: UserProfile) -> str:
        """The provider of the identity the user signed up with (``"auth0"``, ``"google-oauth2"``...).

        Falls back to the prefix of the user id when Auth0 sent no identities.
        """
        primary = profile.primary_identity
        if primary is not None and primary.provider:
            return primary.provider
        return profile.user_id.split("|", 1)[0]

    def provider_label(self, identity: Identity) -> str:
        """How a sign-in method is named to the user: "Google", "Email and password", ...

        Override to name your enterprise connections ("Acme staff login").
        """
        label = PROVIDER_LABELS.get(identity.provider)
        if label is not None:
            return str(label)
        return identity.connection or identity.provider

    def sign_in_methods(self, profile: UserProfile) -> list[str]:
        """The labels of the user's identities, primary first, without duplicates."""
        labels: list[str] = []
        for identity in profile.identities:
            label = self.provider_label(identity)
            if label not in labels:
                labels.append(label)
        return labels

    def profile_owner_label(self, profile: UserProfile) -> str:
        """Who owns a social user's profile, for "Managed by Google: change it there."."""
        primary = profile.primary_identity
        if primary is not None:
            return self.provider_label(primary)
        return self.primary_provider(profile)

    def requires_recent_login(self, request: HttpRequest, action: str) -> bool:
        """Whether ``action`` needs a fresh sign-in first (step-up).

        Asked before a sensitive change, before anything is read from or sent to Auth0:
        ``"mfa.remove"`` (remove an authentication method, also its confirm step),
        ``"mfa.recovery_code"`` (a new recovery code), ``"sessions.revoke_others"`` (sign out
        everywhere else), ``"email.change"`` and ``"password.change"`` (the General tab's
        email form and password change, also their GET), ``"identities.link"`` and
        ``"identities.unlink"``, and ``"account.delete"`` (delete the account, also its confirm step).
        True sends the user to "Confirm it's you": they sign in again at Auth0 (``max_age=0``,
        ``prompt=login``) and come back to the action's confirm step.

        Default: True when ``STEP_UP_MAX_AGE`` is set (300 s unless changed) and the session's
        sign-in (the ID token's ``auth_time``, kept by the login pipeline) is older than that,
        or unknown. Override to ask for some actions only, or for other reasons (a risk score);
        the hook must be cheap and must not call Auth0.
        """
        max_age = get_settings().step_up_max_age
        if max_age is None:
            return False
        age = login_age(request.session)
        return age is None or age > max_age

    def export_data(self, request: HttpRequest, profile: UserProfile) -> dict[str, Any]:
        """What the site adds to "Download my data" (the Privacy tab), under the ``"site"`` key.

        Return JSON-serialisable data the site holds about this user (orders, newsletter
        choices, ``profile.app_metadata`` if you want it shown): GDPR articles 15 and 20 cover
        it too. Default: nothing. Values under secret-looking keys (``password``, ``token``,
        ``secret``, ``code`` ...) are replaced by ``"[redacted]"`` whatever you return; anything
        that is not JSON is written as text. Called once per download, after the Auth0 reads.
        """
        return {}

    def link_connections(self, profile: UserProfile) -> tuple[str, ...]:
        """The connections the General tab offers to link (``"google-oauth2"``, ``"github"``...).

        Default: ``SELFSERVICE["LINK_CONNECTIONS"]`` (none unless set), minus the connections
        the user already signs in with. Each must be a connection of your tenant enabled for
        the login application: the button signs in with ``connection=NAME``.
        """
        configured = get_settings().raw.get("LINK_CONNECTIONS") or ()
        names = [str(name) for name in configured if isinstance(name, str) and name]
        have = {identity.connection for identity in profile.identities}
        return tuple(dict.fromkeys(name for name in names if name not in have))

    def allows_identity_merge(
        self, request: HttpRequest, profile: UserProfile, secondary: UserProfile, own_data: tuple[str, ...]
    ) -> bool:
        """Whether the account being linked may be merged although it holds data of its own.

        Asked only when it does: ``own_data`` names what (``"user_metadata"``, ``"identities"``:
        accounts linked to it, ``"sessions"``: signed in elsewhere, ``"site_account"``: a user of
        this site). Linking makes it a secondary identity of ``profile``: Auth0 keeps only the
        primary's metadata, and its own site account would no longer be reachable. Default:
        refuse (False); return True once your site moves that data over itself.
        """
        return False

    def link_label(self, connection: str) -> str:
        """How the button names a connection to link: "Google", "GitHub", or the name itself."""
        label = PROVIDER_LABELS.get(connection)
        return str(label) if label is not None else connection


@functools.cache
def _adapter_for(path: str) -> DefaultAdapter:
    adapter: DefaultAdapter = import_string(path)()
    return adapter


def get_adapter() -> DefaultAdapter:
    """The adapter named by ``SELFSERVICE["ADAPTER"]`` (memoised per dotted path)."""
    return _adapter_for(get_settings().adapter or DEFAULT_ADAPTER)


def remember_auth0_user_id(request: HttpRequest, user: Any, auth0_user_id: str) -> None:
    """At sign-in: keep ``auth0_user_id`` in the session for :meth:`DefaultAdapter.get_auth0_user_id`."""
    session = getattr(request, "session", None)
    if session is not None and auth0_user_id and getattr(user, "pk", None) is not None:
        session[_SESSION_KEY] = [str(user.pk), auth0_user_id]
    if hasattr(request, _REQUEST_ATTRIBUTE):
        delattr(request, _REQUEST_ATTRIBUTE)


def act_for(request: HttpRequest, auth0_user_id: str) -> None:
    """Say who this request acts for (a verified bearer token's ``sub``): asked nowhere else."""
    setattr(request, _REQUEST_ATTRIBUTE, auth0_user_id)


def resolve_auth0_user_id(request: HttpRequest) -> str | None:
    """``get_adapter().get_auth0_user_id(request)``, asked once per request and remembered on it."""
    if not hasattr(request, _REQUEST_ATTRIBUTE):
        setattr(request, _REQUEST_ATTRIBUTE, get_adapter().get_auth0_user_id(request))
    value: str | None = getattr(request, _REQUEST_ATTRIBUTE)
    return value
