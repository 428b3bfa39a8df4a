"""The load driver: real logins, then users clicking through the four tabs one request at a time.

Each simulated user is a plain HTTP client with its own cookie jar (two, in fact: the site's
and the tenant's, like a browser keeps per origin) and, unless ``--one-ip``, its own client
address: the site's connections leave from 127.1.x.y (all of 127/8 is loopback on Linux),
because the site limits requests per client IP and real users do not share one address. Signing in goes through the real OIDC
flow: the site's login page for the CSRF token, ``POST /login/auth0/``, the tenant's
``/authorize`` form, back to ``/complete/auth0/``. Browsing is one thread per user, so there
are never more requests in flight than users, and everything stays on loopback.
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from .tenant import PASSWORD, TenantControl

TABS = ("general", "preferences", "security", "sessions")
STALE_MARKER = b"data-selfservice-stale="
# Why a page was busy, from its data-selfservice-problem (includes/upstream_error.html): the text
# is in the user's language.
CAUSES = ((b'data-selfservice-problem="too_many_requests"', "request limit"),
          (b'data-selfservice-problem="throttled"', "request limit"),
          (b'data-selfservice-problem="rate_limited"', "Auth0 / budget"),
          (b'data-selfservice-problem="unavailable"', "unavailable"))
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 selfservice-load"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
FULL_PAGE_EVERY = 8  # one full page load (a reload, a new tab) per 8 clicks; the rest are htmx swaps


@dataclass
class Browser:
    """One user's browser: a cookie jar for the site and one for the tenant."""

    email: str
    site: httpx.Client
    tenant: httpx.Client

    def close(self) -> None:
        self.site.close()
        self.tenant.close()


@dataclass(frozen=True)
class Sample:
    """One page request as the user saw it."""

    user: int
    tab: str
    htmx: bool
    started: float  # seconds since the load phase began
    ms: float
    status: int
    stale: bool
    served_by: str
    signed_out: bool
    cause: str = ""  # for a 429/503: "request limit" (the site's own), "Auth0 / budget", "unavailable"


def client_address(index: int) -> str:
    """User ``index``'s own loopback address: 127.1.0.1, 127.1.0.2, ... (250 per /24)."""
    return f"127.1.{index // 250}.{index % 250 + 1}"


def open_browser(site_url: str, tenant_url: str, email: str, pin: str | None = None,
                 address: str | None = None) -> Browser:
    """Clients for one user; ``pin`` sends every site request to one host (``X-Bench-Host``);
    ``address``: the local address the site's connections leave from (None: the kernel's pick)."""
    headers = {"User-Agent": USER_AGENT}
    site_headers = {**headers, **({"X-Bench-Host": pin} if pin else {})}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    site = httpx.HTTPTransport(limits=limits, local_address=address)
    return Browser(email,
                   httpx.Client(base_url=site_url, headers=site_headers, timeout=TIMEOUT, transport=site),
                   httpx.Client(base_url=tenant_url, headers=headers, timeout=TIMEOUT, limits=limits))


def sign_in(browser: Browser) -> None:
    """The real login: site login page -> /login/auth0/ -> tenant form -> /complete/auth0/.

    Stops at the callback's redirect: following it would read the account pages, which is the
    cold start the load phase measures.
    """
    page = browser.site.get("/account/login/", params={"next": "/account/"})
    match = CSRF_INPUT.search(page.text)
    if page.status_code != 200 or not match:
        raise RuntimeError(f"{browser.email}: login page answered {page.status_code} without a CSRF token")
    start = browser.site.post("/login/auth0/", data={"csrfmiddlewaretoken": match.group(1), "next": "/account/"})
    if start.status_code != 302:
        raise RuntimeError(f"{browser.email}: POST /login/auth0/ answered {start.status_code}")
    authorize_url = start.headers["location"]
    form = browser.tenant.get(authorize_url)
    if form.status_code == 200:  # the form; a 302 would be SSO answering straight away
        form = browser.tenant.post(authorize_url, data={"email": browser.email, "password": PASSWORD})
    if form.status_code != 302:
        raise RuntimeError(f"{browser.email}: the tenant's /authorize answered {form.status_code}: {form.text[:200]}")
    done = browser.site.get(form.headers["location"])
    if done.status_code != 302 or "/login" in done.headers.get("location", "") or "sessionid" not in browser.site.cookies:
        raise RuntimeError(f"{browser.email}: the callback answered {done.status_code} {done.headers.get('location')}")


def request_tab(browser: Browser, tab: str, htmx: bool, pin: str | None = None) -> httpx.Response:
    headers = {"HX-Request": "true", "HX-Target": "selfservice-panel"} if htmx else {}
    if pin:
        headers["X-Bench-Host"] = pin
    return browser.site.get(f"/account/{tab}/", headers=headers)


