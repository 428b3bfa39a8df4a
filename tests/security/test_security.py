"""The Security tab: factors joined with the user's methods, enroll, remove, recovery code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from selfservice.core.adapter import DefaultAdapter
from selfservice.emulator import Emulator
from selfservice.emulator.records import build_method
from selfservice.gateway import AuthenticationMethod, Factor
from selfservice.models import AuditEvent
from selfservice.security.mfa import build_overview, offered_factor_names
from selfservice.signals import authentication_method_removed
from tests.conftest import ALICE, BOB, CAROL, HTMX, RecordingTransport

URL = reverse("selfservice:security")
ENROLL = reverse("selfservice:enroll")
RECOVERY = reverse("selfservice:regenerate-recovery-code")
API = r"^/api/v2/"
METHODS_PATH = r"^/api/v2/users/[^/]+/authentication-methods"


def method_id(tenant: Emulator, user_id: str, type_: str, name: str | None = None) -> str:
    """The id of the user's first stored method of ``type_`` (and ``name``)."""
    return next(
        m["id"] for m in tenant.tenant.methods[user_id] if m["type"] == type_ and (name is None or m.get("name") == name)
    )


def remove_url(method: str) -> str:
    return reverse("selfservice:remove-method", kwargs={"method_id": method})


def mutations(tenant: Emulator) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/") and r["method"] != "GET"]


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# -- the join (pure, no I/O) ---------------------------------------------------------------------


def _method(id_: str, type_: str, **fields: Any) -> AuthenticationMethod:
    return AuthenticationMethod(id=id_, type=type_, created_at=datetime(2025, 1, 2, tzinfo=UTC), **fields)


ALL_ON = [Factor(n, True) for n in ("sms", "push-notification", "otp", "email", "duo", "webauthn-roaming", "recovery-code")]


def test_phone_methods_join_sms_with_a_masked_number_and_their_channel() -> None:
    overview = build_overview(ALL_ON, [
        _method("phone|1", "phone", phone_number="XXXXXXXX0199", preferred_authentication_method="sms"),
        _method("phone|2", "phone", phone_number="XXXXXXXX4242", preferred_authentication_method="voice"),
    ])

    sms = overview.factor("sms")
    assert sms is not None and [m.detail for m in sms.methods] == ["ending in 0199 · text message", "ending in 4242 · voice call"]
    assert overview.factor("voice") is None  # not listed by /guardian/factors, not asked for


def test_voice_is_its_own_row_when_the_site_asks_for_it() -> None:
    methods = [_method("phone|2", "phone", phone_number="XXXXXXXX4242", preferred_authentication_method="voice")]

    overview = build_overview(ALL_ON, methods, ["sms", "voice"])

    assert [row.name for row in overview.factors] == ["sms", "voice"]
    voice, sms = overview.factor("voice"), overview.factor("sms")
    assert voice is not None and sms is not None
    assert [m.id for m in voice.methods] == ["phone|2"] and not sms.methods


def test_several_security_keys_are_listed_separately_under_one_factor() -> None:
    overview = build_overview(ALL_ON, [
        _method("webauthn-roaming|a", "webauthn-roaming", name="YubiKey 5C"),
        _method("webauthn-roaming|b", "webauthn-roaming", name="Backup key"),
    ])

    keys = overview.factor("webauthn-roaming")
    assert keys is not None and keys.enrolled
    assert [(m.id, m.label, m.removable) for m in keys.methods] == [
        ("webauthn-roaming|a", "YubiKey 5C", True), ("webauthn-roaming|b", "Backup key", True),
    ]


def test_the_recovery_code_is_listed_but_regenerated_rather_than_removed() -> None:
    overview = build_overview(ALL_ON, [_method("totp|1", "totp"), _method("recovery-code|1", "recovery-code")])

    row = overview.factor("recovery-code")
    assert row is not None and row.action == "regenerate"
    assert [(m.label, m.removable) for m in row.methods] == [("Recovery code", False)]


def test_without_any_mfa_method_there_is_no_recovery_code_to_get() -> None:
    row = build_overview(ALL_ON, []).factor("recovery-code")

    assert row is not None and row.action == "" and not row.enrolled


def test_passwords_are_hidden_and_unknown_or_unoffered_types_are_still_listed() -> None:
    overview = build_overview([Factor("otp", True)], [
        _method("password|1", "password"),
        _method("email|1", "email", email="caro****@exam*******"),
        _method("new|1", "brand-new_thing"),
    ])

    assert [(m.label, m.detail) for m in overview.other_methods] == [
        ("Email", "caro****@exam*******"), ("Brand new thing", ""),
    ]
    assert overview.find("password|1") is None


