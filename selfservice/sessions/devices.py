"""What a user agent says about a device: "Firefox 132 on Windows", and whether it is a phone.

The Sessions tab shows each Auth0 session's last user agent this way, so a user can tell their
laptop from their phone at a glance and spot a device they do not know. Parsing uses the
``user-agents`` library (ua-parser's regexes); on top of it this module

- names browsers the way people do ("Chrome", not "Chrome Mobile"; "Safari", whose version
  only follows the OS, without a version),
- names platforms by device where that is what people recognise ("iPhone", "iPad"), and
  "Windows" without a version: Windows 11 still sends "Windows NT 10.0", so any number would
  be a guess,
- counts command-line tools and HTTP libraries (curl, python-httpx, Postman...) and headless
  browsers as bots: nobody reads their account page from curl. Crawlers and tools are named
  without a version or platform ("Googlebot", "python-httpx"): "python-httpx 0" or "Googlebot
  on Android" would say more than the user agent means,
- never raises: an empty or unreadable user agent is an "Unknown device".

Parsing is cached by user-agent string (a user's sessions mostly share a handful); labels are
built per call because they are translated into the active language.

The user agent is the user's to write, so it is matched the linear-time way: through
ua-parser's own resolver, which picks RE2 (``google-re2``, a dependency) to find the first of
its ~1,000 patterns that matches, then runs only that one. ``user_agents.parse`` would run them
one after another on Python's backtracking ``re``: 10-400x slower on a 1 KB user agent, and
without that bound. user-agents then answers, from the same result, what it always did.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import ua_parser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from user_agents.parsers import UserAgent, parse_browser, parse_device, parse_operating_system

__all__ = ["KINDS", "Device", "describe"]

# Kind -> what a screen reader says instead of the icon.
KINDS = {
    "mobile": gettext_lazy("Phone"),
    "tablet": gettext_lazy("Tablet"),
    "desktop": gettext_lazy("Computer"),
    "bot": gettext_lazy("Bot or script"),
    "unknown": gettext_lazy("Unknown device"),
}

# ua-parser's family -> the name people use.
BROWSER_NAMES = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Android WebView",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "IE": "Internet Explorer",
    "HeadlessChrome": "Headless Chrome",
    "PostmanRuntime": "Postman",
    "postmanruntime": "Postman",
}
# Browsers whose own version number tells the user nothing (it tracks the OS release).
VERSIONLESS = frozenset({"Safari"})
# ua-parser's OS family -> the platform name shown.
PLATFORM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
# Device families that name the platform better than the OS does.
DEVICE_PLATFORMS = frozenset({"iPhone", "iPad", "iPod"})
# Windows versions that are worth naming (10 and 11 look alike, see the module docstring).
NAMED_WINDOWS = frozenset({"XP", "Vista", "7", "8", "8.1"})
# Tools and libraries ua-parser does not flag as bots: "curl/8.5.0", "python-httpx/0.28.1"...
TOOL = re.compile(
    r"^(?P<name>curl|wget|python-[\w.-]+|python/[\d.]+|go-http-client|okhttp|httpie|postmanruntime|insomnia|axios"
    r"|node-fetch|undici|java|apache-httpclient|libwww-perl|ruby|guzzlehttp|dart)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Device:
    """A user agent, described. ``kind`` is one of :data:`KINDS`."""

    label: str
    browser: str
    platform: str
    kind: str
    user_agent: str

    @property
    def kind_label(self) -> str:
        """The accessible name of the device icon ("Phone", "Computer"...)."""
        return str(KINDS[self.kind])


@dataclass(frozen=True)
class _Parsed:
    browser: str
    version: str
    platform: str
    kind: str


def describe(user_agent: str | None) -> Device:
    """Describe ``user_agent`` in the active language; never raises."""
    raw = (user_agent or "").strip()
    parsed = _parse(raw[:1024])
    browser = f"{parsed.browser} {parsed.version}".strip() if parsed.browser else ""
    if browser and parsed.platform:
        label = _("%(browser)s on %(platform)s") % {"browser": browser, "platform": parsed.platform}
    elif browser:
        label = browser
    elif parsed.platform:
        label = _("Unknown browser on %(platform)s") % {"platform": parsed.platform}
    else:
        label = str(KINDS["unknown"])
    return Device(label=label, browser=browser, platform=parsed.platform, kind=parsed.kind, user_agent=raw)


@functools.lru_cache(maxsize=512)
def _parse(raw: str) -> _Parsed:
    if not raw:
        return _Parsed("", "", "", "unknown")
    try:
        agent = _user_agent(raw)
    except Exception:  # a regex library must never take the Sessions tab down
        return _Parsed("", "", "", "unknown")
    tool = TOOL.match(raw)
    family = agent.browser.family if agent.browser.family != "Other" else ""
    version = _major(agent.browser.version)
    if not family and tool:
        family = tool.group("name")
    name = BROWSER_NAMES.get(family, family)
    kind = _kind(agent, name, tool is not None)
    platform = _platform(agent)
    if name in VERSIONLESS:
        version = ""
    if kind == "bot" and not name.lower().startswith("headless"):
        version = platform = ""
    return _Parsed(name, version, platform, kind)


def _user_agent(raw: str) -> UserAgent:
    """What ``user_agents.parse(raw)`` answers, from ua-parser's resolver (RE2) instead of its legacy one."""
    found = ua_parser.parse(raw)
    browser, system, device = found.user_agent, found.os, found.device
    agent: UserAgent = UserAgent.__new__(UserAgent)  # its __init__ would parse again, the legacy way
    agent.ua_string = raw
    agent.browser = (
        parse_browser(browser.family, browser.major, browser.minor, browser.patch) if browser else parse_browser("Other")
    )
    agent.os = (
        parse_operating_system(system.family, system.major, system.minor, system.patch)
        if system
        else parse_operating_system("Other")
    )
    agent.device = parse_device(device.family, device.brand, device.model) if device else parse_device("Other", None, None)
    return agent


def _kind(agent: object, browser: str, is_tool: bool) -> str:
    if getattr(agent, "is_bot", False) or is_tool or browser.lower().startswith("headless"):
        return "bot"
    if getattr(agent, "is_tablet", False):
        return "tablet"
    if getattr(agent, "is_mobile", False):
        return "mobile"
    if getattr(agent, "is_pc", False):
        return "desktop"
    return "unknown"


def _platform(agent: object) -> str:
    device = getattr(getattr(agent, "device", None), "family", "") or ""
    if device in DEVICE_PLATFORMS:
        return str(device)
    os = getattr(agent, "os", None)
    family = str(getattr(os, "family", "") or "")
    if not family or family == "Other":
        return ""
    if family == "Windows":
        version = str(getattr(os, "version_string", "") or "")
        return f"Windows {version}" if version in NAMED_WINDOWS else "Windows"
    return PLATFORM_NAMES.get(family, family)


def _major(version: tuple[object, ...] | None) -> str:
    if not version:
        return ""
    first = version[0]
    return str(first) if isinstance(first, int) or (isinstance(first, str) and first.isdigit()) else ""

