"""Consents: registration, status over time, revocation, notifications and the notification sink."""
from __future__ import annotations

from datetime import date

from .conftest import FINESS, START, consent_body, problem


def test_registered_consent_keeps_only_token_masked_pan_and_expiry(api):
    response = api.create_consent()
    assert response.status_code == 201
    consent = response.get_json()
    assert response.headers["Location"] == f"/diapason/v1/consents/{consent['id']}"
    assert consent["status"] == "active" and consent["masked_pan"] == "497010******9435"
    assert consent["ceiling_cents"] == 15_000 and consent["created_on"] == START.isoformat()
    assert consent["debit_blocker"] == "debit.not_notified"
    assert api.get(f"/diapason/v1/consents/{consent['id']}").get_json() == consent


def test_ids_are_deterministic_for_a_session_history(api, app, openapi):
    first = api.consent()["id"]
    api.client.post(f"/_bench/sessions/{api.session}/reset")
    api.set_date(START)
    assert api.consent()["id"] == first


def test_notification_is_recorded_in_the_sink_with_the_lead_time(api):
    consent = api.consent()
    response = api.notify(consent["id"], 4_250, channel="email", invoice_ref="FAC-77")
    assert response.status_code == 201
    notification = response.get_json()
    assert notification["notified_on"] == "2026-03-02" and notification["earliest_debit_on"] == "2026-03-05"
    assert "42.50 EUR" in notification["message"] and "497010******9435" in notification["message"]
    sink = api.get(f"/diapason/v1/notifications?consent_id={consent['id']}").get_json()
    assert sink == [notification]
    status = api.get(f"/diapason/v1/consents/{consent['id']}").get_json()
    assert (status["status"], status["notified_cents"], status["earliest_debit_on"]) == ("notified", 4_250, "2026-03-05")
    assert status["debit_blocker"] == "debit.too_early"


def test_lead_time_is_a_session_profile_setting(api):
    assert api.get("/diapason/v1/profile").get_json() == {
        "notification_lead_days": 3, "partial_debits": False, "max_consent_days": 365}
    changed = api.call("PUT", "/diapason/v1/profile", json={"notification_lead_days": 5})
    assert changed.get_json()["notification_lead_days"] == 5
    consent = api.consent()
    assert api.notify(consent["id"], 1_000).get_json()["earliest_debit_on"] == "2026-03-07"


def test_notifying_above_the_ceiling_is_refused(api):
    consent = api.consent(ceiling_cents=3_000)
    assert problem(api.notify(consent["id"], 3_001)) == "debit.above_ceiling"
    assert api.get("/diapason/v1/notifications").get_json() == []


def test_consent_expires_after_its_date(api):
    consent = api.consent(expires_on="2026-03-10")
    api.set_date(date(2026, 3, 10))
    assert api.get(f"/diapason/v1/consents/{consent['id']}").get_json()["status"] == "active"
    api.set_date(date(2026, 3, 11))
    status = api.get(f"/diapason/v1/consents/{consent['id']}").get_json()
    assert status["status"] == "expired" and status["debit_blocker"] == "consent.expired"
    assert problem(api.notify(consent["id"], 100)) == "consent.expired"


def test_revocation_is_idempotent_and_stops_notifications(api):
    consent = api.consent()
    first = api.call("POST", f"/diapason/v1/consents/{consent['id']}/revoke", json={"reason": "paid_otherwise"})
    assert first.status_code == 200
    assert (first.get_json()["status"], first.get_json()["revoke_reason"]) == ("revoked", "paid_otherwise")
    again = api.call("POST", f"/diapason/v1/consents/{consent['id']}/revoke")
    assert again.status_code == 200 and again.get_json()["revoke_reason"] == "paid_otherwise"
    assert problem(api.notify(consent["id"], 100)) == "consent.revoked"


def test_one_usable_consent_per_stay(api):
    consent = api.consent()
    second = api.create_consent(token="tok_another_card_1")
    assert second.status_code == 409 and problem(second) == "consent.exists"
    assert second.get_json()["consent_id"] == consent["id"]
    api.call("POST", f"/diapason/v1/consents/{consent['id']}/revoke", json={"reason": "other"})
    assert api.create_consent(token="tok_another_card_1").status_code == 201
    assert api.create_consent(venue="V2026-0002").status_code == 201


def test_registration_rules(api):
    assert problem(api.create_consent(card_expiry="2602")) == "card.expired"  # February 2026, date is March
    assert api.create_consent(card_expiry="2603").status_code == 201  # valid through the end of March
    assert problem(api.create_consent(venue="V2", expires_on="2027-03-03")) == "consent.expiry_too_far"
    assert problem(api.create_consent(venue="V3", pin_verified=False)) == "consent.pin_not_verified"
    past = api.create_consent(venue="V4", expires_on="2026-03-01")
    assert problem(past) == "request.invalid" and past.get_json()["errors"][0]["field"] == "expires_on"


def test_consent_creation_with_an_idempotency_key_replays(api):
    first = api.call("POST", "/diapason/v1/consents", json={**consent_body(), "venue": "V9"}, key="admission-9")
    again = api.call("POST", "/diapason/v1/consents", json={**consent_body(), "venue": "V9"}, key="admission-9")
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/diapason/v1/consents").get_json()) == 1


def test_consent_list_filters_by_venue(api):
    api.consent()
    api.consent(venue="V2026-0002")
    venues = [c["venue"] for c in api.get("/diapason/v1/consents?venue=V2026-0002").get_json()]
    assert venues == ["V2026-0002"]
    assert [c["finess"] for c in api.get("/diapason/v1/consents").get_json()] == [FINESS, FINESS]


def test_what_the_terminal_emulator_returns_registers_as_is(api):
    from hardware_emulator.cards import SyntheticCards

    cards = SyntheticCards(seed=7)
    for index in range(20):
        card = cards.draw(START)
        response = api.create_consent(token=card.token, masked_pan=card.masked_pan, card_expiry=card.expiry,
                                      venue=f"V{index}")
        assert response.status_code == 201, response.get_json()
