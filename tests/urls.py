from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # LOGIN_URL stays Django's default (/accounts/login/); tests only assert the redirect to it.
    path("", include("social_django.urls", namespace="social")),
    path("account/", include("selfservice.urls")),
]
