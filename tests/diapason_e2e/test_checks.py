"""Each DIAPASON check passes on a good exchange and fails on a bad one (tests/diapason_e2e/stories.py)."""
from __future__ import annotations

from typing import Callable

import pytest

from conformance.checks import CheckContext, builtin, run_check
from conformance.model import Outcome
from tests.diapason_e2e import stories as s
from tests.diapason_e2e.stories import Story

NAK_HANDLED = s.concert_units(("in", "ENQ"), ("out", "ACK"), ("in", "frame"), ("out", "NAK"), ("in", "frame"),
                              ("out", "ACK"), ("in", "EOT"), ("out", "ENQ"), ("in", "ACK"), ("out", "frame"),
                              ("in", "ACK"), ("out", "EOT"))
NAK_IGNORED = s.concert_units(("in", "ENQ"), ("out", "ACK"), ("in", "frame"), ("out", "NAK"), ("in", "EOT"))
LRC_NAKED = s.concert_units(("in", "ENQ"), ("out", "ACK"), ("in", "frame"), ("out", "ACK"), ("in", "EOT"),
                            ("out", "ENQ"), ("in", "ACK"), ("out", "frame"), ("in", "NAK"), ("out", "frame"),
                            ("in", "ACK"), ("out", "EOT"))
LRC_ACKED = s.concert_units(("in", "ENQ"), ("out", "ACK"), ("in", "frame"), ("out", "ACK"), ("in", "EOT"),
                            ("out", "ENQ"), ("in", "ACK"), ("out", "frame"), ("in", "ACK"), ("out", "EOT"))


def concert(units, **meta) -> Story:
    story = s.paid()
    story.journal[0] = s.terminal("concert", units=units, **meta)
    return story


def lost_then_new_key() -> Story:
    story = s.paid()
    return story.with_status(debit_attempts=[{"key": "K1", "outcome": "timeout"}, {"key": "K2", "outcome": "captured"}])


def enq_ignored(times: int) -> Story:
    story = s.paid()
    ignored = s.terminal("concert", outcome="enq_ignored", units=s.concert_units(("in", "ENQ")), action=None)
    for _ in range(times):
        story = story.with_entry(0, ignored)
    return story


# check id -> (good story, bad story)
CASES: dict[str, tuple[Callable[[], Story], Callable[[], Story]]] = {
    "diapason.terminal_consent_request": (s.paid, lambda: s.paid().replacing("caisse-ap", s.terminal(currency="840"))),
    "diapason.terminal_well_formed": (lambda: enq_ignored(4), lambda: enq_ignored(5)),
    "diapason.terminal_nak_handling": (lambda: concert(NAK_HANDLED, faults=["nak_frame"]),
                                       lambda: concert(NAK_IGNORED, faults=["nak_frame"])),
    "diapason.terminal_no_nak_storm": (lambda: concert(LRC_NAKED, faults=["corrupt_lrc"]),
                                       lambda: concert(LRC_ACKED, faults=["corrupt_lrc"])),
    "diapason.consent_from_terminal": (s.paid, lambda: s.paid().replacing("caisse-ap",
                                                                          s.terminal(result="contactless"))),
    "diapason.no_consent_fallback": (s.refused_at_terminal,
                                     lambda: s.refused_at_terminal().with_status(state="debited", invoice=None)),
    "diapason.consent_terms": (s.paid, lambda: s.paid().replacing("consent.create",
                                                                  s.consent_created(expires_on="2026-11-25"))),
    "diapason.within_ceiling": (s.paid, lambda: s.paid().replacing("debit.create", s.debited(20000))),
    "diapason.not_after_expiry": (s.paid, lambda: s.paid().replacing("debit.create",
                                                                     s.debited(created_on="2027-02-01"))),
    "diapason.single_debit": (s.paid, lambda: s.paid().with_entry(-1, s.debited(key="another", debit_id="dbt_2"))),
    "diapason.notify_before_debit": (s.paid, lambda: Story([e for e in s.paid().journal
                                                            if e.service != "notification.create"],
                                                           s.paid().statuses)),
    "diapason.idempotent_debits": (s.paid, lost_then_new_key),
    "diapason.closed_when_nothing_due": (s.nothing_due, lambda: s.nothing_due().with_entry(-1, s.notified(0))),
    "diapason.debit_matches_rac": (s.paid, lambda: s.paid().replacing("debit.create", s.debited(7000))),
    "diapason.refund_within_original": (s.paid, lambda: s.paid().with_entry(-1, s.refunded(7000, n=2))),
    "diapason.fallback_invoice": (s.above_ceiling, lambda: s.above_ceiling().with_entry(-1, s.notified(8000))),
    "diapason.decline_no_retry": (s.declined, lambda: s.declined().with_entry(-1, s.debited(key="retry"))),
    "diapason.no_double_charge": (s.paid, lambda: s.paid().with_status(invoice={"amount_cents": 8000,
                                                                                "reason": "debit_failed"})),
    "diapason.acquirer_timeout_reversed": (s.acquirer_timeout,
                                           lambda: Story([e for e in s.acquirer_timeout().journal
                                                          if e.service != "0420"], s.acquirer_timeout().statuses)),
    "diapason.no_pan_leak": (s.paid, lambda: s.paid().with_status(card_number="4970100000072955")),
    "diapason.no_sensitive_card_data": (s.paid, lambda: s.paid().replacing(
        "consent.create", s.provider("consent.create", 422, {**s.CONSENT_BODY, "cvv": "[withheld]"},
                                     {"code": "card_data.forbidden"}))),
}


def judge(check_id: str, story: Story) -> tuple[Outcome, str]:
    check = builtin().get(check_id)
    result = run_check(check, CheckContext(journal=tuple(story.journal), facts=story.facts(), session=s.SESSION))
    return result.outcome, result.message


def test_every_diapason_check_has_a_case():
    assert set(CASES) == {c for c in builtin().ids() if c.startswith("diapason.")}


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_passes_on_a_good_exchange(check_id):
    good, _ = CASES[check_id]
    assert judge(check_id, good()) == (Outcome.PASS, "")


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_fails_on_a_bad_one(check_id):
    _, bad = CASES[check_id]
    outcome, message = judge(check_id, bad())
    assert outcome is Outcome.FAIL, message
    assert message.startswith("Unexpected "), message


def test_checks_verify_diapason_requirements_only():
    for check in builtin():
        if check.id.startswith("diapason."):
            assert check.verifies and all(r.startswith("DIA-") for r in check.verifies), check.id


def test_pan_leak_scans_journal_answers_and_outputs():
    leak = "4970100000072955"
    assert s.paid().with_status(card_number=leak).statuses[-1]["card_number"] == leak
    story = s.paid()
    story.journal[1] = s.provider("consent.create", 201, {**s.CONSENT_BODY, "note": f"card {leak}"}, {"id": s.CONSENT})
    outcome, message = judge("diapason.no_pan_leak", story)
    assert outcome is Outcome.FAIL and "497010******2955" in message and leak not in message


def test_checks_skip_what_did_not_happen():
    assert judge("diapason.terminal_nak_handling", s.paid())[0] is Outcome.SKIP
    assert judge("diapason.decline_no_retry", s.paid())[0] is Outcome.SKIP
    assert judge("diapason.closed_when_nothing_due", s.paid())[0] is Outcome.SKIP
    assert judge("diapason.fallback_invoice", s.paid())[0] is Outcome.SKIP
