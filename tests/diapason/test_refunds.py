"""Refunds reference a captured debit and add up to at most its amount."""
from __future__ import annotations

from .conftest import problem


def _captured(api) -> dict:
    consent = api.notified_and_due(4_250)
    response = api.debit(consent["id"], 4_250)
    assert response.status_code == 201
    return response.get_json()


def test_partial_refunds_up_to_the_original(api, debitor):
    debit = _captured(api)
    first = api.refund(debit["id"], 1_000, key="r1")
    assert first.status_code == 201
    refund = first.get_json()
    assert (refund["status"], refund["debit_id"], refund["amount_cents"]) == ("refunded", debit["id"], 1_000)
    assert first.headers["Location"] == f"/diapason/v1/refunds/{refund['id']}"
    assert api.refund(debit["id"], 3_250, key="r2").status_code == 201
    after = api.get(f"/diapason/v1/debits/{debit['id']}").get_json()
    assert (after["refunded_cents"], after["refundable_cents"], len(after["refunds"])) == (4_250, 0, 2)
    assert api.get(f"/diapason/v1/refunds/{refund['id']}").get_json() == refund
    consent = api.get(f"/diapason/v1/consents/{debit['consent_id']}").get_json()
    assert consent["refunded_cents"] == 4_250
    [_, first_order, second_order] = debitor.orders
    assert (first_order.original_reference, first_order.amount_cents) == (debit["id"], 1_000)
    assert second_order.original_acquirer_reference == debit["acquirer_reference"]


def test_refund_above_the_original(api, debitor):
    debit = _captured(api)
    response = api.refund(debit["id"], 4_251)
    assert response.status_code == 422 and problem(response) == "refund.above_original"
    assert "expected at most 42.50 EUR, received 42.51 EUR" in response.get_json()["detail"]
    assert api.refund(debit["id"], 4_000, key="r1").status_code == 201
    assert problem(api.refund(debit["id"], 251, key="r2")) == "refund.above_original"  # cumulative
    assert api.refund(debit["id"], 250, key="r2").status_code == 201  # the refused key was not spent
    assert len(debitor.orders) == 3


def test_refund_replay_and_conflict(api, debitor):
    debit = _captured(api)
    first = api.refund(debit["id"], 500, key="same")
    again = api.refund(debit["id"], 500, key="same")
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert problem(api.refund(debit["id"], 600, key="same")) == "idempotency.conflict"
    assert len(debitor.orders) == 2  # the debit and one refund


def test_refund_needs_a_key_and_a_captured_debit(api, debitor):
    debit = _captured(api)
    missing = api.call("POST", f"/diapason/v1/debits/{debit['id']}/refunds", json={"amount_cents": 100}, valid=False)
    assert problem(missing) == "idempotency.key_missing"
    consent = api.notified_and_due(1_000, venue="V2")
    debitor.codes = ["05"]
    declined = api.debit(consent["id"], 1_000, key="d2").get_json()
    assert problem(api.refund(declined["debit_id"], 100, key="r-declined")) == "debit.not_captured"
    assert problem(api.refund("dbt_000000000000", 100, key="r-unknown")) == "debit.unknown"
    assert problem(api.get("/diapason/v1/refunds/rfd_000000000000")) == "refund.unknown"


def test_declined_refund_moves_nothing(api, debitor):
    debit = _captured(api)
    debitor.codes = ["12"]
    response = api.refund(debit["id"], 1_000, key="r1")
    assert response.status_code == 402 and problem(response) == "refund.declined"
    assert api.get(f"/diapason/v1/debits/{debit['id']}").get_json()["refundable_cents"] == 4_250


def test_refund_after_revocation_is_still_possible(api):
    debit = _captured(api)
    api.call("POST", f"/diapason/v1/consents/{debit['consent_id']}/revoke", json={"reason": "other"})
    assert api.refund(debit["id"], 4_250).status_code == 201