@dataclass
class Load:
    """The browsing phase: shared sample list, one thread per user."""

    browsers: list[Browser]
    seconds: float
    think_ms: int
    seed: int = 1
    max_requests: int | None = None  # stop once this many pages were asked for (--requests)
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)

    def stop(self) -> None:
        """End the phase early (cleanup after Ctrl-C or the hard timeout): users stop clicking."""
        self.stopped.set()

    def run(self) -> float:
        """Browse until ``seconds`` have passed; returns the phase's wall time."""
        self.t0 = time.monotonic() + 0.2  # every thread is started before the clock begins
        self.deadline = self.t0 + self.seconds
        threads = [threading.Thread(target=self._user, args=(i, b), name=f"user-{i}", daemon=True)
                   for i, b in enumerate(self.browsers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.seconds + 60)
        if any(t.is_alive() for t in threads):
            self.failures.append("some users were still waiting for an answer 60 s after the end")
        return time.monotonic() - self.t0

    def _enough(self) -> bool:
        return self.max_requests is not None and len(self.samples) >= self.max_requests

    def _user(self, index: int, browser: Browser) -> None:
        rng = random.Random(self.seed * 1000 + index)
        offset = index % len(TABS)  # users start on different tabs
        think = self.think_ms / 1000
        self.stopped.wait(max(self.t0 - time.monotonic(), 0) + (rng.uniform(0, think) if think else 0))
        click = 0
        while time.monotonic() < self.deadline and not self.stopped.is_set() and not self._enough():
            tab = TABS[(offset + click) % len(TABS)]
            htmx = click % FULL_PAGE_EVERY != 0
            started = time.monotonic()
            try:
                response = request_tab(browser, tab, htmx)
                status, body = response.status_code, response.content
                served_by, location = response.headers.get("x-served-by", ""), response.headers.get("location", "")
            except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: the client closed by a cleanup
                if self.stopped.is_set():
                    return
                with self.lock:
                    self.failures.append(f"user {index} {tab}: {type(exc).__name__}: {exc}")
                status, body, served_by, location = 0, b"", "", ""
            elapsed = time.monotonic() - started
            cause = next((name for marker, name in CAUSES if marker in body), "other") if status in (429, 503) else ""
            sample = Sample(index, tab, htmx, started - self.t0, elapsed * 1000, status, STALE_MARKER in body,
                            served_by, status in (301, 302) and "/login" in location, cause)
            with self.lock:
                self.samples.append(sample)
            click += 1
            if think:
                self.stopped.wait(think * rng.uniform(0.5, 1.5))


def warm_up(browser: Browser) -> list[int]:
    """Read every tab once as a full page (``--warm``: a user who visited moments ago); the statuses."""
    return [request_tab(browser, tab, htmx=False).status_code for tab in TABS]


def backchannel_check(site_url: str, control: TenantControl, user_id: str, email: str,
                      first: str | None, second: str | None, address: str | None = None) -> dict[str, Any]:
    """Sign in through host ``first``, end the Auth0 session at the tenant, ask host ``second``.

    Passes when the user was signed in through ``second`` before the revoke, the tenant
    delivered the back-channel logout with a 200, and ``second`` then sends the user to the
    login page. Run with the rate limit off (the revoke is a Management call).
    """
    result: dict[str, Any] = {"passed": False, "first": first or "site", "second": second or "site"}
    browser = open_browser(site_url, control.url, email, pin=first, address=address)
    try:
        sign_in(browser)
        before = request_tab(browser, "general", htmx=False, pin=second)
        result["before"] = f"{before.status_code} via {before.headers.get('x-served-by') or 'site'}"
        sid = control.newest_web_session(user_id)
        delivered_before = len(control.backchannel_log())
        result["revoke_status"] = control.revoke_session(sid)
        deliveries = [d for d in control.backchannel_log()[delivered_before:] if d.get("sid") == sid]
        result["backchannel"] = [d.get("status") for d in deliveries]
        after = request_tab(browser, "general", htmx=False, pin=second)
        served = after.headers.get("x-served-by") or "site"
        result["after"] = f"{after.status_code} via {served} -> {after.headers.get('location', '')}"
        pinned_ok = second is None or (before.headers.get("x-served-by") == second and served == second)
        result["passed"] = (before.status_code == 200 and result["revoke_status"] in (200, 202, 204)
                            and 200 in result["backchannel"] and after.status_code == 302
                            and "/login" in after.headers.get("location", "") and pinned_ok)
    except (httpx.HTTPError, RuntimeError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        browser.close()
    return result
