"""The JSON API for apps (``pip install django-selfservice[api]``; DESIGN.md "JSON API").

Mount it with ``path("account/api/v1/", include("selfservice.api.urls"))``. It offers the
account pages' operations over HTTP to single-page and mobile apps: the same gateway, read
cache, upstream budget, audit, rate limits and step-up as the pages, only the answers are
JSON. Two ways in (:mod:`selfservice.api.auth`): the site's session cookie with Django's CSRF
check on unsafe methods, or a bearer access token the tenant issued for the site's API
(``API_AUDIENCE``). Errors are RFC 9457 problem details (:mod:`selfservice.api.problems`).
"""
