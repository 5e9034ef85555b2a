"""The reference GAP's billing end to end: CLC → B2 + DRE-ES → ARLs → returns → accounts, to the cent; and each
broken variant caught by the intake."""
from __future__ import annotations

import pytest

from simulators.gap.billing import BillingOffice, Variant, with_exonerations
from simulators.domain import PrestationFamily

from .conftest import add_behaviour, priced


@pytest.fixture
def office(billing, roc, dataset, today):
    def make(variant=None):
        return BillingOffice(billing, dataset.establishment("chu"), variant=variant, roc=roc, today=today)
    return make


def test_stays_through_clc_are_billed_paid_and_reconciled_to_the_cent(roc, cdri, dataset, cases, office):
    stays = [priced(roc, cdri, who) for who in (dataset.persona("rights-open"), cases["amo-ald"], cases["amo-msa"],
                                                cases["amo-css"])]
    billing_office = office()
    sent = billing_office.bill(stays)
    assert all(lot.accepted for lot in sent)
    assert {lot.side for lot in sent} == {"amo", "amc"}
    assert len([lot for lot in sent if lot.side == "amo"]) == len({s.amo_organisme for s in stays})
    returns = billing_office.fetch_returns()
    assert {r.profile for r in returns} == {"bench-noemie-1", "bench-rmeh-1"}
    accounts = billing_office.reconcile()
    assert len(accounts) == 4
    for account, stay in zip(accounts, stays):
        assert account.parts_add_up and account.balanced and account.rejects == []
        assert (account.amo_paid, account.amc_paid, account.patient_owes) == (
            stay.quote.amo_cents, stay.quote.amc_cents, stay.quote.patient_cents)
        assert account.amo_paid + account.amc_paid + account.patient_owes == stay.quote.total_cents


def test_exoneration_makes_the_amo_pay_the_whole_base(roc, cdri, cases):
    case = cases["amo-ald"]
    stay = priced(roc, cdri, case)
    assert stay.lines == with_exonerations(case.lines, True)
    ghs = next(q for q, line in zip(stay.quote.lines, stay.lines) if line.family is PrestationFamily.GHS)
    assert ghs.amo_cents == ghs.base_total_cents and ghs.amc_cents == 0


def test_partial_reject_falls_to_the_patient_and_still_balances(server, session, roc, cdri, dataset, office):
    add_behaviour(server, session, name="billing_partial_reject:100", actor="amc-billing").raise_for_status()
    stay = priced(roc, cdri, dataset.persona("rights-open"))
    billing_office = office()
    billing_office.bill([stay])
    billing_office.fetch_returns()
    [account] = billing_office.reconcile()
    [(side, line, key)] = account.rejects
    rejected = next(q for q in stay.quote.lines if q.line_number == line)
    assert (side, key) == ("amc", "coverage.line_not_covered")
    assert account.patient_owes == stay.quote.patient_cents + rejected.amc_cents
    assert account.balanced


@pytest.mark.parametrize("variant, side, found", [
    (Variant.CANCELLED_COMMITMENT, "amc", ("reject", "commitment.already_cancelled")),
    (Variant.WRONG_LOT_TOTALS, "amc", ("arl", "lot.totals_mismatch")),
    (Variant.PARTS_NOT_ADDING_UP, "amo", ("arl", "amounts.incoherent")),
    (Variant.DUPLICATE_INVOICE_NUMBER, "amo", ("reject", "invoice.duplicate_number")),
])
def test_each_broken_variant_is_caught(roc, cdri, dataset, office, variant, side, found):
    billing_office = office(variant)
    first = priced(roc, cdri, dataset.persona("rights-open"))
    billing_office.bill([first])
    if variant is Variant.DUPLICATE_INVOICE_NUMBER:
        billing_office.bill([priced(roc, cdri, dataset.persona("line-not-covered"))])
    billing_office.fetch_returns()
    accounts = billing_office.reconcile()
    kind, key = found
    if kind == "arl":
        refused = [lot for lot in billing_office.sent if not lot.accepted]
        assert [(lot.side, lot.problems) for lot in refused] == [(side, [key])]
        assert accounts[0].refused == {side: [key]}
    else:
        assert (side, 0, key) in accounts[-1].rejects
    if variant is Variant.PARTS_NOT_ADDING_UP:
        assert not accounts[0].parts_add_up  # the GAP's own books show it too


def test_stays_committed_by_the_reference_gap_are_billed(server, session, cdri, dataset, office):
    """The bridge the conformance runner uses: ReferenceGap (admit, discharge) → StayStatus → bill → reconcile."""
    from simulators.gap.billing import priced_from_status
    from simulators.gap.cases import StayCase
    from simulators.gap.reference import ReferenceGap

    with ReferenceGap(f"{server.url}/annuaire", session=session) as gap:
        case = StayCase.from_persona(dataset.persona("rights-open"))
        gap.admit(case)
        status = gap.discharge(case.venue)
        stay = priced_from_status(gap.case_of(case.venue), status, cdri)
        refused = gap.admit(StayCase.from_persona(dataset.persona("rights-closed")))
        with pytest.raises(ValueError):
            priced_from_status(case, refused, cdri)
    billing_office = office()
    billing_office.bill([stay])
    billing_office.fetch_returns()
    [account] = billing_office.reconcile()
    assert account.balanced and (account.amc_paid, account.patient_owes) == (stay.quote.amc_cents,
                                                                              stay.quote.patient_cents)