def test_the_site_chooses_and_orders_the_factors_offered() -> None:
    factors = [Factor("sms", True), Factor("otp", True), Factor("email", False), Factor("duo", True)]

    assert offered_factor_names(factors) == ("sms", "otp")  # duo cannot be enrolled from here
    assert offered_factor_names(factors, ["otp", "email", "sms"]) == ("otp", "sms")


# -- showing ---------------------------------------------------------------------------------------


def test_the_tab_lists_the_offered_factors_and_alices_authenticator(logged_in_client: Client, tenant: Emulator) -> None:
    response = logged_in_client.get(URL)

    html = text(response)
    assert response.status_code == 200
    for title in ("Text message", "Authenticator app", "Security key", "Recovery code"):
        assert f">{title}</h3>" in html
    assert "Email</h3>" not in html  # not enabled by the tenant
    assert re.search(r'selfservice-factor-otp">Authenticator app</h3> <span class="selfservice-badge selfservice-badge--ok">On<', html)
    assert re.search(r'selfservice-factor-sms">Text message</h3> <span class="selfservice-badge">Off<', html)
    assert "Authenticator app</p>" not in html  # her method is not named again under its factor's heading
    assert 'name="factor" value="sms"' in html and 'name="factor" value="otp"' not in html
    assert "Generate a new recovery code" in html  # Auth0 issued it with her first enrollment
    assert re.search(r'selfservice-factor-recovery-code">Recovery code</h3> <span class="selfservice-badge selfservice-badge--ok">', html)
    assert 'src="/static/selfservice/security.js" defer' in html
    assert "<script>" not in html and " onclick=" not in html


def test_a_revisit_within_the_fresh_ttl_makes_no_call(logged_in_client: Client, tenant: Emulator) -> None:
    logged_in_client.get(URL)  # warms the factors and Alice's methods
    tenant.clear_requests()

    response = logged_in_client.get(URL)
    switched = logged_in_client.get(URL, headers=HTMX)

    assert response.status_code == switched.status_code == 200
    assert [(r["method"], r["path"]) for r in tenant.requests() if re.search(API, r["path"])] == []


def test_a_visit_past_the_methods_ttl_costs_one_user_level_call(
    logged_in_client: Client, tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "READ_CACHE_TTL": {"methods": 0}}
    logged_in_client.get(URL)  # warms the tenant-wide factor cache
    tenant.clear_requests()

    response = logged_in_client.get(URL)

    assert response.status_code == 200
    assert [(r["method"], r["path"]) for r in tenant.requests() if re.search(API, r["path"])] == [
        ("GET", "/api/v2/users/auth0|alice/authentication-methods"),
    ]


