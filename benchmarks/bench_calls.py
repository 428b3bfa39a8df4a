"""Upstream Management calls per user action, counted at the in-process emulator (deterministic).

    python -m benchmarks.bench_calls

Why: on a Free tenant the site may spend 2 calls a second for everyone, so what each click costs
upstream decides how many people the pages serve. With the per-user read cache these counts
hold whatever the machine's speed; ``tests/core/test_read_cache.py`` asserts the main ones.
Each action starts from a freshly seeded demo tenant and empty caches, signs in with
``force_login`` (no login calls), runs its set-up, clears the tenant's log, then does only
the action: the count is exactly what the action sent. Token requests are counted apart.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python benchmarks/bench_calls.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.forms import CheckboxInput, MultipleChoiceField  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks import inprocess  # noqa: E402 - sets Django up
from selfservice.emulator import Emulator  # noqa: E402
from selfservice.gateway import get_gateway  # noqa: E402

ALICE = "auth0|alice"
CAROL = "auth0|carol"  # 40 sessions (two pages of 20), six methods, every preference set
ALICE_FORM = {"name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell", "nickname": "alice", "picture": ""}


@dataclass(frozen=True)
class Action:
    name: str
    uid: str
    prepare: Callable[[Client, Emulator], Any]  # before the log is cleared (warms what the action assumes)
    run: Callable[[Client, Emulator, Any], list[int]]  # the action; the statuses of its responses


def url(tab: str) -> str:
    return reverse(f"selfservice:{tab}")


def visit(client: Client, tabs: tuple[str, ...] = inprocess.TABS, htmx: bool = False) -> list[int]:
    return [client.get(url(tab), headers=inprocess.HTMX if htmx else {}).status_code for tab in tabs]


def nothing(client: Client, emulator: Emulator) -> None:
    return None


def warm_factors(client: Client, emulator: Emulator) -> None:
    get_gateway().list_factors()  # the tenant-wide factor list, cached for every user


def warm_tabs(client: Client, emulator: Emulator) -> None:
    visit(client)


def form_values(response: Any) -> dict[str, Any]:
    """What a browser posts back unchanged: the rendered value of every enabled field."""
    form = response.context_data["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(value, list) or isinstance(field, MultipleChoiceField):
            data[name] = [str(v) for v in value or []]
        else:
            data[name] = "" if value is None else str(value)
    return data


def preferences_form(client: Client, emulator: Emulator) -> dict[str, Any]:
    warm_tabs(client, emulator)
    return form_values(client.get(url("preferences")))


def save_preferences(client: Client, emulator: Emulator, form: dict[str, Any]) -> list[int]:
    saved = client.post(url("preferences"), {**form, "theme": "dark" if form.get("theme") != "dark" else "light"})
    return [saved.status_code, client.get(saved["Location"]).status_code] if saved.status_code == 302 else [saved.status_code]


def save_general(client: Client, emulator: Emulator, _: Any) -> list[int]:
    saved = client.post(url("general"), {**ALICE_FORM, "nickname": "Ally"})
    return [saved.status_code, client.get(saved["Location"]).status_code] if saved.status_code == 302 else [saved.status_code]


def oldest_session(client: Client, emulator: Emulator) -> str:
    visit(client, ("sessions",))
    return str(emulator.tenant.user_sessions(CAROL)[-1]["id"])


def revoke(client: Client, emulator: Emulator, session_id: str) -> list[int]:
    done = client.post(reverse("selfservice:revoke-session", args=[session_id]))
    return [done.status_code, *visit(client, ("sessions",))]


def totp_of_carol(client: Client, emulator: Emulator) -> str:
    visit(client)
    return next(str(m["id"]) for m in emulator.tenant.methods[CAROL] if m["type"] == "totp")


def remove(client: Client, emulator: Emulator, method_id: str) -> list[int]:
    done = client.post(reverse("selfservice:remove-method", kwargs={"method_id": method_id}), {"confirm": "1"})
    return [done.status_code]


def remove_then_visit(client: Client, emulator: Emulator, method_id: str) -> list[int]:
    return [*remove(client, emulator, method_id), *visit(client)]


API = "/account/api/v1"


def api_get(*paths: str) -> Callable[[Client, Emulator, Any], list[int]]:
    return lambda c, e, _: [c.get(API + path).status_code for path in paths]


def api_patch_me(client: Client, emulator: Emulator, _: Any) -> list[int]:
    return [client.patch(f"{API}/me", {"nickname": "al"}, content_type="application/json").status_code]


def warm_api(client: Client, emulator: Emulator) -> None:
    for path in ("/me", "/me/authentication-methods", "/me/sessions"):
        client.get(API + path)


ACTIONS = (
    Action("cold visit, 4 tabs (full pages), factors cold", ALICE, nothing, lambda c, e, _: visit(c)),
    Action("cold visit, 4 tabs (full pages), factors warm", ALICE, warm_factors, lambda c, e, _: visit(c)),
    Action("cold visit, 4 tabs (htmx switches), factors warm", ALICE, warm_factors, lambda c, e, _: visit(c, htmx=True)),
    Action("warm revisit, 4 tabs (full pages), within the fresh TTL", ALICE, warm_tabs, lambda c, e, _: visit(c)),
    Action("htmx tab switches, 4 tabs x 5 rounds, warm", ALICE, warm_tabs,
           lambda c, e, _: [s for _round in range(5) for s in visit(c, htmx=True)]),
    Action("Refresh (?refresh=1) on General, warm", ALICE, warm_tabs,
           lambda c, e, _: [c.get(url("general"), {"refresh": "1"}, headers=inprocess.HTMX).status_code]),
    Action("Sessions tab cold, 40 sessions (factors warm)", CAROL, warm_factors, lambda c, e, _: visit(c, ("sessions",))),
    Action("Sessions ?page=2, ?page=1, ?page=2 (htmx), 40 sessions, warm", CAROL, warm_tabs,
           lambda c, e, _: [c.get(url("sessions"), {"page": n}, headers=inprocess.HTMX).status_code for n in (2, 1, 2)]),
    Action("save on General (warm), PRG: POST + the GET after it", ALICE, warm_tabs, save_general),
    Action("save on Preferences (warm), PRG: POST + the GET after it", CAROL, preferences_form, save_preferences),
    Action("revoke one session (warm listing), then the Sessions tab", CAROL, oldest_session, revoke),
    Action("remove a method (warm)", CAROL, totp_of_carol, remove),
    Action("remove a method (warm), then all 4 tabs", CAROL, totp_of_carol, remove_then_visit),
    # The JSON API (session cookie): the same read cache as the pages.
    Action("API: GET me, cold", ALICE, nothing, api_get("/me")),
    Action("API: GET me, me/preferences, me/identities (one user read)", ALICE, nothing,
           api_get("/me", "/me/preferences", "/me/identities")),
    Action("API: GET me, methods, sessions, warm", CAROL, warm_api, api_get("/me", "/me/authentication-methods", "/me/sessions")),
    Action("API: PATCH me (warm): one write, no read", ALICE, warm_api, api_patch_me),
    Action("API: GET me/sessions cold, 40 sessions", CAROL, warm_factors, api_get("/me/sessions")),
)


def measure(action: Action) -> dict[str, Any]:
    with inprocess.tenant(Emulator(seed="demo")) as emulator:
        client = inprocess.client_for(action.uid)
        state = action.prepare(client, emulator)
        emulator.clear_requests()
        statuses = action.run(client, emulator, state)
        calls = inprocess.management_calls(emulator)
        tokens = sum(1 for r in emulator.requests() if r["path"] == "/oauth/token")
    shapes = Counter(f"{method} {_shape(path)}" for method, path in calls)
    return {"action": action.name, "calls": len(calls), "tokens": tokens, "statuses": statuses,
            "endpoints": ", ".join(f"{k} x{v}" if v > 1 else k for k, v in shapes.items()) or "-"}


def _runs(statuses: list[int]) -> str:
    """``[302, 200, 200, 200]`` -> ``302, 200 x3``."""
    runs: list[list[int]] = []
    for status in statuses:
        if runs and runs[-1][0] == status:
            runs[-1][1] += 1
        else:
            runs.append([status, 1])
    return ", ".join(f"{status} x{n}" if n > 1 else str(status) for status, n in runs)


def _shape(path: str) -> str:
    parts = path.split("/")
    for index in range(4, len(parts)):
        if parts[index - 1] in ("users", "sessions", "authentication-methods"):
            parts[index] = "{id}"
    return "/".join(parts)


def table() -> str:
    rows = [measure(action) for action in ACTIONS]
    lines = [
        "Upstream Management calls per action (in-process emulator, demo seed; alice: 3 sessions, 2 methods;"
        " carol: 40 sessions, 6 methods)",
        f"code: {inprocess.code_version()}; READ_CACHE_TTL user 300 s, methods 60 s, sessions 30 s (defaults)",
        "",
        "| action | Management calls | token calls | statuses | calls |",
        "|---|---:|---:|---|---|",
        *(f"| {r['action']} | {r['calls']} | {r['tokens']} | {_runs(r['statuses'])} | {r['endpoints']} |" for r in rows),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    print(table())


if __name__ == "__main__":
    main()
