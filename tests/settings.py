"""Test settings: SQLite + LocMem (the README default). settings_postgres.py swaps in PostgreSQL + Redis."""

from __future__ import annotations

from social_core.pipeline import DEFAULT_AUTH_PIPELINE

from selfservice.core.csp import csp_settings

SECRET_KEY = "selfservice-tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
    "ninja",  # the JSON API's docs page serves django-ninja's own static files (no CDN)
]

# django-csp on Django 5.2, Django's own on 6.x (selfservice.core.csp). The in-process tenant's
# origin; the browser suite swaps in the live emulator's (tests/browser/conftest.py).
_csp = csp_settings("https://tenant.emulator.test")
globals().update(_csp["settings"])  # CONTENT_SECURITY_POLICY or SECURE_CSP

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The README recipe's Content-Security-Policy (_csp above): every test runs under it.
    _csp["middleware"],
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The user's language, time zone and theme preferences: after Locale- and
    # AuthenticationMiddleware, before MessageMiddleware (messages stored in their language).
    "selfservice.preferences.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Failed or too-frequent Auth0 logins: the login page with a 4xx, never a 500.
    "selfservice.login.middleware.LoginErrorMiddleware",
]

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

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

STATIC_URL = "/static/"

AUTHENTICATION_BACKENDS = ["selfservice.backends.Auth0OAuth2", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "selfservice:login"
LOGOUT_REDIRECT_URL = "/account/login/"
LOGIN_REDIRECT_URL = "/account/"

# Login through the emulated tenant; tests that log in set SOCIAL_AUTH_AUTH0_BASE_URL/DOMAIN.
SOCIAL_AUTH_AUTH0_DOMAIN = "tenant.emulator.test"
SOCIAL_AUTH_AUTH0_KEY = "selfservice-web"
SOCIAL_AUTH_AUTH0_SECRET = "selfservice-web-secret"
SOCIAL_AUTH_AUTH0_SCOPE = ["openid", "profile", "email"]
SOCIAL_AUTH_JSONFIELD_ENABLED = True
# social-core's default pipeline + the step that keeps sid and auth_time in the Django session.
SOCIAL_AUTH_PIPELINE = (*DEFAULT_AUTH_PIPELINE, "selfservice.pipeline.store_auth0_session")

# The emulator fixture points the gateway at an in-process tenant; see tests/conftest.py.
SELFSERVICE = {
    "AUTH0_DOMAIN": "tenant.emulator.test",
    "AUTH0_CLIENT_ID": "selfservice-m2m",
    "AUTH0_CLIENT_SECRET": "selfservice-m2m-secret",
    "TIMEOUT": 2.0,
}
