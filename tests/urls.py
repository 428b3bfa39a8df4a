from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def plain(request: HttpRequest) -> HttpResponse:
    """A page of the site that reads neither the session nor the user."""
    return HttpResponse("plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("plain/", plain, name="plain"),
    path("", include("social_django.urls", namespace="social")),
    path("account/api/v1/", include("selfservice.api.urls")),
    path("account/", include("selfservice.urls")),
]
