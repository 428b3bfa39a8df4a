"""factory-boy factories: Django models, gateway dataclasses, and emulator seed objects.

The ``DictFactory`` ones build Auth0 user JSON that ``Emulator.add_user`` (and the HTTP
control API) accept, so a test states only what matters to it.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from factory.django import DjangoModelFactory
from social_django.models import UserSocialAuth

from selfservice.gateway import Identity, UserProfile
from selfservice.models import AuditEvent

User = get_user_model()


class UserFactory(DjangoModelFactory[AbstractBaseUser]):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")

    class Meta:
        model = User
        skip_postgeneration_save = True


class UserSocialAuthFactory(DjangoModelFactory[UserSocialAuth]):
    """The association social-auth creates at login; its ``uid`` is the Auth0 ``sub``."""

    user = factory.SubFactory(UserFactory)
    provider = "auth0"
    uid = factory.Sequence(lambda n: f"auth0|user{n:04d}")
    extra_data: dict[str, Any] = factory.LazyFunction(dict)

    class Meta:
        model = UserSocialAuth


class AuditEventFactory(DjangoModelFactory[AuditEvent]):
    user = factory.SubFactory(UserFactory)
    auth0_user_id = factory.Sequence(lambda n: f"auth0|user{n:04d}")
    action = "profile.update"
    target = factory.SelfAttribute("auth0_user_id")
    ip = "203.0.113.9"
    user_agent = "pytest"
    details: dict[str, Any] = factory.LazyFunction(lambda: {"fields": ["name"]})

    class Meta:
        model = AuditEvent


class Auth0UserFactory(factory.DictFactory):
    """An Auth0 database user as the emulator stores it (``auth0|...``, no identities given)."""

    user_id = factory.Sequence(lambda n: f"auth0|seeded{n:04d}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    email_verified = True
    name = "Dana Scully"
    given_name = "Dana"
    family_name = "Scully"
    nickname = "dana"
    created_at = "2024-05-01T10:00:00.000Z"


class SocialAuth0UserFactory(Auth0UserFactory):
    """A social (Google) user: the provider owns name, given/family name, nickname, picture."""

    user_id = factory.Sequence(lambda n: f"google-oauth2|social{n:04d}")
    picture = "https://lh3.googleusercontent.com/a/example.png"
    identities = factory.LazyAttribute(lambda o: [{
        "connection": "google-oauth2", "provider": "google-oauth2",
        "user_id": o.user_id.split("|", 1)[1], "isSocial": True,
    }])


class IdentityFactory(factory.Factory):
    provider = "auth0"
    user_id = factory.Sequence(lambda n: f"user{n:04d}")
    connection = "Username-Password-Authentication"
    is_social = False

    class Meta:
        model = Identity


class UserProfileFactory(factory.Factory):
    """A gateway ``UserProfile`` for tests that need one without asking the emulator."""

    user_id = factory.LazyAttribute(lambda o: f"{o.identity.provider}|{o.identity.user_id}")
    email = "dana@example.com"
    email_verified = True
    name = "Dana Scully"
    given_name = "Dana"
    family_name = "Scully"
    nickname = "dana"
    identities = factory.LazyAttribute(lambda o: (o.identity,))

    class Params:
        identity = factory.SubFactory(IdentityFactory)

    class Meta:
        model = UserProfile
