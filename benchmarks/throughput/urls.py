"""The demo site's URLs plus, per worker process, the bare render and the static bytes of each tab.

``/__bench__/<kind>/<tab>/`` with kind ``bare`` or ``static`` (``?login=1``: the tabs' login check
first). The first such request in a worker calls the tab's real view once (a TemplateResponse
is rendered lazily, so its template names and context can be taken before rendering), keeps a
deep copy of that context and the rendered bytes, and answers with the bytes. From then on
``bare`` renders the kept template from the kept plain dict (what bench_render times in process)
and ``static`` returns the kept bytes. The request's headers (``HX-Request`` for a partial) pick
full page or partial exactly as they do for the tab.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from django.contrib.messages import get_messages
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import select_template
from django.template.response import SimpleTemplateResponse
from django.urls import path, resolve, reverse

from demo_project.urls import urlpatterns as site_patterns

_kept: dict[tuple[str, bool], tuple[list[str], dict[str, Any], bytes]] = {}
_lock = threading.Lock()
TABS = ("general", "preferences", "security", "sessions")


def _keep(request: HttpRequest, tab: str) -> tuple[list[str], dict[str, Any], bytes]:
    key = (tab, request.headers.get("HX-Request") == "true")
    with _lock:
        if key not in _kept:
            match = resolve(reverse(f"selfservice:{tab}"))
            response = match.func(request, *match.args, **match.kwargs)
            if not isinstance(response, SimpleTemplateResponse) or response.status_code != 200:
                raise RuntimeError(f"{tab} answered {response.status_code} (a {type(response).__name__})")
            names = response.template_name
            context = {k: v for k, v in (response.context_data or {}).items() if k not in ("view", "messages")}
            kept = copy.deepcopy(context)
            _kept[key] = ([names] if isinstance(names, str) else list(names), kept, response.render().content)
    return _kept[key]


def _login_check(request: HttpRequest) -> None:
    if request.GET.get("login") == "1" and not request.user.is_authenticated:
        raise Http404("the bench session is not signed in")


def bare(request: HttpRequest, tab: str) -> HttpResponse:
    if tab not in TABS:
        raise Http404(tab)
    _login_check(request)
    names, context, _ = _keep(request, tab)
    return HttpResponse(select_template(names).render({**context, "messages": get_messages(request)}, request))


def static(request: HttpRequest, tab: str) -> HttpResponse:
    if tab not in TABS:
        raise Http404(tab)
    _login_check(request)
    return HttpResponse(_keep(request, tab)[2])


urlpatterns = [
    *site_patterns,
    path("__bench__/bare/<str:tab>/", bare),
    path("__bench__/static/<str:tab>/", static),
]
