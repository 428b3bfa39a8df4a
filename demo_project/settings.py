"""Settings for the demo site.

With no environment variables set, everything points at the emulated Auth0 tenant that
``python manage.py rundemo`` starts on 127.0.0.1:8001, so a fresh clone runs with one command.
Set ``AUTH0_DOMAIN``, ``AUTH0_CLIENT_ID`` and ``AUTH0_CLIENT_SECRET`` (a machine-to-machine
application, README "Scopes") to use a real tenant instead; rundemo then starts no emulator.
Reading the environment happens here, never inside the app (STYLE 8.2).
"""

from __future__ import annotations

import os
from pathlib import Path

from social_core.pipeline import DEFAULT_AUTH_PIPELINE

from selfservice.core.csp import csp_settings
from selfservice.emulator.settings import emulated_tenant

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


SECRET_KEY = env("DJANGO_SECRET_KEY", "demo-only-insecure-secret-key-do-not-deploy")
DEBUG = env("DJANGO_DEBUG", "true").lower() in ("1", "true", "yes", "on")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "social_django",
    "selfservice",
    "ninja",  # the JSON API's docs page, from django-ninja's own static files
    "demo_project",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The user's language, time zone and theme preferences: after Locale- and
    # AuthenticationMiddleware, before MessageMiddleware (messages stored in their language).
    "selfservice.preferences.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Failed or too-frequent Auth0 logins: the login page with a 4xx, never a 500.
    "selfservice.login.middleware.LoginErrorMiddleware",
]

ROOT_URLCONF = "demo_project.urls"
WSGI_APPLICATION = "demo_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# A file, so a fresh clone works after the automatic `migrate` in rundemo.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("DEMO_DATABASE", str(BASE_DIR / "db.sqlite3")),
    }
}
# Per-process cache: fine for the one-process demo (selfservice.W001 says so when DEBUG is off).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"

# The Preferences tab's schema; rundemo loads and activates it while none is stored.
DEMO_PREFERENCE_SCHEMA = BASE_DIR / "demo_project" / "preference_schema.json"

# --- Auth0 -----------------------------------------------------------------------------------
# The emulated tenant rundemo starts when AUTH0_DOMAIN is unset (None: a real tenant).
EMULATOR_HOST = "127.0.0.1"
EMULATOR_PORT = 8001
AUTH0_DOMAIN = env("AUTH0_DOMAIN")
DEMO_EMULATOR: dict[str, str | int] | None = None if AUTH0_DOMAIN else {"host": EMULATOR_HOST, "port": EMULATOR_PORT}

# Login through social-auth-app-django with selfservice's backend (README "Using the app in a site").
AUTHENTICATION_BACKENDS = ["selfservice.backends.Auth0OAuth2", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "selfservice:login"
LOGIN_REDIRECT_URL = "selfservice:index"
LOGOUT_REDIRECT_URL = "gateway-status"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
# social-core's default pipeline + the step that keeps sid and auth_time in the Django session.
SOCIAL_AUTH_PIPELINE = (*DEFAULT_AUTH_PIPELINE, "selfservice.pipeline.store_auth0_session")

if DEMO_EMULATOR is None:
    # Both halves at the one tenant: the Management API (SELFSERVICE) and the login.
    SELFSERVICE = {
        "AUTH0_DOMAIN": AUTH0_DOMAIN,
        "AUTH0_CLIENT_ID": env("AUTH0_CLIENT_ID"),
        "AUTH0_CLIENT_SECRET": env("AUTH0_CLIENT_SECRET"),
    }
    if env("AUTH0_API_AUDIENCE"):  # the JSON API's bearer tokens: your API's identifier in Auth0
        SELFSERVICE["API_AUDIENCE"] = env("AUTH0_API_AUDIENCE")
    SOCIAL_AUTH_AUTH0_DOMAIN = AUTH0_DOMAIN
    SOCIAL_AUTH_AUTH0_BASE_URL = None
    SOCIAL_AUTH_AUTH0_KEY = env("AUTH0_WEB_CLIENT_ID", "selfservice-web")
    SOCIAL_AUTH_AUTH0_SECRET = env("AUTH0_WEB_CLIENT_SECRET", "selfservice-web-secret")
else:
    # SELFSERVICE and SOCIAL_AUTH_AUTH0_DOMAIN/BASE_URL/KEY/SECRET, all at the emulated tenant
    # (rundemo points them at the port the emulator really got).
    globals().update(emulated_tenant(f"http://{EMULATOR_HOST}:{EMULATOR_PORT}"))
    # The demo's JSON API accepts the emulated tenant's tokens for the demo seed's API.
    SELFSERVICE["API_AUDIENCE"] = "https://selfservice.demo/api/v1/"  # noqa: F821 - set just above

# --- Content-Security-Policy (README "Content-Security-Policy") ------------------------------
# Django 6.x's own middleware, or django-csp on 5.2: selfservice.core.csp picks. form-action lists
# the tenant because signing in and out POST here and are redirected there.
_csp = csp_settings(SOCIAL_AUTH_AUTH0_BASE_URL or SOCIAL_AUTH_AUTH0_DOMAIN)
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, _csp["middleware"])
globals().update(_csp["settings"])  # CONTENT_SECURITY_POLICY or SECURE_CSP