def test_the_factor_list_is_shared_between_users(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    client_for(ALICE).get(URL)
    client_for(CAROL).get(URL)

    assert tenant.count("GET", r"^/api/v2/guardian/factors$") == 1


def test_carols_methods_are_masked_and_listed_one_by_one(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    html = text(client_for(CAROL).get(URL))

    assert "ending in 0199 · text message" in html and "+15555550199" not in html
    assert "YubiKey 5C" in html and "Backup key" in html
    assert html.count('aria-label="Remove ') == 5  # every method but the recovery code
    assert "Generate a new recovery code" in html and "Your current recovery code will stop working." in html
    assert "Other methods" in html and "caro*@exam*******" in html and "carol@example.com" not in html  # email factor off: still removable
    assert '<time datetime="' in html and "Never used" in html


def test_htmx_gets_the_partial(logged_in_client: Client) -> None:
    response = logged_in_client.get(URL, headers=HTMX)

    assert response.templates[0].name == "selfservice/partials/security.html"
    assert "<html" not in response.content.decode()


def test_no_factor_enabled_is_an_honest_empty_state(logged_in_client: Client, tenant: Emulator) -> None:
    tenant.set_factors(dict.fromkeys(("otp", "sms", "webauthn-roaming", "recovery-code"), False))

    html = text(logged_in_client.get(URL))

    assert "No multi-factor method is available for your account." in html
    assert "Other methods" in html and 'aria-label="Remove Authenticator app"' in html  # alice's TOTP stays removable


def test_the_site_setting_limits_the_factors(logged_in_client: Client, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "MFA_FACTORS": ["webauthn-roaming", "otp"]}

    html = text(logged_in_client.get(URL))

    assert html.index(">Security key</h3>") < html.index(">Authenticator app</h3>")
    assert "Text message</h3>" not in html and "Recovery code</h3>" not in html


def test_anonymous_users_are_sent_to_log_in(client: Client, tenant: Emulator) -> None:
    for url in (URL, ENROLL, RECOVERY, remove_url("totp|dev_x")):
        response = client.post(url) if url != URL else client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert tenant.count(path=API) == 0


def test_real_method_ids_reverse_and_resolve(logged_in_client: Client, tenant: Emulator) -> None:
    own = method_id(tenant, ALICE, "totp")
    url = remove_url(own)

    assert "|" not in url and "%7C" in url
    response = logged_in_client.get(url)
    assert response.status_code == 200 and "Remove Authenticator app?" in text(response)


# -- enroll ----------------------------------------------------------------------------------------


def test_enrolling_an_authenticator_through_the_tickets_page(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    client = client_for(BOB)  # no MFA yet

    response = client.post(ENROLL, {"factor": "otp"})

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    ticket_url = re.search(r'href="(https?://[^"]+/mfa/enrollment\?ticket=[^"]+)" target="_blank"', response.content.decode())
    assert ticket_url, "the page links to the ticket"
    assert 'href="/account/security/"' in response.content.decode()  # and back
    with httpx.Client(transport=tenant.transport()) as browser:
        page = browser.get(ticket_url[1].replace("&amp;", "&"))
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
        assert secret and "<svg" in page.text  # a QR code too
        done = browser.post(str(page.url), data={"code": pyotp.TOTP(secret[1]).now()})
        assert done.status_code == 200 and 'id="enrolled"' in done.text

    html = text(client.get(URL))
    assert 'aria-label="Remove Authenticator app"' in html
    assert "Generate a new recovery code" in html  # the first enrollment issued one
    event = AuditEvent.objects.get(action="mfa.enroll")
    assert event.target == "otp" and "ticket" not in str(event.details)


def test_an_htmx_enroll_triggers_the_popup_with_the_ticket_url(logged_in_client: Client, tenant: Emulator) -> None:
    response = logged_in_client.post(ENROLL, {"factor": "webauthn-roaming"}, headers=HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "selfservice/partials/security_enroll.html"
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["selfservice:enroll"]["ticket_url"].startswith("https://")
    assert "/mfa/enrollment?ticket=" in trigger["selfservice:enroll"]["ticket_url"]
    assert mutations(tenant) == [("POST", "/api/v2/guardian/enrollments/ticket")]


def test_the_phone_factor_is_enrolled_with_a_phone_ticket(logged_in_client: Client, wire: RecordingTransport) -> None:
    logged_in_client.post(ENROLL, {"factor": "sms"})

    assert wire.bodies("POST")[-1] == {"user_id": ALICE, "factor": "phone", "send_mail": False}


@pytest.mark.parametrize("factor", ["duo", "email", "recovery-code", "bogus", ""])
def test_factors_not_offered_are_refused_with_nothing_sent(logged_in_client: Client, tenant: Emulator, factor: str) -> None:
    response = logged_in_client.post(ENROLL, {"factor": factor})

    assert response.status_code == 422
    assert "This method cannot be set up here." in text(response)
    assert 'aria-label="Remove Authenticator app"' in text(response)  # the tab as it is now
    assert mutations(tenant) == [] and not AuditEvent.objects.exists()


def test_a_factor_the_site_does_not_offer_is_refused(logged_in_client: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "MFA_FACTORS": ["otp"]}

    assert logged_in_client.post(ENROLL, {"factor": "sms"}).status_code == 422
    assert mutations(tenant) == []


def test_enroll_is_post_only(logged_in_client: Client, tenant: Emulator) -> None:
    assert logged_in_client.get(ENROLL).status_code == 405
    assert tenant.count(path=API) == 0


def test_a_get_of_the_recovery_code_url_is_its_confirm_step_and_changes_nothing(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    response = client_for(CAROL).get(RECOVERY)

    assert response.status_code == 200 and "Generate a new recovery code?" in text(response)
    assert f'<form method="post" action="{RECOVERY}"' in text(response)
    assert mutations(tenant) == []


# -- remove ----------------------------------------------------------------------------------------


def test_removing_asks_first_then_removes_with_a_plain_post(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    client = client_for(CAROL)
    backup = method_id(tenant, CAROL, "webauthn-roaming", "Backup key")

    confirm = client.get(remove_url(backup))
    first_post = client.post(remove_url(backup))
    assert mutations(tenant) == []
    for page in (confirm, first_post):
        assert page.status_code == 200 and "Remove Backup key?" in text(page)
        assert 'name="confirm" value="1"' in text(page)

    response = client.post(remove_url(backup), {"confirm": "1"})

    assert response.status_code == 302 and response["Location"] == URL
    assert mutations(tenant) == [("DELETE", f"/api/v2/users/{CAROL}/authentication-methods/{backup}")]
    remaining = [m.get("name") for m in tenant.tenant.methods[CAROL]]
    assert "Backup key" not in remaining and "YubiKey 5C" in remaining
    page = client.get(URL)
    assert [str(m) for m in page.context["messages"]] == ["Backup key was removed."]
    event = AuditEvent.objects.get(action="mfa.remove")
    assert event.target == backup and event.details == {"type": "webauthn-roaming"}


def test_an_htmx_remove_swaps_the_fresh_tab_without_reading_again(
    client_for: Callable[[str], Client], tenant: Emulator
) -> None:
    client = client_for(CAROL)
    client.get(URL)
    totp = method_id(tenant, CAROL, "totp")
    tenant.clear_requests()
    received: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        received.append(kwargs)

    authentication_method_removed.connect(receiver, weak=False)
    try:
        response = client.post(remove_url(totp), {"confirm": "1"}, headers=HTMX)
    finally:
        authentication_method_removed.disconnect(receiver)

    html = text(response)
    assert response.status_code == 200 and "<html" not in html
    assert "Phone authenticator was removed." in html and "Phone authenticator</p>" not in html
    # The ownership check and the fresh tab come from the list read before: one DELETE, no read.
    assert tenant.count("GET", METHODS_PATH) == 0 and tenant.count("DELETE") == 1
    assert [(r["method_id"], r["method_type"], r["auth0_user_id"]) for r in received] == [(totp, "totp", CAROL)]


def test_someone_elses_method_is_404_with_nothing_removed(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    carols = method_id(tenant, CAROL, "webauthn-roaming", "YubiKey 5C")
    client = client_for(ALICE)

    assert client.get(remove_url(carols)).status_code == 404
    response = client.post(remove_url(carols), {"confirm": "1"})

    assert response.status_code == 404
    assert mutations(tenant) == []
    assert len(tenant.tenant.methods[CAROL]) == 6
    refused = AuditEvent.objects.get(action="mfa.remove.refused")
    assert refused.target == carols and refused.auth0_user_id == ALICE and refused.details == {"reason": "not_found"}


def test_the_recovery_code_cannot_be_removed_only_regenerated(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    code = method_id(tenant, CAROL, "recovery-code")

    response = client_for(CAROL).post(remove_url(code), {"confirm": "1"})

    assert response.status_code == 404 and mutations(tenant) == []


def test_the_step_up_hook_is_asked_before_removing(
    client_for: Callable[[str], Client], tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "ADAPTER": f"{__name__}.StepUpAdapter"}
    StepUpAdapter.asked = []
    totp = method_id(tenant, CAROL, "totp")
    client = client_for(CAROL)
    tenant.clear_requests()

    plain = client.post(remove_url(totp), {"confirm": "1"})
    htmx = client.post(remove_url(totp), {"confirm": "1"}, headers=HTMX)

    assert plain.status_code == 200 and "Confirm it&#x27;s you" in text(plain)
    step_up = reverse("selfservice:step-up") + "?" + urlencode({"next": remove_url(totp), "action": "mfa.remove"})
    assert htmx["HX-Redirect"] == step_up
    assert StepUpAdapter.asked == ["mfa.remove", "mfa.remove"]
    assert tenant.requests() == []  # asked before anything is read, let alone removed


class StepUpAdapter(DefaultAdapter):
    asked: list[str] = []

    def requires_recent_login(self, request: Any, action: str) -> bool:
        StepUpAdapter.asked.append(action)
        return True


# -- recovery code ---------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_new_recovery_code_is_shown_once_and_kept_nowhere(
    client_for: Callable[[str], Client], tenant: Emulator, headers: dict[str, str]
) -> None:
    client = client_for(CAROL)

    response = client.post(RECOVERY, headers=headers)

    html = text(response)
    stored = next(m["_code"] for m in tenant.tenant.methods[CAROL] if m["type"] == "recovery-code")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    groups = "".join(f"<span>{stored[i:i + 4]}</span>" for i in range(0, 24, 4))
    assert f'id="selfservice-recovery-code" class="selfservice-secret">{groups}</code>' in html
    assert f'href="data:text/plain;charset=utf-8,{stored}%0A" download="recovery-code-testserver.txt"' in html
    assert "Your previous recovery code no longer works." in html
    assert 'data-selfservice-copy="selfservice-recovery-code"' in html
    assert ("<html" in html) is not bool(headers)
    assert mutations(tenant) == [("POST", f"/api/v2/users/{CAROL}/recovery-code-regeneration")]
    event = AuditEvent.objects.get(action="mfa.recovery_code")
    assert stored not in str(event.details) and stored not in event.target
    assert stored not in str(dict(client.session))
    assert stored not in text(client.get(URL))


def test_a_first_recovery_code_is_not_called_a_replacement(logged_in_client: Client, tenant: Emulator) -> None:
    # Alice enrolled before the tenant turned recovery codes on: she has MFA but no code yet.
    tenant.tenant.methods[ALICE][:] = [m for m in tenant.tenant.methods[ALICE] if m["type"] != "recovery-code"]
    assert "Get a recovery code" in text(logged_in_client.get(URL))
    tenant.clear_requests()

    html = text(logged_in_client.post(RECOVERY, headers=HTMX))

    assert ">Your recovery code</h2>" in html and "Save this code now: it will not be shown again." in html
    assert "previous" not in html and "new recovery code" not in html
    assert [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/")] == [
        ("POST", f"/api/v2/users/{ALICE}/recovery-code-regeneration"),  # the methods come from the visit
    ]
    html = text(logged_in_client.post(RECOVERY))
    assert ">Your new recovery code</h2>" in html and "Your previous recovery code no longer works." in html


def test_no_recovery_code_for_a_user_without_any_method(client_for: Callable[[str], Client], tenant: Emulator) -> None:
    client = client_for(BOB)  # no MFA yet: the tab offers no code (Auth0 issues it with the first method)

    response = client.post(RECOVERY, headers=HTMX)

    assert response.status_code == 422
    assert "You get a recovery code when you set up your first method." in text(response)
    assert "selfservice-recovery-code" not in text(response)
    assert mutations(tenant) == []
    assert not AuditEvent.objects.filter(action="mfa.recovery_code").exists()


def test_no_recovery_code_when_the_site_does_not_offer_it(
    client_for: Callable[[str], Client], tenant: Emulator, settings: Any
) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "MFA_FACTORS": ["otp"]}

    assert client_for(CAROL).post(RECOVERY).status_code == 404
    assert mutations(tenant) == []


def test_the_tab_speaks_spanish(client_for: Callable[[str], Client]) -> None:
    with translation.override("es"):
        html = text(client_for(CAROL).get(URL))

    for phrase in ("App de autenticación", "Llave de seguridad", "terminado en 0199 · mensaje de texto", "Quitar", "Añadir otro"):
        assert phrase in html
    assert re.search(r'factor-otp">App de autenticación</h3> <span class="selfservice-badge selfservice-badge--ok">Activado<', html)
    # The visible word is part of the accessible name (voice control: "click Quitar"), even with
    # django.contrib.admin's "Remove" ("Eliminar") earlier in INSTALLED_APPS.
    assert 'aria-label="Quitar YubiKey 5C">Quitar</a>' in html


def test_an_id_that_cannot_travel_in_a_path_segment_gets_no_remove_button() -> None:
    from selfservice.security.views import remove_urls

    button_url = remove_urls()

    overview = build_overview(ALL_ON, [_method("webauthn-roaming|a/b", "webauthn-roaming"), _method("totp|x?y#z", "totp")])
    slash, odd = overview.find("webauthn-roaming|a/b"), overview.find("totp|x?y#z")

    assert slash is not None and button_url(slash) == ""
    assert odd is not None and button_url(odd) == "/account/security/totp%7Cx%3Fy%23z/remove/"


def test_the_confirm_step_is_a_partial_for_htmx(logged_in_client: Client, tenant: Emulator) -> None:
    response = logged_in_client.get(remove_url(method_id(tenant, ALICE, "totp")), headers=HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "selfservice/partials/security_remove.html"
    assert mutations(tenant) == []


def test_each_remove_link_is_exactly_what_reverse_builds_and_an_id_with_a_slash_gets_none(
    client_for: Any, tenant: Emulator
) -> None:
    # Reversed once per page with the id put in place: the same quoting as reverse() per method.
    odd = ["webauthn-roaming|dev_odd id+~:@!$&'()*,;=%é", "webauthn-roaming|dev_a/b", "totp|dev_Ab12"]
    for number, id_ in enumerate(odd):
        tenant.tenant.methods[CAROL].append(build_method({"type": id_.split("|")[0], "id": id_, "name": f"Key {number}"}))

    html = client_for(CAROL).get(URL).content.decode()

    for id_ in (odd[0], odd[2]):
        expected = remove_url(id_).replace("&", "&amp;").replace("'", "&#x27;")
        assert f'href="{expected}"' in html, id_
    assert "Key 1" in html  # the method with a "/" in its id is listed, without a remove link
    assert "dev_a%2Fb" not in html and "dev_a/b/remove" not in html
