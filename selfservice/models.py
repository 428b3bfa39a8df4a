"""The app's own tables: what happened (AuditEvent), the Preferences schema, the session map.

Everything about the user themselves lives in Auth0; these tables only hold what the site
needs to keep on its side.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from selfservice.conf import get_settings
from selfservice.core.shared_cache import SharedCache, shared_cache
from selfservice.preferences.schemas import apply_order, fingerprint, property_order, schema_problems

__all__ = ["AuditEvent", "Auth0Session", "PreferenceSchema", "SCHEMA_CACHE_TTL", "active_schema_key"]

#: Seconds the active preference schema is kept in the cache (``CACHE_ALIAS``). Saving or deleting
#: a schema drops the copy at once (on commit); with a cache shared by every process (Redis)
#: that is exact, with per-process caches (LocMem) another process may show the old schema this
#: long -- its forms then meet the "the form changed" step, never a wrong save.
SCHEMA_CACHE_TTL = 60


# -- PreferenceSchema ---------------------------------------------------------------------------


class PreferenceSchema(models.Model):
    """The JSON Schema (draft 2020-12 subset) that the Preferences tab turns into a form.

    At most one row is active (a conditional unique constraint); saving an active row
    deactivates the others in the same transaction. ``full_clean()`` (the admin, the
    ``load_preference_schema`` command) refuses a schema that is not valid JSON Schema or that
    the form cannot render, with one message per problem and its JSON pointer
    (:func:`selfservice.preferences.schemas.schema_problems`).
    """

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    schema = models.JSONField(_("schema"), help_text=_("A JSON Schema (draft 2020-12) of user_metadata keys."))
    is_active = models.BooleanField(_("active"), default=False, help_text=_("The Preferences tab uses the active schema."))
    # The order of the properties as written: PostgreSQL's jsonb does not keep key order, and
    # the form shows fields in this order. {"": top-level names, "<object>": member names}.
    field_order = models.JSONField(_("field order"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("preference schema")
        verbose_name_plural = _("preference schemas")
        ordering = ("name", "-version")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="selfservice_preferenceschema_name_version"),
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="selfservice_preferenceschema_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.field_order = property_order(self.schema)
        with transaction.atomic():
            if self.is_active:
                # Deactivate the others first, or the one-active constraint refuses this row.
                PreferenceSchema.objects.filter(is_active=True).exclude(pk=self.pk).update(is_active=False)
            super().save(*args, **kwargs)
            _forget_active()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            _forget_active()
        return deleted

    def clean(self) -> None:
        problems = schema_problems(self.schema)
        if problems:
            raise ValidationError({"schema": [
                ValidationError("%(pointer)s: %(message)s", code="invalid_schema", params={"pointer": p.pointer, "message": p.message})
                for p in problems
            ]})

    def validate_constraints(self, exclude: Any = None) -> None:
        # Activating one schema deactivates the others in save(); the one-active constraint
        # must not refuse the form (admin, command) before save() gets the chance.
        super().validate_constraints(exclude={*(exclude or ()), "is_active"})

    @classmethod
    def active(cls, cache: Any = None) -> PreferenceSchema | None:
        """The schema the tab uses now, or None: from the cache, else one query (then cached).

        Every Preferences view asks; the schema changes when staff load a new one. ``cache``:
        the request's :class:`~selfservice.core.read_ahead.ReadAhead` over ``CACHE_ALIAS``,
        when the view read the key (:func:`active_schema_key`) ahead with others.
        """
        default_cache, key = _active_cache()
        cache = default_cache if cache is None else cache
        kept = cache.get(key)
        if isinstance(kept, dict) and "row" in kept:
            # Plain values, not a pickled instance: a copy left by another release still loads.
            row = kept["row"]
            if row is None:
                return None
            names = [field.attname for field in cls._meta.concrete_fields]
            if isinstance(row, dict) and list(row) == names:  # else the fields changed since: read again
                instance = cls.from_db(cls.objects.db, names, list(row.values()))
                texts = kept.get("json")  # the same entry's schema, serialised when it was cached
                if isinstance(texts, list) and len(texts) == 2 and all(isinstance(t, str) for t in texts):
                    instance.__dict__["_schema_json"] = (texts[0], texts[1])
                return instance
        found = cls.objects.filter(is_active=True).first()
        row = None if found is None else {f.attname: getattr(found, f.attname) for f in cls._meta.concrete_fields}
        texts = None if found is None else list(found.schema_json())
        cache.set(key, {"row": row, "json": texts}, timeout=SCHEMA_CACHE_TTL)
        return found

    def schema_json(self) -> tuple[str, str]:
        """The schema as JSON with its keys sorted (what it is) and as ordered (its form's field order).

        The active copy in the cache keeps both, so a Preferences request serialises nothing.
        """
        primed: tuple[str, str] | None = self.__dict__.get("_schema_json")
        if primed is not None:
            return primed
        return json.dumps(self.schema, sort_keys=True), json.dumps(self.ordered_schema)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the schema's content does (even without a new version number)."""
        return fingerprint(self.schema)

    @property
    def ordered_schema(self) -> dict[str, Any]:
        """The schema with its properties in the order they were written (see field_order)."""
        ordered: dict[str, Any] = apply_order(self.schema, self.field_order)
        return ordered

    def activate(self) -> None:
        """Make this schema the one the tab uses (and no other)."""
        self.is_active = True
        self.save()


def active_schema_key() -> str:
    """The cache key (in ``CACHE_ALIAS``) of the active schema's copy."""
    return _active_cache()[1]


def _active_cache() -> tuple[SharedCache, str]:
    conf = get_settings()
    return shared_cache(conf.cache_alias), f"{conf.cache_key_prefix}:preference-schema:active"


def _forget_active() -> None:
    """Drop the cached active schema now and again once the transaction commits.

    Now: this process's next read sees the change. On commit: a read by another request
    between the two (which still saw the old row) cannot leave the old copy behind.
    """
    cache, key = _active_cache()
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class AuditEvent(models.Model):
    """One change a user made to their own account (who, what, from where, when).

    Written by :func:`selfservice.core.audit.record` after the upstream write succeeded. ``details``
    holds names and ids (which fields changed, which session), never values of secrets.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        # Keep the trail when a Django user is deleted; auth0_user_id still says who it was.
        on_delete=models.SET_NULL,
        related_name="selfservice_audit_events",
    )
    auth0_user_id = models.CharField(_("Auth0 user id"), max_length=255, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target = models.CharField(_("target"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.action} {self.target}".strip()


class Auth0Session(models.Model):
    """Which Django session belongs to which Auth0 session (the ID token's ``sid``).

    Written at login by :mod:`selfservice.login.session_map` (``user_logged_in``, once the session key
    is final) and deleted at logout. OIDC back-channel logout names an Auth0 session by ``sid``
    (or a user by ``sub``); these rows turn that into the Django session keys to end, whatever
    the session engine (db, cache, cached_db). ``auth0_user_id`` is the ``sub``, kept for
    logout tokens that carry no ``sid``.
    """

    sid = models.CharField(_("Auth0 session id"), max_length=255, db_index=True)
    session_key = models.CharField(_("Django session key"), max_length=255, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="selfservice_auth0_sessions",
    )
    auth0_user_id = models.CharField(_("Auth0 user id"), max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Auth0 session")
        verbose_name_plural = _("Auth0 sessions")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.sid
