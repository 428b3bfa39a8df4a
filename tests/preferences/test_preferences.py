"""The Preferences tab: every schema construct rendered, accepted and refused; what reaches Auth0."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.forms import CheckboxInput, MultipleChoiceField
from django.test import Client
from django.urls import reverse, set_script_prefix
from django.utils import translation

from selfservice.core.read_cache import forget_user
from selfservice.emulator import Emulator
from selfservice.models import AuditEvent, PreferenceSchema
from selfservice.preferences.views import form_class_for
from selfservice.signals import preferences_updated
from tests.conftest import HTMX, RecordingTransport
from tests.factories import Auth0UserFactory
from tests.profile.test_general import receiving

from .preferences_schema import FULL_SCHEMA, METADATA

URL = reverse("selfservice:preferences")
VALIDATE = reverse("selfservice:validate-preferences")
DANA = "auth0|dana"
DANA_PATH = r"^/api/v2/users/auth0\|dana$"


@pytest.fixture
def schema(db: None) -> PreferenceSchema:
    return PreferenceSchema.objects.create(name="test", version=1, schema=copy.deepcopy(FULL_SCHEMA), is_active=True)


@pytest.fixture
def dana(tenant: Emulator, client_for: Callable[[str], Client], schema: PreferenceSchema) -> Client:
    """Signed in as a user whose user_metadata fits FULL_SCHEMA (plus one undeclared key)."""
    tenant.add_user(Auth0UserFactory(user_id=DANA, user_metadata=copy.deepcopy(METADATA)))
    client = client_for(DANA)
    tenant.clear_requests()
    return client


def form_data(response: Any) -> dict[str, Any]:
    """What a browser would post back unchanged: the rendered values of every enabled field."""
    form = response.context["form"]
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


def stored(tenant: Emulator) -> dict[str, Any]:
    user = tenant.user(DANA)
    assert user is not None
    return dict(user["user_metadata"])


# -- showing ------------------------------------------------------------------------------------


def test_every_construct_is_rendered_with_the_current_values_for_one_upstream_call(dana: Client, tenant: Emulator) -> None:
    response = dana.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert tenant.count(path="^/api/v2/") == 1
    # string: pattern, min/max length, label and help text from the schema
    assert '<label for="id_handle">Public handle</label>' in html
    assert 'maxlength="12"' in html and 'minlength="2"' in html and 'pattern="^[a-z]+$"' in html
    assert 'id="id_handle_helptext">Lower-case letters only.</p>' in html
    assert 'name="handle" value="dana"' in html
    # formats
    assert 'type="email" name="contact_email"' in html
    assert 'type="url" name="website"' in html
    assert 'type="date" name="birthday" value="1990-04-01"' in html
    # enum as a select (labelled consts) and as radios
    assert '<select name="language"' in html and '<option value="es" selected>Spanish</option>' in html
    assert '<legend>Theme</legend>' in html and 'type="radio" name="theme" value="dark"' in html
    assert 'value="dark"' in html and "checked" in html
    # numbers
    assert 'type="number" name="items_per_page" value="25"' in html
    assert 'min="10"' in html and 'max="100"' in html and 'step="5"' in html
    assert 'name="ratio"' in html
    # boolean, array of enum as checkboxes and as a multi-select
    assert 'type="checkbox" name="newsletter"' in html
    assert 'type="checkbox" name="channels" value="email"' in html and "<legend>Channels</legend>" in html
    assert '<select name="topics"' in html and "multiple" in html
    # readOnly: shown, disabled
    assert 'name="member_id" value="M-1"' in html and "disabled" in html
    # nested object: a fieldset of namespaced fields
    assert "<legend>Postal address</legend>" in html and "For invoices." in html
    assert 'name="address__city" value="Madrid"' in html
    assert '<option value="ES" selected>ES</option>' in html
    # inline validation wiring and a hidden, signed state
    assert f'hx-post="{VALIDATE}" hx-trigger="change" hx-target="#id_handle_errors" hx-swap="outerHTML"' in html
    assert 'id="id_handle_errors" aria-live="polite"' in html
    assert 'aria-describedby="id_handle_helptext id_handle_errors"' in html
    assert 'type="hidden" name="_state"' in html


def test_an_absent_key_shows_the_schema_default(tenant: Emulator, client_for: Callable[[str], Client], schema: Any) -> None:
    tenant.add_user(Auth0UserFactory(user_id=DANA, user_metadata={}))

    html = client_for(DANA).get(URL).content.decode()

    assert '<option value="en" selected>English</option>' in html


def test_the_htmx_get_returns_the_partial(dana: Client) -> None:
    response = dana.get(URL, headers=HTMX)

    assert response.templates[0].name == "selfservice/partials/preferences.html"
    assert "<html" not in response.content.decode()


def test_without_an_active_schema_the_tab_says_so_and_asks_auth0_nothing(logged_in_client: Client, tenant: Emulator) -> None:
    PreferenceSchema.objects.create(name="old", version=1, schema=FULL_SCHEMA, is_active=False)
    tenant.clear_requests()

    response = logged_in_client.get(URL)

    assert "Preferences are not configured yet." in response.content.decode()
    assert tenant.count(path="^/api/v2/") == 0


def test_an_active_schema_stored_around_the_checks_is_an_empty_state_not_a_500(
    logged_in_client: Client, tenant: Emulator, caplog: Any
) -> None:
    PreferenceSchema.objects.create(name="raw", version=1, schema={"type": "object", "properties": {"x": {"type": "null"}}}, is_active=True)

    response = logged_in_client.get(URL)

    assert response.status_code == 200
    assert "Preferences are not configured yet." in response.content.decode()
    assert "cannot be rendered" in caplog.text


def test_an_upstream_failure_on_get_offers_a_retry(dana: Client, tenant: Emulator) -> None:
    tenant.add_fault(DANA_PATH, method="GET", status=503, times=1)

    response = dana.get(URL)

    assert response.status_code == 503
    assert "The sign-in service cannot be reached right now." in response.content.decode()
    assert f'href="{URL}"' in response.content.decode()


# -- saving: one construct at a time ------------------------------------------------------------

VALID = [
    ("string", {"handle": "alice"}, {"handle": "alice"}),
    ("string cleared", {"handle": ""}, {"handle": None}),
    ("email", {"contact_email": "dana@example.com"}, {"contact_email": "dana@example.com"}),
    ("uri", {"website": "https://dana.example/"}, {"website": "https://dana.example/"}),
    ("date", {"birthday": "1991-12-31"}, {"birthday": "1991-12-31"}),
    ("date cleared", {"birthday": ""}, {"birthday": None}),
    ("enum select", {"language": "de"}, {"language": "de"}),
    ("enum radios", {"theme": "light"}, {"theme": "light"}),
    ("enum cleared", {"theme": ""}, {"theme": None}),
    ("integer", {"items_per_page": "50"}, {"items_per_page": 50}),
    ("number", {"ratio": "0.5"}, {"ratio": 0.5}),
    ("boolean off", {"newsletter": None}, {"newsletter": False}),
    ("array checkboxes", {"channels": ["sms", "email"]}, {"channels": ["email", "sms"]}),
    ("array cleared", {"channels": []}, {"channels": None}),
    ("array select", {"topics": ["tips"]}, {"topics": ["tips"]}),
    ("nested member", {"address__city": "Toledo"}, {"address": {"city": "Toledo", "postal_code": "28013", "country": "ES"}}),
    ("nested cleared", {"address__city": "", "address__postal_code": "", "address__country": ""}, {"address": None}),
]


@pytest.mark.parametrize(("case", "edit", "sent"), VALID, ids=[c[0] for c in VALID])
def test_a_valid_change_sends_exactly_that_key(
    dana: Client, tenant: Emulator, wire: RecordingTransport, case: str, edit: dict[str, Any], sent: dict[str, Any]
) -> None:
    data = form_data(dana.get(URL))
    for name, value in edit.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value

    response = dana.post(URL, data)

    assert response.status_code == 302, (response.context["form"].errors, [str(m) for m in response.context["messages"]])
    assert wire.bodies("PATCH") == [{"user_metadata": sent}]
    after = stored(tenant)
    for key, value in sent.items():
        assert after.get(key) == value
    assert after["favourite_attack"] == "roundhouse_kick"  # undeclared keys survive
    assert tenant.count("PATCH", DANA_PATH) == 1


INVALID = [
    ("string pattern", {"handle": "Dana1"}, "handle", "This value does not have the expected form."),
    ("string too short", {"handle": "d"}, "handle", "Ensure this value has at least 2 characters (it has 1)."),
    ("string too long", {"handle": "d" * 13}, "handle", "Ensure this value has at most 12 characters (it has 13)."),
    ("email", {"contact_email": "not-an-address"}, "contact_email", "Enter a valid email address."),
    ("uri", {"website": "http://"}, "website", "Enter a valid URL."),
    ("date", {"birthday": "1991-02-30"}, "birthday", "Enter a valid date."),
    ("enum", {"language": "fr"}, "language", "Select a valid choice. fr is not one of the available choices."),
    ("required enum", {"language": ""}, "language", "This field is required."),
    ("radios", {"theme": "purple"}, "theme", "Select a valid choice. purple is not one of the available choices."),
    ("integer type", {"items_per_page": "2.5"}, "items_per_page", "Enter a whole number."),
    ("integer minimum", {"items_per_page": "5"}, "items_per_page", "Ensure this value is greater than or equal to 10."),
    ("integer maximum", {"items_per_page": "105"}, "items_per_page", "Ensure this value is less than or equal to 100."),
    ("integer multipleOf", {"items_per_page": "27"}, "items_per_page", "Enter a multiple of 5."),
    ("number exclusiveMinimum", {"ratio": "0"}, "ratio", "Ensure this value is greater than 0."),
    ("number not finite", {"ratio": "inf"}, "ratio", "Enter a number."),
    ("array unknown choice", {"channels": ["fax"]}, "channels", "Select a valid choice. fax is not one of the available choices."),
    ("array maxItems", {"channels": ["email", "sms", "push"]}, "channels", "Select fewer choices."),
    ("nested required member", {"address__city": ""}, "address__city", "This field is required."),
    ("nested pattern", {"address__postal_code": "2801"}, "address__postal_code", "This value does not have the expected form."),
]


@pytest.mark.parametrize(("case", "edit", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_an_invalid_change_is_refused_with_422_keeping_what_was_typed(
    dana: Client, tenant: Emulator, case: str, edit: dict[str, Any], field: str, message: str, headers: dict[str, str]
) -> None:
    data = {**form_data(dana.get(URL)), **edit}

    response = dana.post(URL, data, headers=headers)

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors, errors
    assert errors[field] == [message], errors[field]
    assert tenant.count("PATCH") == 0
    html = response.content.decode()
    assert f'id="id_{field}_errors"' in html and ("<html" in html) is not bool(headers)
    typed = edit[field]
    if typed and isinstance(typed, str) and "choice" not in message:  # a select cannot show a non-option
        assert f'value="{typed}"' in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_refused_save_puts_the_focus_on_the_first_field_to_correct(dana: Client, headers: dict[str, str]) -> None:
    # Page load and the htmx swap both honour autofocus: the user lands on the first mistake,
    # not at the top of the page (or nowhere, after a swap).
    data = {**form_data(dana.get(URL)), "items_per_page": "27", "address__postal_code": "2801"}

    response = dana.post(URL, data, headers=headers)

    html = response.content.decode()
    assert response.status_code == 422
    assert html.count("autofocus") == 1
    tag = re.search(r'<input type="number" name="items_per_page"[^>]*>', html)
    assert tag and " autofocus " in tag.group() and 'aria-invalid="true"' in tag.group(), tag


def test_an_htmx_answer_to_a_save_scrolls_to_the_news_at_the_top_unless_a_field_needs_fixing(dana: Client, tenant: Emulator) -> None:
    # The Save button is at the bottom: on a phone "saved" or "try again" would land off screen.
    data = form_data(dana.get(URL))

    saved = dana.post(URL, {**data, "handle": "alice"}, headers=HTMX)
    unchanged = dana.post(URL, form_data(dana.get(URL)), headers=HTMX)
    tenant.add_fault(DANA_PATH, method="PATCH", status=503, times=1)
    unavailable = dana.post(URL, {**data, "handle": "bob"}, headers=HTMX)
    invalid = dana.post(URL, {**data, "items_per_page": "27"}, headers=HTMX)
    plain = dana.post(URL, {**data, "handle": "carl"})

    assert [r.status_code for r in (saved, unchanged, unavailable, invalid, plain)] == [200, 200, 503, 422, 302]
    for response in (saved, unchanged, unavailable):
        assert response["HX-Reswap"] == "innerHTML show:top"
    assert "HX-Reswap" not in invalid  # its first invalid field has autofocus: the browser shows it
    assert "HX-Reswap" not in plain and "HX-Reswap" not in dana.get(URL, headers=HTMX)


def test_the_save_button_is_disabled_while_htmx_saves(dana: Client) -> None:
    # A slow save gives visible feedback and cannot be sent twice.
    html = dana.get(URL).content.decode()
    assert 'hx-disabled-elt="find .selfservice-actions button"' in html
    assert '<div class="selfservice-actions">\n      <button type="submit"' in html


@pytest.mark.parametrize(("edit", "first"), [
    ({"theme": "purple"}, 'id="id_theme_0"'),
    ({"channels": ["email", "sms", "push"]}, 'id="id_channels_0"'),
], ids=["radios", "checkboxes"])
def test_a_group_of_inputs_autofocuses_its_first_option_only(dana: Client, edit: dict[str, Any], first: str) -> None:
    response = dana.post(URL, {**form_data(dana.get(URL)), **edit})

    html = response.content.decode()
    assert response.status_code == 422
    assert html.count(" autofocus ") == 1
    tag = html[html.rindex("<input", 0, html.index(first)):]
    assert " autofocus " in tag[: tag.index(">")]


def test_a_valid_form_autofocuses_nothing(dana: Client) -> None:
    assert "autofocus" not in dana.get(URL).content.decode()
    response = dana.post(VALIDATE, {**form_data(dana.get(URL)), "items_per_page": "27"}, headers={**HTMX, "HX-Trigger-Name": "items_per_page"})
    assert "autofocus" not in response.content.decode()


def test_jsonschema_is_the_second_check(dana: Client, tenant: Emulator, schema: PreferenceSchema) -> None:
    # 0.3 is a multiple of 0.1 for Django's float step check, not for jsonschema's multipleOf.
    schema.schema = {**schema.schema, "properties": {**schema.schema["properties"], "ratio": {"type": "number", "multipleOf": 0.1}}}
    schema.save()
    data = {**form_data(dana.get(URL)), "ratio": "0.3"}

    response = dana.post(URL, data)

    assert response.status_code == 422
    assert response.context["form"].errors["ratio"] == ["Enter a multiple of 0.1."]
    assert tenant.count("PATCH") == 0


def test_a_posted_read_only_value_is_ignored(dana: Client, wire: RecordingTransport) -> None:
    data = {**form_data(dana.get(URL)), "member_id": "M-999", "handle": "alice"}

    dana.post(URL, data)

    assert wire.bodies("PATCH") == [{"user_metadata": {"handle": "alice"}}]


def test_keys_the_schema_does_not_declare_are_never_sent(dana: Client, tenant: Emulator, wire: RecordingTransport) -> None:
    data = {**form_data(dana.get(URL)), "favourite_attack": "none", "app_metadata": "x", "language": "de"}

    dana.post(URL, data)

    assert wire.bodies("PATCH") == [{"user_metadata": {"language": "de"}}]
    assert stored(tenant)["favourite_attack"] == "roundhouse_kick"


def test_an_unchanged_form_sends_nothing(dana: Client, tenant: Emulator) -> None:
    response = dana.post(URL, form_data(dana.get(URL)), follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Nothing to save: your preferences already have these values."]
    assert tenant.count("PATCH") == 0
    assert not AuditEvent.objects.exists()


def test_two_tabs_editing_different_fields_keep_each_others_changes(
    dana: Client, tenant: Emulator, wire: RecordingTransport
) -> None:
    first, second = form_data(dana.get(URL)), form_data(dana.get(URL))

    dana.post(URL, {**first, "theme": "light"})
    dana.post(URL, {**second, "language": "de"})  # still shows theme "dark"

    assert wire.bodies("PATCH") == [{"user_metadata": {"theme": "light"}}, {"user_metadata": {"language": "de"}}]
    after = stored(tenant)
    assert after["theme"] == "light" and after["language"] == "de"


def test_a_required_key_auth0_lacks_is_saved_with_the_shown_default(
    tenant: Emulator, client_for: Callable[[str], Client], schema: Any, wire: RecordingTransport
) -> None:
    tenant.add_user(Auth0UserFactory(user_id=DANA, user_metadata={"keep": 1}))
    client = client_for(DANA)

    client.post(URL, {**form_data(client.get(URL)), "theme": "dark"})

    assert wire.bodies("PATCH") == [{"user_metadata": {"language": "en", "theme": "dark"}}]
    assert stored(tenant) == {"keep": 1, "language": "en", "theme": "dark"}


def test_an_htmx_save_returns_the_fresh_partial_without_a_second_read(dana: Client, tenant: Emulator) -> None:
    data = {**form_data(dana.get(URL)), "handle": "alice"}
    tenant.clear_requests()

    response = dana.post(URL, data, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Your preferences have been saved." in html and 'name="handle" value="alice"' in html
    # The form's values came from the cached read of the GET; Auth0's answer is the new copy.
    assert tenant.count("GET", DANA_PATH) == 0 and tenant.count("PATCH", DANA_PATH) == 1


# -- size ---------------------------------------------------------------------------------------


def test_a_save_that_would_pass_the_profile_size_limit_is_refused_before_any_patch(
    dana: Client, tenant: Emulator, settings: Any, schema: PreferenceSchema
) -> None:
    schema.schema["properties"]["bio"] = {"type": "string", "maxLength": 5000}
    schema.save()
    settings.SELFSERVICE = {**settings.SELFSERVICE, "PREFERENCES_PROFILE_LIMIT": 2048}
    data = {**form_data(dana.get(URL)), "bio": "x" * 3000}

    response = dana.post(URL, data, headers=HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert "These preferences are too large to save" in html and "the sign-in service allows 2048." in html
    assert "x" * 3000 in html
    assert tenant.count("PATCH") == 0


def test_a_save_that_shrinks_an_oversized_profile_is_allowed(dana: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "PREFERENCES_PROFILE_LIMIT": 100}

    response = dana.post(URL, {**form_data(dana.get(URL)), "handle": ""})

    assert response.status_code == 302 and tenant.count("PATCH") == 1


def test_auth0s_own_size_refusal_is_shown_on_the_form(dana: Client, tenant: Emulator, schema: PreferenceSchema) -> None:
    schema.schema["properties"]["bio"] = {"type": "string", "maxLength": 5000}
    schema.save()
    tenant.configure(profile_limit_bytes=1500)
    data = {**form_data(dana.get(URL)), "bio": "y" * 1200}

    response = dana.post(URL, data)

    assert response.status_code == 422
    assert "The sign-in service refused these preferences:" in response.content.decode()
    assert "User profile is too large" in response.content.decode()
    assert tenant.count("PATCH") == 1 and "bio" not in stored(tenant)


# -- schema changes, upstream trouble, limits ---------------------------------------------------


def test_a_schema_change_between_render_and_submit_saves_nothing_and_keeps_what_still_applies(
    dana: Client, tenant: Emulator, schema: PreferenceSchema
) -> None:
    data = {**form_data(dana.get(URL)), "handle": "alice", "theme": "light"}
    new = copy.deepcopy(FULL_SCHEMA)
    del new["properties"]["theme"]
    new["properties"]["pronouns"] = {"type": "string", "title": "Pronouns"}
    PreferenceSchema.objects.create(name="test", version=2, schema=new, is_active=True)

    response = dana.post(URL, data)

    html = response.content.decode()
    assert response.status_code == 422
    assert "The preferences form changed while you were editing." in html
    assert 'name="handle" value="alice"' in html  # typed, still in the schema
    assert 'name="pronouns"' in html and 'name="theme"' not in html
    assert tenant.count("PATCH") == 0
    # The re-rendered form saves against the new schema.
    again = dana.post(URL, form_data(response))
    assert again.status_code == 302 and stored(tenant)["handle"] == "alice"


def test_an_edited_schema_with_the_same_version_counts_as_a_change(dana: Client, tenant: Emulator, schema: PreferenceSchema) -> None:
    data = {**form_data(dana.get(URL)), "handle": "alice"}
    schema.schema["properties"]["handle"]["maxLength"] = 20
    schema.save()

    assert dana.post(URL, data).status_code == 422
    assert tenant.count("PATCH") == 0


def test_a_missing_or_forged_state_is_treated_as_a_changed_form(dana: Client, tenant: Emulator) -> None:
    data = {**form_data(dana.get(URL)), "handle": "alice", "_state": "forged"}

    assert dana.post(URL, data).status_code == 422
    assert tenant.count("PATCH") == 0


def test_saving_after_the_schema_was_deactivated_sends_nothing(dana: Client, tenant: Emulator) -> None:
    data = form_data(dana.get(URL))
    for schema in PreferenceSchema.objects.filter(is_active=True):  # as the admin does it: save() forgets the cached copy
        schema.is_active = False
        schema.save()

    response = dana.post(URL, {**data, "handle": "alice"})

    assert response.status_code == 422
    assert "Preferences are not configured any more; nothing was saved." in response.content.decode()
    assert tenant.count(path="^/api/v2/") == 1  # the GET above only


def test_an_upstream_failure_on_save_keeps_the_input_and_offers_to_try_again(dana: Client, tenant: Emulator) -> None:
    tenant.add_fault(DANA_PATH, method="PATCH", status=503, times=1)
    data = {**form_data(dana.get(URL)), "handle": "alice"}

    response = dana.post(URL, data, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 503
    assert "Nothing was saved; what you typed is kept below." in html and "Try again" in html
    assert 'name="handle" value="alice"' in html
    retried = dana.post(URL, data)
    assert retried.status_code == 302 and stored(tenant)["handle"] == "alice"


def test_auth0_unavailable_before_the_save_keeps_the_input(dana: Client, tenant: Emulator) -> None:
    data = {**form_data(dana.get(URL)), "handle": "alice"}
    forget_user(DANA)  # no copy to compare with: the save must read first, and that read fails
    tenant.add_fault(DANA_PATH, method="GET", status=503, times=1)

    response = dana.post(URL, data)

    assert response.status_code == 503
    assert 'name="handle" value="alice"' in response.content.decode()
    assert tenant.count("PATCH") == 0


def test_a_save_for_a_user_auth0_no_longer_has_writes_nothing(dana: Client, tenant: Emulator) -> None:
    data = {**form_data(dana.get(URL)), "handle": "alice"}
    tenant.tenant.delete_user(DANA)

    response = dana.post(URL, data, headers=HTMX)

    assert response.status_code == 403
    assert "Your sign-in account was not found" in response.content.decode()
    assert response["HX-Redirect"] == URL  # htmx does not swap a 403: the tab's GET says it
    # The save went out from the cached copy (no read first); Auth0 refused it with 404.
    assert tenant.count("PATCH") == 1 and DANA not in tenant.tenant.users


@pytest.mark.usefixtures("one_minute_window")
def test_too_many_saves_are_refused_with_429_before_any_upstream_call(dana: Client, tenant: Emulator, settings: Any) -> None:
    settings.SELFSERVICE = {**settings.SELFSERVICE, "RATELIMIT": {"preferences.update": "1/m"}}
    data = form_data(dana.get(URL))
    dana.post(URL, data)
    before = tenant.count(path="^/api/v2/")

    response = dana.post(URL, {**data, "handle": "alice"}, headers=HTMX)

    assert response.status_code == 429
    seconds = re.search(r"You are making changes too quickly\. Try again in (\d+) seconds?\.", response.content.decode())
    assert seconds and 1 <= int(seconds[1]) <= 60 and response["Retry-After"] == seconds[1]
    assert 'name="handle" value="alice"' in response.content.decode()
    assert tenant.count(path="^/api/v2/") == before


def test_a_save_is_audited_and_signalled_with_key_names_only(dana: Client, tenant: Emulator) -> None:
    data = {**form_data(dana.get(URL)), "handle": "secretvalue", "birthday": ""}
    with receiving(preferences_updated) as calls:
        dana.post(URL, data)

    event = AuditEvent.objects.get()
    assert event.action == "preferences.update" and event.auth0_user_id == DANA
    assert event.details == {"keys": ["birthday", "handle"], "deleted": ["birthday"]}
    assert "secretvalue" not in str(event.details)
    assert [c["changed_keys"] for c in calls] == [["birthday", "handle"]]


def test_the_save_needs_a_csrf_token(tenant: Emulator, schema: Any, auth0_user: Callable[..., Any]) -> None:
    tenant.add_user(Auth0UserFactory(user_id=DANA, user_metadata=copy.deepcopy(METADATA)))
    client = Client(enforce_csrf_checks=True)
    client.force_login(auth0_user(DANA))

    assert client.post(URL, {"handle": "alice"}).status_code == 403
    assert client.post(VALIDATE, {"handle": "alice"}, headers={**HTMX, "HX-Trigger-Name": "handle"}).status_code == 403
    assert tenant.count("PATCH") == 0


# -- inline validation --------------------------------------------------------------------------


def test_inline_validation_returns_the_changed_fields_errors_without_calling_auth0(dana: Client, tenant: Emulator) -> None:
    data = {**form_data(dana.get(URL)), "items_per_page": "7"}
    tenant.clear_requests()

    response = dana.post(VALIDATE, data, headers={**HTMX, "HX-Trigger-Name": "items_per_page"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div class="selfservice-field-errors" id="id_items_per_page_errors"')
    assert "Ensure this value is greater than or equal to 10." in html
    assert tenant.requests() == []


def test_inline_validation_names_the_step_in_the_users_language(dana: Client) -> None:
    data = {**form_data(dana.get(URL)), "items_per_page": "27"}

    with translation.override("es"):
        response = dana.post(VALIDATE, data, headers={**HTMX, "HX-Trigger-Name": "items_per_page"})

    assert '<p class="selfservice-error">Introduce un múltiplo de 5.</p>' in response.content.decode()


def test_an_optional_group_says_which_members_it_needs_once_filled_in(dana: Client, schema: PreferenceSchema) -> None:
    note = "If you fill in any of these fields, also fill in City and Country."
    assert note in dana.get(URL).content.decode()
    with translation.override("es"):
        assert "Si rellenas alguno de estos campos, rellena también City y Country." in dana.get(URL).content.decode()

    schema.schema["required"] = ["language", "address"]  # now the browser marks them required itself
    schema.save()
    assert note not in dana.get(URL).content.decode()


def test_an_optional_select_can_be_cleared_with_a_named_choice(dana: Client) -> None:
    # Not a bare dash: screen readers read that as "em dash".
    assert '<option value="">Not set</option>' in dana.get(URL).content.decode()
    with translation.override("es"):
        assert '<option value="">Sin definir</option>' in dana.get(URL).content.decode()


def test_the_tab_loads_the_script_that_keeps_aria_invalid_in_step_with_inline_validation(dana: Client) -> None:
    # Without it, a value corrected inline would still be announced as invalid.
    for headers in ({}, HTMX):
        html = dana.get(URL, headers=headers).content.decode()
        assert re.search(r'<script src="[^"]*selfservice/preferences\.js" defer></script>', html)


def test_inline_validation_of_a_valid_field_clears_its_errors(dana: Client) -> None:
    data = {**form_data(dana.get(URL)), "address__city": "Toledo"}

    response = dana.post(VALIDATE, data, headers={**HTMX, "HX-Trigger-Name": "address__city"})

    assert response.content.decode().strip() == '<div class="selfservice-field-errors" id="id_address__city_errors" aria-live="polite"></div>'


@pytest.mark.parametrize("name", ["", "nope", "_state"])
def test_inline_validation_of_no_known_field_answers_204(dana: Client, name: str) -> None:
    response = dana.post(VALIDATE, {}, headers={**HTMX, "HX-Trigger-Name": name})

    assert response.status_code == 204


def test_inline_validation_is_post_only_and_needs_a_login(client: Client, dana: Client) -> None:
    assert dana.get(VALIDATE).status_code == 405
    dana.logout()
    response = client.post(VALIDATE, {}, headers={"HX-Trigger-Name": "handle"})
    # Back to the form after signing in: the validation URL itself answers GET with 405.
    assert response.status_code == 302 and response["Location"] == f"/account/login/?next={URL}"


def test_inline_validation_after_the_session_ended_leaves_the_page_alone(client: Client, dana: Client) -> None:
    data = {**form_data(dana.get(URL)), "handle": "NOT VALID"}
    dana.logout()  # the session ended while the form was open

    response = client.post(VALIDATE, data, headers={**HTMX, "HX-Trigger-Name": "handle"})

    assert response.status_code == 204 and "HX-Redirect" not in response and response.content == b""


def test_schema_titles_are_translated_through_the_sites_catalogs(dana: Client, schema: PreferenceSchema) -> None:
    schema.schema["properties"]["handle"]["title"] = "Nickname"  # a msgid the app's catalog has
    schema.save()

    with translation.override("es"):
        html = dana.get(URL).content.decode()

    assert '<label for="id_handle">Apodo</label>' in html
    assert "Guardar preferencias" in html


def test_queries_per_request_none_beyond_login_once_the_schema_is_cached(
    dana: Client, tenant: Emulator, django_assert_num_queries: Any
) -> None:
    # session + user + Auth0 id (social-auth) are the login's; the first view adds the schema
    # query (then the schema comes from the cache). The first view of a session also saves the
    # applied preferences (language, time zone, theme) into the session: the session UPDATE
    # inside its savepoint, once.
    with django_assert_num_queries(7):
        dana.get(URL)
    with django_assert_num_queries(3):
        data = {**form_data(dana.get(URL)), "handle": "alice"}
    with django_assert_num_queries(3):
        dana.post(VALIDATE, data, headers={**HTMX, "HX-Trigger-Name": "handle"})
    with django_assert_num_queries(4):  # + the audit row
        dana.post(URL, data)
    assert [(r["method"], r["path"]) for r in tenant.requests() if r["path"].startswith("/api/v2/")] == [
        ("GET", "/api/v2/users/auth0|dana"), ("PATCH", "/api/v2/users/auth0|dana"),
    ]


def test_each_form_has_its_own_choices_list(schema: PreferenceSchema) -> None:
    # The choice tuples are shared between form instances (copying them was half of building a
    # form); the lists are not, so one form's changes never reach another's.
    form_class = form_class_for(schema)
    assert form_class is not None
    first, second = form_class(metadata={}), form_class(metadata={})
    first.fields["theme"].choices = [*first.fields["theme"].choices, ("sepia", "Sepia")]
    first.fields["topics"].choices.append(("extra", "Extra"))

    assert [value for value, _label in second.fields["theme"].choices] == ["", "light", "dark"]  # "" = Not set
    assert [value for value, _label in second.fields["topics"].choices] == ["news", "tips"]
    assert "sepia" in str(first["theme"]) and "sepia" not in str(second["theme"])


def test_each_form_has_its_own_fields_widgets_and_attrs(schema: PreferenceSchema) -> None:
    # Forms are copied from the class without Django's deep copy: what one form changes on its
    # fields and widgets (autofocus after a refused save, for one) must stay its own.
    form_class = form_class_for(schema)
    assert form_class is not None
    first, second = form_class(metadata={}), form_class(metadata={})
    first.fields["handle"].widget.attrs["autofocus"] = True
    first.fields["handle"].required = not first.fields["handle"].required
    first.fields["handle"].validators.append(lambda value: None)

    assert "autofocus" not in second.fields["handle"].widget.attrs
    assert "autofocus" not in form_class.base_fields["handle"].widget.attrs
    assert second.fields["handle"].required is form_class.base_fields["handle"].required
    assert second.fields["handle"].required is not first.fields["handle"].required
    assert len(second.fields["handle"].validators) == len(first.fields["handle"].validators) - 1
    assert second.fields["handle"].widget.attrs["hx-post"] == reverse("selfservice:validate-preferences")


def test_the_inline_validation_url_follows_the_script_prefix(schema: PreferenceSchema) -> None:
    form_class = form_class_for(schema)
    assert form_class is not None
    before = form_class(metadata={}).fields["handle"].widget.attrs["hx-post"]
    set_script_prefix("/site/")
    try:
        moved = form_class(metadata={}).fields["handle"].widget.attrs["hx-post"]
    finally:
        set_script_prefix("/")

    assert moved == f"/site{before}"
    assert form_class(metadata={}).fields["handle"].widget.attrs["hx-post"] == before
