"""``path("account/api/v1/", include("selfservice.api.urls"))`` (the `api` extra: django-ninja)."""

from __future__ import annotations

from selfservice.api.app import api

urlpatterns = api.urls[0]
app_name = "selfservice-api"
