"""Debits: once, within the ceiling, after the notification lead time, before expiry, never on a revoked
consent; idempotency keys; what an acquirer decline does to the consent."""
from __future__ import annotations

import threading
from datetime import date

from simulators.masking import find_pans

from .conftest import FINESS, START, problem


def test_happy_path_consent_notify_jump_debit_once(api, debitor):
    consent = api.consent()
    assert api.notify(consent["id"], 4_250).status_code == 201
    assert problem(api.debit(consent["id"], 4_250)) == "debit.too_early"
    api.set_date(date(2026, 3, 5))
    response = api.debit(consent["id"], 4_250, invoice="FAC-2026-42")
    assert response.status_code == 201
    debit = response.get_json()
    assert (debit["status"], debit["amount_cents"], debit["invoice_ref"]) == ("captured", 4_250, "FAC-2026-42")
    assert debit["response_code"] == "00" and debit["refundable_cents"] == 4_250
    assert response.headers["Location"] == f"/diapason/v1/debits/{debit['id']}"
    [order] = debitor.orders
    assert (order.amount_cents, order.merchant, order.card.token) == (4_250, FINESS, consent["token"])
    assert order.card.masked_pan == "497010******9435" and not find_pans(repr(order))
    status = api.get(f"/diapason/v1/consents/{consent['id']}").get_json()
    assert (status["status"], status["debited_cents"], status["debit_ids"]) == ("debited", 4_250, [debit["id"]])
    assert api.get(f"/diapason/v1/debits/{debit['id']}").get_json() == debit
    assert api.get(f"/diapason/v1/consents/{consent['id']}/debits").get_json() == [debit]


def test_debit_above_the_ceiling_moves_no_money(api, debitor):
    consent = api.consent(ceiling_cents=4_000)
    api.notify(consent["id"], 4_000)
    api.set_date(date(2026, 3, 5))
    response = api.debit(consent["id"], 4_001)
    assert response.status_code == 422 and problem(response) == "debit.above_ceiling"
    assert "expected at most 40.00 EUR, received 40.01 EUR" in response.get_json()["detail"]
    assert debitor.orders == []
    assert api.debit(consent["id"], 4_000, key="debit-2").status_code == 201  # the key of a refusal is not spent


def test_debit_after_the_consent_expired(api, debitor):
    consent = api.consent(expires_on="2026-03-06")
    api.notify(consent["id"], 1_000)
    api.set_date(date(2026, 3, 7))
    assert problem(api.debit(consent["id"], 1_000)) == "consent.expired"
    assert debitor.orders == []


def test_debit_on_the_last_valid_day_goes_through(api):
    consent = api.consent(expires_on="2026-03-05")
    api.notify(consent["id"], 1_000)
    api.set_date(date(2026, 3, 5))
    assert api.debit(consent["id"], 1_000).status_code == 201


def test_debit_when_the_card_expired_meanwhile(api, debitor):
    consent = api.consent(card_expiry="2603")
    api.notify(consent["id"], 1_000)
    api.set_date(date(2026, 4, 1))
    assert problem(api.debit(consent["id"], 1_000)) == "card.expired"
    assert api.get(f"/diapason/v1/consents/{consent['id']}").get_json()["card_expired"] is True
    assert debitor.orders == []


def test_same_key_replays_the_same_answer_and_debits_once(api, debitor):
    consent = api.notified_and_due()
    first = api.debit(consent["id"], 4_250, key="retry-me")
    second = api.debit(consent["id"], 4_250, key="retry-me")
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(debitor.orders) == 1


def test_a_second_key_is_a_duplicate_debit(api, debitor):
    consent = api.notified_and_due()
    assert api.debit(consent["id"], 4_250, key="k1").status_code == 201
    response = api.debit(consent["id"], 4_250, key="k2")
    assert response.status_code == 409 and problem(response) == "debit.duplicate"
    assert len(debitor.orders) == 1


def test_same_key_with_another_body_is_a_conflict(api, debitor):
    consent = api.notified_and_due()
    assert api.debit(consent["id"], 4_250, key="k1").status_code == 201
    response = api.debit(consent["id"], 4_000, key="k1")
    assert response.status_code == 409 and problem(response) == "idempotency.conflict"
    other = api.consent(venue="V2")
    assert problem(api.debit(other["id"], 4_250, key="k1")) == "idempotency.conflict"  # another consent
    assert len(debitor.orders) == 1


def test_debit_needs_an_idempotency_key(api, debitor):
    consent = api.notified_and_due()
    response = api.call("POST", f"/diapason/v1/consents/{consent['id']}/debits",
                        json={"amount_cents": 4_250, "invoice_ref": "F"}, valid=False)
    assert response.status_code == 400 and problem(response) == "idempotency.key_missing"
    assert debitor.orders == []


def test_debit_before_the_notification_lead_time(api, debitor):
    consent = api.consent()
    api.notify(consent["id"], 1_000)
    api.set_date(date(2026, 3, 4))
    response = api.debit(consent["id"], 1_000)
    assert problem(response) == "debit.too_early" and "no debit before 2026-03-05" in response.get_json()["detail"]
    assert debitor.orders == []


def test_debit_without_notification_or_above_the_notified_amount(api, debitor):
    consent = api.consent()
    api.set_date(date(2026, 3, 20))
    assert problem(api.debit(consent["id"], 1_000)) == "debit.not_notified"
    api.notify(consent["id"], 1_000)
    api.set_date(date(2026, 3, 23))
    assert problem(api.debit(consent["id"], 1_200)) == "debit.above_notified"
    assert api.debit(consent["id"], 900).status_code == 201  # less than announced is allowed
    assert len(debitor.orders) == 1


