"""Bad input: full card numbers, sensitive card fields, malformed JSON, wrong types and formats. Each gets a
problem document naming the field, nothing is stored, and no card number reaches the journal."""
from __future__ import annotations

import json

import pytest

from simulators.masking import find_pans

from .conftest import consent_body, problem

FULL_PAN = "4970105191919435"  # PayGreen sandbox card, Luhn-valid


def _journal_text(api) -> str:
    entries = api.client.get(f"/_bench/sessions/{api.session}/journal").get_json()
    return json.dumps(entries)


@pytest.mark.parametrize("changes", [
    {"masked_pan": FULL_PAN},
    {"token": FULL_PAN},
    {"patient_ref": f"IPP {FULL_PAN}"},
    {"terminal_id": FULL_PAN},
])
def test_full_pan_is_refused_and_never_stored(api, changes):
    response = api.call("POST", "/diapason/v1/consents", json=consent_body(**changes), valid=False)
    assert response.status_code == 422 and problem(response) == "pan.forbidden"
    assert "497010******9435" in response.get_json()["detail"] and FULL_PAN not in response.get_data(as_text=True)
    assert api.get("/diapason/v1/consents").get_json() == []
    assert not find_pans(_journal_text(api))


def test_pan_as_a_json_number_or_in_any_request_is_refused(api):
    body = json.dumps({**consent_body(), "ceiling_cents": int(FULL_PAN)})
    assert problem(api.call("POST", "/diapason/v1/consents", data=body, valid=False)) == "pan.forbidden"
    consent = api.consent()
    notify = api.call("POST", f"/diapason/v1/consents/{consent['id']}/notifications",
                      json={"amount_cents": 100, "invoice_ref": FULL_PAN}, valid=False)
    assert problem(notify) == "pan.forbidden"
    keyed = api.call("POST", f"/diapason/v1/consents/{consent['id']}/debits", key=FULL_PAN,
                     json={"amount_cents": 100, "invoice_ref": "F"}, valid=False)
    assert problem(keyed) == "pan.forbidden"
    malformed = api.call("POST", "/diapason/v1/consents", data='{"pan": "' + FULL_PAN + '"', valid=False)
    assert problem(malformed) == "pan.forbidden"
    assert not find_pans(_journal_text(api))


def test_non_luhn_long_numbers_are_not_card_numbers(api):
    assert api.create_consent(patient_ref="4970105191919436").status_code == 201


@pytest.mark.parametrize("field", ["cvv", "CVC2", "pin", "track2"])
def test_sensitive_card_fields_are_refused_and_withheld_from_the_journal(api, field):
    body = {**consent_body(), field: "123"}
    response = api.call("POST", "/diapason/v1/consents", json=body, valid=False)
    assert response.status_code == 422 and problem(response) == "card_data.forbidden"
    assert field in response.get_json()["detail"]
    assert '"123"' not in _journal_text(api).replace('\\"', '"')


@pytest.mark.parametrize("data, content_type, status, code", [
    ("{not json", "application/json", 400, "request.malformed_json"),
    ("[1, 2]", "application/json", 400, "request.malformed_json"),
    ("", "application/json", 400, "request.malformed_json"),
    ("amount_cents=100", "application/x-www-form-urlencoded", 415, "request.media_type"),
])
def test_malformed_bodies(api, data, content_type, status, code):
    response = api.call("POST", "/diapason/v1/consents", data=data, content_type=content_type, valid=False)
    assert response.status_code == status and problem(response) == code


@pytest.mark.parametrize("changes, field", [
    ({"ceiling_cents": "150.00"}, "ceiling_cents"),
    ({"ceiling_cents": 150.5}, "ceiling_cents"),
    ({"ceiling_cents": 15000.0}, "ceiling_cents"),
    ({"ceiling_cents": True}, "ceiling_cents"),
    ({"ceiling_cents": 0}, "ceiling_cents"),
    ({"ceiling_cents": -100}, "ceiling_cents"),
    ({"expires_on": "31/05/2026"}, "expires_on"),
    ({"expires_on": "2026-02-30"}, "expires_on"),
    ({"card_expiry": "2613"}, "card_expiry"),
    ({"masked_pan": "4970****9435"}, "masked_pan"),
    ({"finess": "750000011"}, "finess"),
    ({"finess": 750000010}, "finess"),
    ({"venue": None, "token": None}, "token"),
    ({"unexpected": 1}, "unexpected"),
])
def test_wrong_types_and_formats_name_the_field(api, changes, field):
    body = consent_body(**changes)
    response = api.call("POST", "/diapason/v1/consents", data=json.dumps(body), valid=False)
    assert response.status_code == 422 and problem(response) == "request.invalid"
    fields = [error["field"] for error in response.get_json()["errors"]]
    assert field in fields
    assert api.get("/diapason/v1/consents").get_json() == []


def test_missing_fields_are_all_listed(api):
    response = api.call("POST", "/diapason/v1/consents", json={"token": "tok_12345678"}, valid=False)
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert fields == {"masked_pan", "card_expiry", "ceiling_cents", "expires_on", "finess", "venue", "patient_ref"}


def test_amount_in_euros_gets_a_cents_hint(api):
    consent = api.consent()
    response = api.call("POST", f"/diapason/v1/consents/{consent['id']}/notifications",
                        json={"amount_cents": 42.5}, valid=False)
    assert "integer number of cents" in response.get_json()["errors"][0]["detail"]


def test_bad_idempotency_key_and_profile(api):
    consent = api.consent()
    response = api.call("POST", f"/diapason/v1/consents/{consent['id']}/debits", key="x" * 129,
                        json={"amount_cents": 100, "invoice_ref": "F"}, valid=False)
    assert problem(response) == "request.invalid" and response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    profile = api.call("PUT", "/diapason/v1/profile", json={"notification_lead_days": -1}, valid=False)
    assert problem(profile) == "request.invalid"


def test_body_above_the_size_limit(api):
    api.app.config["MAX_CONTENT_LENGTH"] = 1_000
    response = api.call("POST", "/diapason/v1/consents", data=json.dumps({"x": "y" * 2_000}), valid=False)
    assert response.status_code == 413 and problem(response) == "request.too_large"


def test_unknown_routes_and_methods_are_problems(api):
    assert problem(api.call("GET", "/diapason/v1/payments", valid=False)) == "request.unknown_route"
    assert problem(api.call("GET", "/diapason", valid=False)) == "request.unknown_route"
    assert problem(api.call("GET", "/diapason/", valid=False)) == "request.unknown_route"
    wrong = api.call("DELETE", "/diapason/v1/consents", valid=False)
    assert wrong.status_code == 405 and problem(wrong) == "request.method_not_allowed"
    assert wrong.headers["Allow"] == "GET, POST"


def test_pan_in_the_url_is_refused(api):
    response = api.call("GET", f"/diapason/v1/consents/{FULL_PAN}", valid=False)
    assert problem(response) == "pan.forbidden" and FULL_PAN not in response.get_data(as_text=True)
    assert problem(api.call("GET", f"/diapason/v1/notifications?consent_id={FULL_PAN}", valid=False)) == "pan.forbidden"
    assert not find_pans(_journal_text(api))
