"""The provider's pure rules: consent status at a date, the fixed order of debit checks, decline classes."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from simulators.diapason.debitor import outcome_of
from simulators.diapason.model import CAPTURED, DECLINED, Consent, Debit, Notification, Profile
from simulators.diapason.rules import DEBIT_CHECKS, ConsentFacts, debit_blocker, first_problem

CONSENT = Consent(id="cns_1", sequence=1, token="tok_12345678", masked_pan="497010******9435", card_expiry="2606",
                  ceiling_cents=5_000, expires_on="2026-04-30", finess="750000010", venue="V1", patient_ref="P",
                  terminal_id=None, created_on="2026-03-02")
NOTIFIED = Notification(id="ntf_1", sequence=1, consent_id="cns_1", channel="sms", amount_cents=3_000,
                        invoice_ref=None, notified_on="2026-03-02", earliest_debit_on="2026-03-05", patient_ref="P",
                        venue="V1", finess="750000010", message="")


def _debit(status: str, code: str = "00", *, blocks: bool = False) -> Debit:
    return Debit(id=f"dbt_{status}", sequence=1, consent_id="cns_1", status=status, amount_cents=3_000, currency="EUR",
                 invoice_ref="F", notification_id="ntf_1", response_code=code, response_label="", authorisation_code=None,
                 acquirer_reference=None, created_on="2026-03-05", blocks_consent=blocks)


def facts(consent: Consent = CONSENT, notifications=(NOTIFIED,), debits=()) -> ConsentFacts:
    return ConsentFacts(consent, tuple(notifications), tuple(debits), ())


@pytest.mark.parametrize("state, today, expected", [
    (facts(notifications=()), date(2026, 3, 2), "active"),
    (facts(), date(2026, 3, 2), "notified"),
    (facts(), date(2026, 5, 1), "expired"),
    (facts(debits=[_debit(CAPTURED)]), date(2026, 5, 1), "debited"),
    (facts(debits=[_debit(DECLINED, "51")]), date(2026, 3, 5), "notified"),
    (facts(debits=[_debit(DECLINED, "43", blocks=True)]), date(2026, 3, 5), "blocked"),
    (facts(consent=replace(CONSENT, revoked_on="2026-03-03", revoke_reason="other"), debits=[_debit(CAPTURED)]),
     date(2026, 3, 5), "revoked"),
])
def test_status(state, today, expected):
    assert state.status(today) == expected


def test_checks_run_in_a_fixed_order():
    """Expired, card expired, above ceiling and too early at once: the consent's expiry is reported."""
    late = replace(CONSENT, expires_on="2026-03-03", card_expiry="2602")
    problem = first_problem(DEBIT_CHECKS, facts(consent=late), 9_999, date(2026, 3, 4), Profile())
    assert problem is not None and problem.code == "consent.expired"
    problem = first_problem(DEBIT_CHECKS, facts(), 9_999, date(2026, 3, 4), Profile())
    assert problem is not None and problem.code == "debit.above_ceiling"


def test_debit_blocker_tells_what_a_debit_would_get_today():
    assert debit_blocker(facts(), date(2026, 3, 4), Profile()) == "debit.too_early"
    assert debit_blocker(facts(), date(2026, 3, 5), Profile()) is None
    assert debit_blocker(facts(debits=[_debit(CAPTURED)]), date(2026, 3, 5), Profile()) == "debit.duplicate"
    assert debit_blocker(facts(debits=[_debit(CAPTURED)]), date(2026, 3, 5),
                         Profile(partial_debits=True)) == "debit.not_notified"


@pytest.mark.parametrize("code, outcome", [
    ("00", "approved"), ("51", "declined"), ("05", "declined"), ("41", "blocked"), ("54", "blocked"),
    ("91", "failed"), ("96", "failed"), ("XX", "failed"),
])
def test_answer_code_classes(code, outcome):
    assert outcome_of(code) == outcome
