"""The reference desk's decisions, with a scripted provider and terminal (no network): what it does when a
debit's answer stays lost, and what it refuses to do locally."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from simulators.gap.diapason import DiapasonDesk, DiapasonPolicy, NotBilled, PaymentState, reste_a_charge
from simulators.gap.diapason_provider import ProviderAnswer
from simulators.gap.diapason_terminal import TerminalConsent

TODAY = date(2026, 12, 3)


@dataclass
class FakeProvider:
    """Answers by operation; `debit_answers` are consumed in order (then the last repeats)."""

    debit_answers: list[ProviderAnswer] = field(default_factory=list)
    listed: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    timeout: float = 5.0

    def create_consent(self, body, key):
        self.calls.append(("consent", body))
        return ProviderAnswer(201, {"id": "cns_1", **body, "created_on": "2026-11-25"})

    def notify(self, consent_id, amount, invoice_ref, channel, key):
        self.calls.append(("notify", amount))
        return ProviderAnswer(201, {"id": "ntf_1", "amount_cents": amount, "notified_on": "2026-11-30",
                                    "earliest_debit_on": "2026-12-03", "channel": channel})

    def debit(self, consent_id, amount, invoice_ref, key):
        self.calls.append(("debit", key))
        return self.debit_answers.pop(0) if len(self.debit_answers) > 1 else self.debit_answers[0]

    def debits(self, consent_id):
        self.calls.append(("debits", consent_id))
        return ProviderAnswer(200, self.listed)

    def refund(self, debit_id, amount, reason, key):
        self.calls.append(("refund", (debit_id, amount, key)))
        return ProviderAnswer(201, {"id": "rfd_1", "status": "refunded", "amount_cents": amount})

    def revoke(self, consent_id, reason):
        self.calls.append(("revoke", reason))
        return ProviderAnswer(200, {"id": consent_id, "status": "revoked"})

    def close(self):
        pass


class FakeLink:
    protocol = "caisse-ap"

    def __init__(self, result: TerminalConsent) -> None:
        self.result = result

    def consent(self, amount_cents: int) -> TerminalConsent:
        return self.result


APPROVED = TerminalConsent(True, "approved", "caisse-ap", "00", "TICBENHSKPTHSLKKGDJYDIKO", "497010******2955",
                           "2807", pin_verified=True)


class ScriptedDesk(DiapasonDesk):
    def __init__(self, provider, *, result: TerminalConsent = APPROVED, patient_cents: int = 8000) -> None:
        quote = SimpleNamespace(quote=SimpleNamespace(patient_cents=patient_cents))
        roc = SimpleNamespace(status=lambda venue: SimpleNamespace(billing="amc", quote=quote, venue=venue),
                              case_of=lambda venue: SimpleNamespace(lines=()))
        super().__init__(provider, lambda protocol: "127.0.0.1:1", roc,
                         policy=DiapasonPolicy(replay_attempts=2, replay_backoff_s=0), clock=lambda: TODAY)
        self._result = result

    def _link(self, protocol, address):
        return FakeLink(self._result)


CASE = SimpleNamespace(establishment=SimpleNamespace(finess_geographique=SimpleNamespace(value="544885205")),
                       beneficiary=SimpleNamespace(nir=SimpleNamespace(body="2480848113373"), rang_naissance=1))


def _paid_desk(provider: FakeProvider) -> ScriptedDesk:
    desk = ScriptedDesk(provider)
    desk.consent("V1", CASE)
    desk.notify("V1")
    return desk


def test_a_debit_whose_outcome_stays_unknown_is_reversed_before_the_invoice():
    provider = FakeProvider([ProviderAnswer(None, error="timeout")],
                            listed=[{"id": "dbt_1", "status": "captured", "refundable_cents": 8000}])
    status = _paid_desk(provider).pay("V1")
    keys = {key for op, key in provider.calls if op == "debit"}
    assert len(keys) == 1  # every replay with the same key
    assert ("refund", ("dbt_1", 8000, "REV-dbt_1")) in provider.calls
    assert status["state"] == "invoiced" and status["invoice"]["reason"] == "debit_unconfirmed"
    assert status["refunded_cents"] == 8000


def test_a_replay_that_learns_the_capture_ends_paid_without_invoice():
    captured = ProviderAnswer(201, {"id": "dbt_1", "status": "captured", "amount_cents": 8000}, replayed=True)
    provider = FakeProvider([ProviderAnswer(None, error="timeout"), ProviderAnswer(409, {"code": "debit.in_progress"}),
                             captured])
    status = _paid_desk(provider).pay("V1")
    assert status["state"] == "debited" and status["invoice"] is None and status["receipt"]["amount_cents"] == 8000
    assert not any(op == "refund" for op, _ in provider.calls)


def test_a_declined_debit_is_invoiced_once_and_never_retried():
    provider = FakeProvider([ProviderAnswer(402, {"code": "debit.declined", "response_code": "51",
                                                  "consent_usable": True, "debit_id": "dbt_1"})])
    desk = _paid_desk(provider)
    desk.pay("V1")
    status = desk.pay("V1")
    assert [op for op, _ in provider.calls].count("debit") == 1
    assert status["invoice"] == {"amount_cents": 8000, "reason": "debit_declined:51", "ref": "FAC-V1"}
    assert ("revoke", "paid_otherwise") in provider.calls


def test_a_refund_above_what_is_left_is_refused_without_calling():
    provider = FakeProvider([ProviderAnswer(201, {"id": "dbt_1", "status": "captured", "amount_cents": 8000})])
    desk = _paid_desk(provider)
    desk.pay("V1")
    status = desk.refund("V1", 8001)
    assert status["last_problem"]["key"] == "refund.above_original"
    assert not any(op == "refund" for op, _ in provider.calls)


def test_a_contactless_or_refused_consent_registers_nothing():
    provider = FakeProvider()
    desk = ScriptedDesk(provider, result=TerminalConsent(False, "no_pin", "caisse-ap", masked_pan="497010******2955"))
    status = desk.consent("V1", CASE)
    assert status["state"] == PaymentState.NO_CONSENT.value and provider.calls == []
    assert desk.notify("V1")["invoice"]["reason"] == "no_consent"


def test_the_gap_keeps_no_full_card_number_and_no_pin():
    desk = ScriptedDesk(FakeProvider())
    status = desk.consent("V1", CASE)
    text = repr(status)
    assert "497010******2955" in text and "pin_block" not in text and "cvv" not in text


def test_remaining_charge_comes_from_the_quote_or_the_whole_stay():
    line = SimpleNamespace(unit_price_cents=1000, quantity=3)
    quote = SimpleNamespace(quote=SimpleNamespace(patient_cents=450))
    assert reste_a_charge(SimpleNamespace(billing="amc", quote=quote, venue="V"), None) == (450, "clc")
    assert reste_a_charge(SimpleNamespace(billing="patient", quote=None, venue="V"),
                          SimpleNamespace(lines=(line, line))) == (6000, "patient_billing")
    admitted = SimpleNamespace(billing="pending", quote=None, venue="V", state=SimpleNamespace(value="admitted"))
    try:
        reste_a_charge(admitted, None)
    except NotBilled as error:
        assert "admitted" in str(error)
    else:
        raise AssertionError("an admitted stay has no remaining charge yet")