def test_renotifying_restarts_the_lead_time(api):
    consent = api.consent()
    api.notify(consent["id"], 1_000)
    api.set_date(date(2026, 3, 4))
    api.notify(consent["id"], 1_500)  # corrected amount
    api.set_date(date(2026, 3, 6))
    assert problem(api.debit(consent["id"], 1_500)) == "debit.too_early"
    api.set_date(date(2026, 3, 7))
    assert api.debit(consent["id"], 1_500).status_code == 201


def test_revoke_then_debit(api, debitor):
    consent = api.notified_and_due()
    api.call("POST", f"/diapason/v1/consents/{consent['id']}/revoke", json={"reason": "patient_request"})
    response = api.debit(consent["id"], 4_250)
    assert response.status_code == 409 and problem(response) == "consent.revoked"
    assert debitor.orders == []


def test_unknown_consent(api):
    assert problem(api.get("/diapason/v1/consents/cns_000000000000")) == "consent.unknown"
    assert problem(api.notify("cns_000000000000", 100)) == "consent.unknown"
    assert problem(api.debit("cns_000000000000", 100)) == "consent.unknown"
    assert problem(api.get("/diapason/v1/debits/dbt_000000000000")) == "debit.unknown"


def test_soft_decline_keeps_the_consent_usable(api, debitor):
    consent = api.notified_and_due()
    debitor.codes = ["51"]
    response = api.debit(consent["id"], 4_250, key="try-1")
    assert response.status_code == 402 and problem(response) == "debit.declined"
    body = response.get_json()
    assert (body["response_code"], body["consent_usable"]) == ("51", True)
    assert api.get(f"/diapason/v1/debits/{body['debit_id']}").get_json()["status"] == "declined"
    assert api.debit(consent["id"], 4_250, key="try-1").get_json() == body  # replayed, not retried
    assert api.debit(consent["id"], 4_250, key="try-2").status_code == 201
    assert len(debitor.orders) == 2


def test_hard_decline_blocks_the_consent(api, debitor):
    consent = api.notified_and_due()
    debitor.codes = ["41"]
    body = api.debit(consent["id"], 4_250, key="try-1").get_json()
    assert (body["code"], body["consent_usable"]) == ("debit.declined", False)
    status = api.get(f"/diapason/v1/consents/{consent['id']}").get_json()
    assert status["status"] == "blocked" and "41" in status["blocked_reason"]
    assert problem(api.debit(consent["id"], 4_250, key="try-2")) == "consent.blocked"
    assert len(debitor.orders) == 1


def test_technical_failure_is_a_502_and_the_consent_stays_usable(api, debitor):
    consent = api.notified_and_due()
    debitor.codes = ["91"]
    response = api.debit(consent["id"], 4_250, key="try-1")
    assert response.status_code == 502 and problem(response) == "acquirer.unavailable"
    debitor.fail_with = ConnectionRefusedError("acquirer down")
    response = api.debit(consent["id"], 4_250, key="try-2")
    assert problem(response) == "acquirer.unavailable" and response.get_json()["response_code"] == "XX"
    debitor.fail_with = None
    assert api.debit(consent["id"], 4_250, key="try-3").status_code == 201


def test_partial_debits_when_the_profile_allows_them(api, debitor):
    api.call("PUT", "/diapason/v1/profile", json={"partial_debits": True, "notification_lead_days": 0})
    consent = api.consent(ceiling_cents=5_000)
    api.notify(consent["id"], 3_000)
    assert api.debit(consent["id"], 3_000, key="part-1").status_code == 201
    assert problem(api.debit(consent["id"], 1_000, key="part-2")) == "debit.not_notified"  # notification used
    assert problem(api.notify(consent["id"], 2_500)) == "debit.above_ceiling"
    api.notify(consent["id"], 2_000)
    assert api.debit(consent["id"], 2_000, key="part-2").status_code == 201
    assert api.get(f"/diapason/v1/consents/{consent['id']}").get_json()["debited_cents"] == 5_000


def test_concurrent_debits_of_one_consent_move_money_once(api, app, openapi, debitor):
    consent = api.notified_and_due()
    entered, release = threading.Event(), threading.Event()
    real_debit = debitor.debit

    def slow_debit(order):
        entered.set()
        assert release.wait(10)
        return real_debit(order)

    debitor.debit = slow_debit  # type: ignore[method-assign]
    answers: dict[str, int] = {}
    first = threading.Thread(target=lambda: answers.update(a=api.debit(consent["id"], 4_250, key="desk-1").status_code),
                             daemon=True)
    first.start()
    assert entered.wait(10)
    second = app.test_client().post(f"/diapason/v1/consents/{consent['id']}/debits", json={
        "amount_cents": 4_250, "invoice_ref": "F"}, headers={"X-Bench-Session": api.session, "Idempotency-Key": "desk-2"})
    release.set()
    first.join(10)
    assert answers["a"] == 201
    assert second.status_code == 409 and problem(second) == "debit.in_progress"
    assert len(debitor.orders) == 1
    assert problem(api.debit(consent["id"], 4_250, key="desk-2")) == "debit.duplicate"


def test_start_date_is_the_session_clock(api):
    assert api.consent()["session_date"] == START.isoformat()
