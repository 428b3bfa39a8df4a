"""``path("account/api/v1/", include("selfservice.api.urls"))`` (the `api` extra: django-ninja).

Every answer under the mount is the API's, errors included: a path that names no operation is a
404 problem and a method the path does not take a 405 problem with ``Allow``, both
``application/problem+json`` like every other error (django-ninja and Django would send HTML).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from selfservice.api.app import api
from selfservice.api.problems import ApiProblem, problem_response

__all__ = ["app_name", "urlpatterns"]


def _errors_as_problems(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``view``, with django-ninja's own 405 (and its root's 404, outside DEBUG) as problems."""

    @wraps(view)  # keeps django-ninja's csrf_exempt: the API checks CSRF itself, for cookie callers
    def answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _no_such_operation(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            return problem_response(ApiProblem(405, f"This path takes {allowed}.", code="method_not_allowed",
                                               headers={"Allow": allowed}))
        return response

    return answer


@csrf_exempt  # changes nothing, whatever the method
def _no_such_operation(request: HttpRequest) -> HttpResponse:
    return problem_response(ApiProblem(404, "No operation has this path; openapi.json lists them.", code="not_found"))


urlpatterns: list[Any] = []
for pattern in api.urls[0]:
    if isinstance(pattern, URLPattern):
        pattern.callback = _errors_as_problems(pattern.callback)
    urlpatterns.append(pattern)
urlpatterns.append(re_path(r"", _no_such_operation))
app_name = "selfservice-api"
