"""Staff manage the Preferences schema; they can read the audit trail, never edit it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, PreferenceSchema


@admin.register(PreferenceSchema)
class PreferenceSchemaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """Edit schemas as JSON; the model's clean() lists every problem with its JSON pointer."""

    list_display = ("name", "version", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("created_at", "updated_at")
    fields = ("name", "version", "is_active", "schema", "created_at", "updated_at")
    actions = ["activate"]

    @admin.action(description=_("Make the selected schema the active one"))
    def activate(self, request: HttpRequest, queryset: QuerySet[PreferenceSchema]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one schema to activate."), messages.ERROR)
            return
        schema = queryset.get()
        schema.activate()
        self.message_user(request, _("%(schema)s is now the active schema.") % {"schema": schema}, messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not subscriptable at run time
    """Read-only: an audit trail that staff can edit proves nothing."""

    list_display = ("created_at", "action", "auth0_user_id", "target", "user", "ip")
    list_filter = ("action", "created_at")
    search_fields = ("auth0_user_id", "target", "action", "ip")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    readonly_fields = ("created_at", "action", "auth0_user_id", "target", "user", "ip", "user_agent", "details")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
