"""The :class:`~ninja.NinjaAPI` instance: operations, both ways in, and problem details for every error."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from selfservice import __version__
from selfservice.api import account, me, security, sessions
from selfservice.api.auth import REALM, SCOPES, BearerAuth, CookieAuth
from selfservice.api.json_body import TextJSONParser
from selfservice.api.problems import ApiProblem, problem_response

__all__ = ["api"]

DESCRIPTION = (
    "The signed-in user's own account over HTTP. Send the site's session cookie (with the CSRF "
    "token in `X-CSRFToken` on unsafe methods) or `Authorization: Bearer <access token>` issued by "
    "the tenant for the site's API. Scopes: " + "; ".join(f"`{name}`: {text}" for name, text in SCOPES.items())
    + " Errors are RFC 9457 problem details; step-up answers 401 `insufficient_user_authentication` (RFC 9470)."
)

api = NinjaAPI(
    title="selfservice account API", version=__version__, description=DESCRIPTION,
    auth=[BearerAuth(), CookieAuth()], urls_namespace="selfservice-api", openapi_url="/openapi.json", docs_url="/docs",
    parser=TextJSONParser(),
)
for module in (me, security, sessions, account):
    api.add_router("", module.router)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc)


@api.exception_handler(AuthenticationError)
def _not_authenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(ApiProblem(401, "Sign in, or send a bearer access token.", code="not_authenticated",
                                       headers={"WWW-Authenticate": REALM}))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in ("body", "query", "path"):
            where = location[0]
            location = location[1:]
            if where == "body" and location and location[0] in ("patch", "body", "payload"):
                location = location[1:]
        errors.append({"pointer": "/" + "/".join(location), "detail": str(error.get("msg", "Invalid value."))})
    return problem_response(ApiProblem(422, "The request does not fit the operation's schema.", code="invalid", errors=errors))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; left alone, that is a 500.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_response(ApiProblem(413, f"The request body is larger than the {limit} bytes this site accepts.",
                                       code="payload_too_large", extra={"max_bytes": limit}))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiProblem):  # raised while reading the body (a 415): ninja wraps it in a 400
        return problem_response(exc.__cause__)
    detail = str(exc.message) if hasattr(exc, "message") else str(exc)
    code = "csrf_failed" if exc.status_code == 403 and "CSRF" in detail else ""
    return problem_response(ApiProblem(exc.status_code, detail, code=code))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:  # pragma: no cover - a bug of ours
    import logging

    logging.getLogger("selfservice.api").exception("Unexpected error in %s", request.path)
    return problem_response(ApiProblem(500, "Something went wrong on our side.", code="internal"))
