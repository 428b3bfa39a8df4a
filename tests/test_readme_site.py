"""A brand-new site built from the README's own code blocks, so the README cannot drift.

The blocks are read from README.md at test time: each one the site needs follows a marker
comment ``<!-- readme-site: NAME -->`` (``settings``, ``settings:tenant``, ``settings:emulator``,
``urls``, ``commands``). The test then does what the README tells a site author to do, in
``tmp_path`` (never in the checkout): ``django-admin startproject``, the blocks appended to
``settings.py`` and ``urls.py``, every ``python manage.py`` line of the commands block
(``migrate``, ``load_preference_schema --example``, ``check`` with no issues, ``runserver`` on a
free port), and a real sign-in through the emulated tenant's ``/authorize`` form (one httpx
client as the browser, cookies and all), to every tab of ``selfservice.urls`` and out again.

The emulator block names ``http://127.0.0.1:8001``; the test's tenant listens on a free port,
and that URL is the one thing replaced. The real-tenant block is checked by ``manage.py check``
(offline), with its environment variables set.

Below the site: the fresh site's states the README promises without a subprocess each (the
Preferences tab before any schema, ``--example``, the scope asked for once).
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import URLPattern, reverse

from selfservice import urls as selfservice_urls
from selfservice.core.views import AccountTabView
from selfservice.emulator import Emulator
from selfservice.emulator.settings import DEFAULT_URL
from selfservice.models import PreferenceSchema

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKED = re.compile(r"<!-- readme-site: (?P<name>[\w:-]+) -->\n```(?P<lang>\w+)\n(?P<code>.*?)^```", re.S | re.M)
FENCE = re.compile(r"^```(\w*)$", re.M)
SITE_NAMES = {"settings", "settings:tenant", "settings:emulator", "urls", "commands"}
# What each tab shows alice (seed "demo") on the fresh site; a tab added later needs only a 200.
TAB_CONTENT = {
    "general": ["Alice Liddell", "alice@example.com"],
    "preferences": ["Time zone", "Notify me by", "Save preferences"],
    "security": ["Multi-factor authentication asks for a second proof", "Authenticator app"],
    "sessions": ["This device", "Sign out everywhere else"],
}
TENANT_ENV = {
    "AUTH0_CLIENT_ID": "m2m-id", "AUTH0_CLIENT_SECRET": "m2m-secret",
    "AUTH0_WEB_CLIENT_ID": "web-id", "AUTH0_WEB_CLIENT_SECRET": "web-secret",
}
NO_ISSUES = "System check identified no issues (0 silenced)."
STARTUP_SECONDS = 60  # an upper bound for runserver to answer, not a measured duration


def readme_blocks() -> list[tuple[str, str, str]]:
    """``(name, language, code)`` of every marked block, in README order."""
    text = README.read_text(encoding="utf-8")
    return [(m["name"], m["lang"], m["code"]) for m in MARKED.finditer(text)]


def code_for(*names: str) -> str:
    return "\n".join(code for name, _, code in readme_blocks() if name in names)


def tab_names() -> list[str]:
    """Every tab ``selfservice.urls`` has now: a tab view mounted under its own name."""
    return [
        str(p.name) for p in selfservice_urls.urlpatterns
        if isinstance(p, URLPattern) and p.name
        and issubclass(getattr(p.callback, "view_class", object), AccountTabView)
        and p.callback.view_class.tab == p.name  # type: ignore[attr-defined]
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Forms(HTMLParser):
    """``action -> {input name: value}`` of every form on a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = self.forms.setdefault(values.get("action", ""), {})
        elif tag == "input" and self._current is not None and values.get("name"):
            self._current[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


@dataclass
class Site:
    path: Path
    url: str
    tenant: Emulator
    env: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)

    def manage(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=self.path, env=env or self.env,
            capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result


def build_site(root: Path, tenant: Emulator) -> Site:
    """``django-admin startproject`` + the README's blocks, as a site author pastes them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUTH0_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written next to the checkout's modules
    root.mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(root)],
        check=True, env=env, capture_output=True, timeout=120,
    )
    package = root / "mysite"
    startproject_settings = (package / "settings.py").read_text(encoding="utf-8")
    emulator_block = code_for("settings:emulator")
    assert DEFAULT_URL in emulator_block
    # The same README blocks in README order, with one of the two tenant blocks each.
    emulated = "\n".join(
        code.replace(DEFAULT_URL, tenant.url) for name, _, code in readme_blocks() if name in ("settings", "settings:emulator")
    )
    real = code_for("settings", "settings:tenant")
    (package / "settings.py").write_text(f"{startproject_settings}\n{emulated}", encoding="utf-8")
    (package / "settings_tenant.py").write_text(f"{startproject_settings}\n{real}", encoding="utf-8")
    with (package / "urls.py").open("a", encoding="utf-8") as urls:
        urls.write("\n" + code_for("urls"))
    return Site(path=root, url="", tenant=tenant, env=env)


def commands() -> list[list[str]]:
    """The ``python manage.py ...`` lines of the commands block, comments dropped."""
    lines = [shlex.split(line, comments=True) for line in code_for("commands").splitlines()]
    return [words[2:] for words in lines if words[:2] == ["python", "manage.py"]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tenant = Emulator(seed="demo")
    tenant.configure(public_url=tenant.start("127.0.0.1", 0))
    built = build_site(tmp_path_factory.mktemp("readme") / "site", tenant)
    server: subprocess.Popen[str] | None = None
    log = built.path / "runserver.log"
    try:
        for args in commands():
            if args[0] == "runserver":
                port = free_port()
                built.url = f"http://127.0.0.1:{port}"
                with log.open("w", encoding="utf-8") as output:
                    server = subprocess.Popen(
                        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                        cwd=built.path, env=built.env, stdout=output, stderr=subprocess.STDOUT, text=True,
                    )
                wait_until_serving(server, built.url, log)
            else:
                built.outputs[args[0]] = built.manage(*args).stdout
        yield built
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        tenant.stop()


def wait_until_serving(server: subprocess.Popen[str], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"runserver exited with {server.returncode}:\n{log.read_text(encoding='utf-8')}")
        try:
            httpx.get(url + "/account/login/", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"runserver did not answer:\n{log.read_text(encoding='utf-8')}")


# -- the README's blocks ---------------------------------------------------------------------------


def test_the_readme_marks_the_blocks_a_site_needs_and_each_parses() -> None:
    blocks = readme_blocks()
    assert {name for name, _, _ in blocks} == SITE_NAMES
    for name, lang, code in blocks:
        if lang == "python":
            ast.parse(code, filename=f"README.md ({name})")
    assert "import os" in code_for("settings:tenant")
    assert "from django.urls import include, path" in code_for("urls")


def test_every_python_block_of_the_readme_is_one_the_site_runs() -> None:
    # An unmarked snippet is one no test pastes: it could drift (or lose its imports) unnoticed.
    text = README.read_text(encoding="utf-8")
    fences = FENCE.findall(text)
    python_blocks = sum(1 for index, lang in enumerate(fences) if lang == "python" and index % 2 == 0)
    assert python_blocks == sum(1 for _, lang, _ in readme_blocks() if lang == "python")


# -- the site ----------------------------------------------------------------------------------------


@pytest.mark.multiprocess
def test_the_commands_block_migrates_loads_the_example_and_checks_clean(site: Site) -> None:
    assert [args[0] for args in commands()] == ["migrate", "load_preference_schema", "check", "runserver"]
    assert "Applying selfservice.0001" in site.outputs["migrate"]
    assert "Stored Example preferences v1 (active)." in site.outputs["load_preference_schema"]
    assert site.outputs["check"].strip() == NO_ISSUES  # no errors, no warnings, nothing silenced


@pytest.mark.multiprocess
def test_the_real_tenant_block_checks_clean_too(site: Site) -> None:
    result = site.manage("check", "--settings", "mysite.settings_tenant", env={**site.env, **TENANT_ENV})
    assert result.stdout.strip() == NO_ISSUES


@pytest.mark.multiprocess
def test_signing_in_through_the_emulator_reaches_every_tab_and_signing_out_lands_on_a_page(site: Site) -> None:
    tabs = tab_names()
    assert set(TAB_CONTENT) <= set(tabs)
    with httpx.Client(timeout=10) as browser:  # one cookie jar, like a browser (cookies ignore ports)
        login_page = browser.get(site.url + "/account/", follow_redirects=True)  # -> general/ -> LOGIN_URL
        assert (login_page.status_code, login_page.url.path) == (200, "/account/login/")
        [(action, fields)] = Forms(login_page.text).forms.items()
        assert fields["next"] == "/account/general/"

        to_tenant = browser.post(urljoin(site.url, action), data=fields)
        authorize = to_tenant.headers["location"]
        assert to_tenant.status_code == 302 and authorize.startswith(site.tenant.url + "/authorize?")
        query = parse_qs(urlsplit(authorize).query)
        assert query["scope"] == ["openid profile email"]  # each scope once
        assert urlsplit(query["redirect_uri"][0])[:3] == urlsplit(site.url + "/complete/auth0/")[:3]
        assert query["client_id"] == ["selfservice-web"]

        form = browser.get(authorize)
        assert form.status_code == 200 and 'name="password"' in form.text
        signed_in = browser.post(authorize, data={"email": "alice@example.com", "password": "demo-password"})
        assert signed_in.status_code == 302
        callback = signed_in.headers["location"]
        assert callback.startswith(site.url + "/complete/auth0/?")

        landed = browser.get(callback, follow_redirects=True)
        assert (landed.status_code, landed.url.path) == (200, "/account/general/")

        for tab in tabs:
            page = browser.get(f"{site.url}{reverse(f'selfservice:{tab}')}")
            assert page.status_code == 200, (tab, page.text[:2000])
            html = page.text
            assert f'href="{reverse(f"selfservice:{tab}")}"' in html and 'aria-current="page"' in html
            for text in TAB_CONTENT.get(tab, []):
                assert text in html, (tab, text)
            assert "form-action 'self' " + site.tenant.url in page.headers["content-security-policy"]

        confirm = browser.get(site.url + "/account/logout/")
        out = browser.post(site.url + "/account/logout/", data=Forms(confirm.text).forms["/account/logout/"])
        assert out.status_code == 302 and out.headers["location"].startswith(site.tenant.url + "/v2/logout?")
        back = browser.get(out.headers["location"])
        assert back.headers["location"] == site.url + "/account/login/"
        after = browser.get(back.headers["location"])
        assert after.status_code == 200 and "Sign in to manage your account" in after.text

    # Management API and token calls (the emulator's log): the login's code exchange and one M2M
    # token, the profile read once for every tab (the per-user read cache), nothing refused.
    calls = [(r["method"], r["path"], r["status"]) for r in site.tenant.requests()]
    assert [c for c in calls if c[1] == "/oauth/token"] == [("POST", "/oauth/token", 200)] * 2
    assert [c for c in calls if c[1] == "/api/v2/users/auth0|alice"] == [("GET", "/api/v2/users/auth0|alice", 200)]
    assert ("GET", "/api/v2/users/auth0|alice/sessions", 200) in calls
    assert all(status < 400 for _, _, status in calls), calls


# -- the fresh site's states, in-process -----------------------------------------------------------


@pytest.fixture
def staff_client(client: Client, auth0_user: Any, tenant: Emulator) -> Client:
    client.force_login(auth0_user("auth0|alice", username="alice", is_staff=True))
    return client


@pytest.mark.django_db
def test_with_no_schema_the_preferences_tab_tells_staff_what_to_do(
    staff_client: Client, auth0_user: Any, tenant: Emulator
) -> None:
    html = staff_client.get(reverse("selfservice:preferences")).content.decode()

    assert "Preferences are not configured yet." in html
    assert "<code>python manage.py load_preference_schema --example</code>" in html
    assert f'href="{reverse("admin:selfservice_preferenceschema_changelist")}"' in html
    assert tenant.count(path="^/api/v2/users") == 0  # no form, no Auth0 read

    staff_client.force_login(auth0_user("auth0|carol", username="carol"))
    html = staff_client.get(reverse("selfservice:preferences")).content.decode()
    assert "Preferences are not configured yet." in html
    assert "load_preference_schema" not in html and "/admin/" not in html  # users only see the state


@pytest.mark.django_db
def test_the_example_schema_loads_activates_and_renders(staff_client: Client) -> None:
    call_command("load_preference_schema", "--example", stdout=open(os.devnull, "w"))  # noqa: SIM115

    active = PreferenceSchema.active()
    assert active is not None and (active.name, active.version, active.is_active) == ("Example preferences", 1, True)
    html = staff_client.get(reverse("selfservice:preferences")).content.decode()
    assert "Save preferences" in html and "Preferences are not configured yet." not in html


@pytest.mark.django_db
@pytest.mark.parametrize("args", [[], ["--example", "schema.json"]])
def test_load_preference_schema_takes_a_file_or_the_example(args: list[str]) -> None:
    with pytest.raises(CommandError, match="FILE or --example"):
        call_command("load_preference_schema", *args)
    assert not PreferenceSchema.objects.exists()


@pytest.mark.django_db
def test_a_site_that_still_lists_the_default_scopes_asks_for_each_once(settings: Any) -> None:
    # The README once set SOCIAL_AUTH_AUTH0_SCOPE to social-core's DEFAULT_SCOPE, which is added again.
    settings.SOCIAL_AUTH_AUTH0_SCOPE = ["openid", "profile", "email", "offline_access"]

    start = Client().post("/login/auth0/")

    assert parse_qs(urlsplit(start["Location"]).query)["scope"] == ["openid profile email offline_access"]
