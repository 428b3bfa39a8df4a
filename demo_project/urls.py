"""The demo's URLs: a home page (gateway status), login through Auth0, the account pages."""

from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from .views import GatewayStatusView

urlpatterns = [
    path("", GatewayStatusView.as_view(), name="gateway-status"),
    path("", include("social_django.urls", namespace="social")),
    path("account/api/v1/", include("selfservice.api.urls")),  # the JSON API (the `api` extra)
    path("account/", include("selfservice.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says; the demo answers with its SVG icon.
    path("favicon.ico", RedirectView.as_view(url=static("demo_project/favicon.svg"), permanent=True)),
]
