from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("social_django.urls", namespace="social")),
    path("account/api/v1/", include("selfservice.api.urls")),
    path("account/", include("selfservice.urls")),
]
