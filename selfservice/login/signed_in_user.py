"""The signed-in user in one query whose SQL is written once: every request's login check.

Why: ``request.user`` on every account page (and on any page of the site that looks at it) asks
the session's backend for the user by primary key. social-auth's ``get_user`` builds and
compiles the same ORM query every time (``filter(pk=..., **ACTIVE_USERS_FILTER)``): about
0.2 ms of Python for a row the database hands back in 0.02 ms, on every request. Here the ORM
writes that query's SQL once per user model, database and filter; each request runs it with
its primary key through ``Manager.raw``, which builds the model instance as any query does
(``from_db``, the database's converters).

Nothing but SQL text is kept. The row is read from the database on every request, so a user
who is deactivated, deleted or changed in any way (``QuerySet.update`` included) is seen on the
next request, exactly as before. A user row is never cached.

The answer is social-auth's own: only a user matching ``SOCIAL_AUTH_ACTIVE_USERS_FILTER``
(default ``{"is_active": True}``), and ``None`` unless exactly one row matches.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Model

__all__ = ["ACTIVE_USERS_FILTER", "load"]

#: social-auth's setting: the lookups a user must match to be signed in.
ACTIVE_USERS_FILTER = "SOCIAL_AUTH_ACTIVE_USERS_FILTER"
#: The name the written query gives the user table's filtered rows.
_ROWS = "signed_in_user"
#: A bound far above the model x database x filter combinations of any site.
_LIMIT = 64

#: (model, database alias, filter) -> (SQL with the primary key as its last parameter, the
#: filter's parameters), or None when the filter can match no row at all.
_written: dict[tuple[type[Model], str, str], tuple[str, tuple[Any, ...]] | None] = {}


def load(model: type[Model], pk: Any) -> Model | None:
    """The user with this primary key if exactly one row of ``model`` has it and matches the filter."""
    active = dict(getattr(settings, ACTIVE_USERS_FILTER, {"is_active": True}))
    manager = model._default_manager
    alias = manager.db
    written = _sql(model, alias, active)
    if written is None:
        return None
    sql, params = written
    value = model._meta.pk.get_db_prep_value(pk, connections[alias])
    users = list(manager.db_manager(alias).raw(sql, [*params, value]))
    return users[0] if len(users) == 1 else None


def _sql(model: type[Model], alias: str, active: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
    key = (model, alias, repr(sorted(active.items())))
    if key in _written:
        return _written[key]
    # The ORM writes the filter (any lookups, joins included) for this database; the primary key
    # is compared outside it, so its value is a parameter of its own. order_by(): a model's
    # default ordering means nothing for one row, and some databases refuse it in a subquery.
    query = model._default_manager.filter(**active).order_by().query
    quote = connections[alias].ops.quote_name
    try:
        inner, params = query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:  # e.g. {"pk__in": []}: nobody can be signed in
        written = None
    else:
        rows = quote(_ROWS)
        column = quote(str(model._meta.pk.column))
        written = (f"SELECT * FROM ({inner}) {rows} WHERE {rows}.{column} = %s", tuple(params))
    if len(_written) >= _LIMIT:
        _written.clear()
    _written[key] = written
    return written


def _forget(**kwargs: Any) -> None:
    # DATABASES, AUTH_USER_MODEL or the filter changed (tests): write the SQL again.
    _written.clear()


setting_changed.connect(_forget)
