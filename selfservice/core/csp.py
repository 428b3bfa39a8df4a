"""The Content-Security-Policy the account pages are built for, as settings for the running Django.

Django 6.0 ships a CSP middleware (``SECURE_CSP``); Django 5.2 needs django-csp 4
(``CONTENT_SECURITY_POLICY``). The app supports both, so a site's settings call
``csp_settings()`` once instead of knowing which of the two it runs on::

    from selfservice.core.csp import csp_settings

    _csp = csp_settings("https://example.eu.auth0.com")  # lower case: not a setting itself
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", _csp["middleware"], ...]
    globals().update(_csp["settings"])  # CONTENT_SECURITY_POLICY (5.2) or SECURE_CSP (6.x)

Nothing here touches settings or the app registry: a settings module imports it.
"""

from __future__ import annotations

import importlib.util
from typing import Any
from urllib.parse import urlsplit

import django
from django.core.exceptions import ImproperlyConfigured

__all__ = ["BUILTIN_CSP", "csp_directives", "csp_settings", "tenant_origin"]

#: True on Django >= 6.0, whose own middleware sends the header; django-csp is then not used.
BUILTIN_CSP = django.VERSION >= (6, 0)

DJANGO_MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware"
DJANGO_CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"


def tenant_origin(url_or_domain: str) -> str:
    """``https://tenant.eu.auth0.com`` for a URL or a bare Auth0 domain (https assumed).

    Only the origin goes into ``form-action``: browsers ignore a source's path once a
    submission has been redirected, and the redirect to /authorize is exactly what is checked.
    """
    value = url_or_domain.strip()
    parts = urlsplit(value if "://" in value else f"https://{value}")
    try:
        port = parts.port  # ValueError when not a number
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise ImproperlyConfigured(f"Not an Auth0 tenant origin for form-action: {url_or_domain!r}")
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def csp_directives(tenant: str) -> dict[str, list[str]]:
    """The policy as ``{directive: sources}``; ``tenant`` is the Auth0 tenant's URL or domain.

    Why each source:
      - scripts and styles: 'self' only; the pages use no inline script, style or handler, and
        htmx's own indicator <style> is switched off in layouts/base.html;
      - img-src https: data:  the avatar is any https picture the user or their provider set;
      - form-action <tenant>  signing in and out POST to the site, which redirects to the
        tenant, and Chrome checks form-action against that redirect too;
      - frame-ancestors 'none', base-uri 'none'  no framing, no <base> hijacking.

    Django 6 sends the directives in this order; django-csp 4 in set order (varies per process),
    which browsers do not mind: compare policies directive by directive.
    """
    if BUILTIN_CSP:
        from django.utils.csp import CSP

        self_, none = str(CSP.SELF), str(CSP.NONE)
    else:
        self_, none = "'self'", "'none'"  # django-csp's csp.constants.SELF / NONE
    return {
        "default-src": [self_],
        "script-src": [self_],
        "style-src": [self_],
        "img-src": [self_, "https:", "data:"],
        "frame-ancestors": [none],
        "form-action": [self_, tenant_origin(tenant)],
        "base-uri": [none],
    }


def csp_settings(tenant: str) -> dict[str, Any]:
    """``{"middleware": dotted path, "settings": {NAME: value}}`` for this Django version.

    Django 6.x: its built-in ``ContentSecurityPolicyMiddleware`` and ``SECURE_CSP``.
    Django 5.2: django-csp's ``CSPMiddleware`` and ``CONTENT_SECURITY_POLICY`` (the v4
    format); without django-csp installed this raises at once, naming the extra to install,
    instead of a bare ImportError when the first request loads the middleware.
    """
    directives = csp_directives(tenant)
    if BUILTIN_CSP:
        return {"middleware": DJANGO_MIDDLEWARE, "settings": {"SECURE_CSP": directives}}
    if importlib.util.find_spec("csp") is None:
        raise ImproperlyConfigured(
            "A Content-Security-Policy on Django < 6 needs django-csp: pip install 'django-selfservice[csp]'"
        )
    return {"middleware": DJANGO_CSP_MIDDLEWARE, "settings": {"CONTENT_SECURITY_POLICY": {"DIRECTIVES": directives}}}
