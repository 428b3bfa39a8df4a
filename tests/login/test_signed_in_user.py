"""The login check's user (``Auth0OAuth2.get_user``): social-auth's answer, one query, nothing kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from social_django.models import DjangoStorage, UserSocialAuth
from social_django.strategy import DjangoStrategy

from selfservice.backends import Auth0OAuth2

pytestmark = pytest.mark.django_db
User = get_user_model()


def fields(user: Any) -> dict[str, Any] | None:
    return None if user is None else {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def both(pk: Any) -> tuple[Any, Any]:
    """This backend's user and social-auth's own ``get_user`` for one primary key."""
    return Auth0OAuth2().get_user(pk), UserSocialAuth.get_user(pk)


def test_the_user_is_the_one_social_auth_loads_field_for_field(alice: Any) -> None:
    User.objects.filter(pk=alice.pk).update(first_name="Alice", email="alice@example.com")
    alice.refresh_from_db()
    alice.last_login = alice.date_joined
    alice.save()
    ours, theirs = both(alice.pk)
    assert type(ours) is User and fields(ours) == fields(theirs)
    assert ours.last_login == alice.date_joined and ours.last_login.tzinfo is not None  # converted, aware
    assert ours.is_active is True and ours.first_name == "Alice"


def test_inactive_deleted_and_unknown_users_are_nobody(auth0_user: Any) -> None:
    gone = auth0_user("auth0|gone")
    asleep = auth0_user("auth0|asleep")
    User.objects.filter(pk=asleep.pk).update(is_active=False)  # no signal, no save(): seen anyway
    gone_pk = gone.pk
    gone.delete()
    for pk in (asleep.pk, gone_pk, 10_000):
        assert both(pk) == (None, None)


def test_the_active_users_filter_setting_is_obeyed(auth0_user: Any, settings: Any) -> None:
    staff = auth0_user("auth0|staff", is_staff=True)
    plain = auth0_user("auth0|plain")
    asleep = auth0_user("auth0|asleep", is_active=False)
    settings.SOCIAL_AUTH_ACTIVE_USERS_FILTER = {"is_staff": False}
    assert both(staff.pk) == (None, None)
    assert fields(Auth0OAuth2().get_user(plain.pk)) == fields(plain)
    assert fields(Auth0OAuth2().get_user(asleep.pk)) == fields(UserSocialAuth.get_user(asleep.pk)) is not None
    settings.SOCIAL_AUTH_ACTIVE_USERS_FILTER = {"pk__in": []}  # matches no row at all
    assert both(plain.pk) == (None, None)


def test_a_filter_through_a_join_that_matches_twice_is_nobody_as_in_social_auth(alice: Any, settings: Any) -> None:
    alice.groups.add(Group.objects.create(name="staff-a"), Group.objects.create(name="staff-b"))
    settings.SOCIAL_AUTH_ACTIVE_USERS_FILTER = {"groups__name__startswith": "staff"}
    assert both(alice.pk) == (None, None)  # two rows: social-auth says nobody
    alice.groups.remove(Group.objects.get(name="staff-b"))
    assert fields(Auth0OAuth2().get_user(alice.pk)) == fields(alice)


def test_one_query_per_check_the_same_sql_each_time(alice: Any, auth0_user: Any) -> None:
    bob = auth0_user("auth0|bob")
    Auth0OAuth2().get_user(alice.pk)  # the SQL is written here
    with CaptureQueriesContext(connection) as queries:
        first = Auth0OAuth2().get_user(alice.pk)
        second = Auth0OAuth2().get_user(bob.pk)
    assert (first.pk, second.pk) == (alice.pk, bob.pk)
    assert len(queries) == 2 and queries[0]["sql"].replace(str(alice.pk), "?") == queries[1]["sql"].replace(str(bob.pk), "?")


def test_a_storage_with_its_own_get_user_is_asked_instead(alice: Any) -> None:
    assert Auth0OAuth2(DjangoStrategy(MarkingStorage)).get_user(alice.pk) == ("asked", alice.pk)
    assert fields(Auth0OAuth2(DjangoStrategy(DjangoStorage)).get_user(alice.pk)) == fields(alice)


def test_a_user_deactivated_behind_the_orms_back_is_signed_out_on_the_next_request(logged_in_client: Client,
                                                                                     alice: Any) -> None:
    assert logged_in_client.get("/account/general/").status_code == 200
    User.objects.filter(pk=alice.pk).update(is_active=False)
    response = logged_in_client.get("/account/general/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


class MarkingUser:
    """A site's social-auth user storage whose ``get_user`` answers something recognisable."""

    @classmethod
    def get_user(cls, pk: Any = None, **kwargs: Any) -> Any:
        return ("asked", pk)


class MarkingStorage(DjangoStorage):
    """social-django's storage with that user storage."""

    user = MarkingUser  # type: ignore[assignment]
