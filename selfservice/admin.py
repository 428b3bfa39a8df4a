"""Staff can read the audit trail; nobody edits or deletes it from the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


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
