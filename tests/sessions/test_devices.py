"""User agents as the Sessions tab names them: a table of real-world agents, bots and junk."""

from __future__ import annotations

import pytest
import ua_parser.user_agent_parser
from django.utils import translation

from selfservice.sessions import devices
from selfservice.sessions.devices import KINDS, describe

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")

# (user agent, label, kind)
AGENTS = [
    (FIREFOX, "Firefox 132 on Windows", "desktop"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     "Edge 131 on Windows", "desktop"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/114.0.0.0",
     "Opera 114 on Windows", "desktop"),
    ("Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
     "Chrome 109 on Windows 7", "desktop"),
    ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
     "Internet Explorer 11 on Windows 7", "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     "Chrome 131 on macOS", "desktop"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
     "Safari on macOS", "desktop"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux", "desktop"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     "Chrome 131 on ChromeOS", "desktop"),
    (IPHONE, "Safari on iPhone", "mobile"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
     "Chrome 131 on iPhone", "mobile"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 Mobile Safari/537.36",
     "Chrome 130 on Android", "mobile"),
    ("Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
     "Samsung Internet 23 on Android", "mobile"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0", "Firefox 132 on Android", "mobile"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36",
     "Android WebView 130 on Android", "mobile"),
    ("Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
     "Safari on iPad", "tablet"),
    ("Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     "Chrome 131 on Android", "tablet"),
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot", "bot"),
    ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
     "Googlebot", "bot"),
    ("curl/8.5.0", "curl", "bot"),
    ("python-httpx/0.28.1", "python-httpx", "bot"),
    ("python-requests/2.32.3", "Python Requests", "bot"),
    ("PostmanRuntime/7.42.0", "Postman", "bot"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
     "Headless Chrome 131 on Linux", "bot"),
    ("", "Unknown device", "unknown"),
    ("Mozilla/5.0", "Unknown device", "unknown"),
    ("definitely not a browser", "Unknown device", "unknown"),
]


@pytest.mark.parametrize(("agent", "label", "kind"), AGENTS, ids=[row[1] + " / " + row[2] for row in AGENTS])
def test_real_world_user_agents_are_named_the_way_people_say_them(agent: str, label: str, kind: str) -> None:
    device = describe(agent)
    assert (device.label, device.kind) == (label, kind)
    assert device.kind_label == str(KINDS[kind])
    assert device.user_agent == agent


def test_the_table_covers_every_kind_of_device() -> None:
    assert {kind for _agent, _label, kind in AGENTS} == set(KINDS)
    assert len(AGENTS) >= 15


def test_a_missing_or_huge_user_agent_never_raises() -> None:
    assert describe(None).label == "Unknown device"
    assert describe("  \n ").kind == "unknown"
    huge = describe(FIREFOX + "x" * 100_000)
    assert huge.kind in KINDS


def test_labels_follow_the_active_language() -> None:
    with translation.override("es"):
        assert describe(FIREFOX).label == "Firefox 132 en Windows"
        assert describe("").label == "Dispositivo desconocido"


def test_the_patterns_run_through_ua_parsers_re2_resolver_never_the_legacy_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The legacy parser tries ~1,000 patterns in turn on Python's backtracking re; the user
    agent is the user's to write. Every row of the table is still named the same without it."""

    def legacy(*args: object, **kwargs: object) -> None:
        raise AssertionError("ua-parser's legacy parser ran")

    for name in ("Parse", "ParseUserAgent", "ParseOS", "ParseDevice"):
        monkeypatch.setattr(ua_parser.user_agent_parser, name, legacy)
    devices._parse.cache_clear()  # labels parsed by earlier tests must be parsed again here

    named = [(describe(agent).label, describe(agent).kind) for agent, _label, _kind in AGENTS]

    assert named == [(label, kind) for _agent, label, kind in AGENTS]
