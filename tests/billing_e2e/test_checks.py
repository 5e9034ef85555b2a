"""Each billing check passes on a good exchange (a real flow of the reference GAP) and fails on a bad one (a broken
office's flow, or the good journal with one thing changed)."""
from __future__ import annotations

import copy
import dataclasses
import re

from conformance.checks import builtin, run_check
from conformance.model import Outcome
from simulators.billing_files import b2_lot_from, get_profile, patch_field, read_lot, write
from simulators.billing_files.builders import BilledStay
from simulators.domain.pricing import quote
from simulators.journal import JournalEntry

REGISTRY = builtin()


def outcome(check_id: str, ctx) -> tuple[Outcome, str]:
    result = run_check(REGISTRY.get(check_id), ctx)
    return result.outcome, result.message


def passes(check_id: str, ctx) -> None:
    found, message = outcome(check_id, ctx)
    assert found is Outcome.PASS, message


def fails(check_id: str, ctx, *words: str) -> str:
    found, message = outcome(check_id, ctx)
    assert found is Outcome.FAIL, message
    for word in words:
        assert word in message, message
    return message


def lot_entry(flow, side: str, outcome_: str = "ack:positive") -> int:
    return flow.where(f"{side}-billing", "lot", outcome_)[0]


def patched(flow, index: int, role: str, field: str, value) -> tuple[JournalEntry, ...]:
    """The journal with one field of the lot at `index` changed (re-signed: only the edit is at fault)."""
    entry = flow.journal[index]
    data = entry.request.encode("latin-1")
    profile = get_profile(entry.meta["profile"])
    code = profile.record(role).code.encode("ascii")
    record = next(n for n, line in enumerate(data.split(b"\r\n"), start=1) if line.startswith(code))
    new = patch_field(data, record, field, value).decode("latin-1")
    return flow.journal[:index] + (dataclasses.replace(entry, request=new),) + flow.journal[index + 1:]


def appended(flow, *entries: JournalEntry) -> tuple[JournalEntry, ...]:
    return flow.journal + entries


def without(flow, predicate) -> tuple[JournalEntry, ...]:
    return tuple(e for e in flow.journal if not predicate(e))


def books_changed(flow, change) -> list[dict]:
    statuses = copy.deepcopy(flow.statuses)
    change(statuses[-1]["stays"][0])
    return statuses


# -- ROC-INV -----------------------------------------------------------------------------------------------------
def test_invoice_quotes_active_commitment(flows):
    passes("billing.gap.invoice_quotes_active_commitment", flows["paid"].context())
    fails("billing.gap.invoice_quotes_active_commitment", flows["cancelled_variant"].context(), "cancelled")
    paid = flows["paid"]
    bad = patched(paid, lot_entry(paid, "amc"), "invoice", "commitment_number", "ENG0000000000000000")
    fails("billing.gap.invoice_quotes_active_commitment", paid.context(journal=bad), "ENG0000000000000000")


def test_invoice_matches_clc(flows):
    passes("billing.gap.invoice_matches_clc", flows["paid"].context())
    paid = flows["paid"]
    bad = patched(paid, lot_entry(paid, "amc"), "line", "end", paid.case.stay.discharge_date.replace(day=28))
    fails("billing.gap.invoice_matches_clc", paid.context(journal=bad), "line 1 end")


def test_no_invoice_after_cancellation(flows):
    cancelled, paid = flows["cancelled"], flows["paid"]
    passes("billing.gap.no_invoice_after_cancellation", cancelled.context())
    passes("billing.gap.no_invoice_after_cancellation", paid.context())
    invoice = paid.journal[lot_entry(paid, "amc")]  # the same persona's DRE-ES, after the cancellation
    fails("billing.gap.no_invoice_after_cancellation", cancelled.context(journal=appended(cancelled, invoice)),
          "cancelled at journal")
    fails("billing.gap.no_invoice_after_cancellation", flows["cancelled_variant"].context(), "no CLC since")


def test_invoice_numbers_unique_and_one_invoice_per_commitment(flows):
    paid = flows["paid"]
    for check_id in ("billing.gap.invoice_numbers_unique", "billing.gap.one_invoice_per_commitment"):
        passes(check_id, paid.context())
        passes(check_id, flows["curable"].context())  # a new number after a whole reject
    again = appended(paid, paid.journal[lot_entry(paid, "amc")])
    fails("billing.gap.invoice_numbers_unique", paid.context(journal=again), "already in journal")
    fails("billing.gap.one_invoice_per_commitment", paid.context(journal=again), "(paid)")
    fails("billing.gap.invoice_numbers_unique", flows["duplicate_variant"].context(), "1001")


def test_lot_totals(flows):
    passes("billing.gap.lot_totals", flows["paid"].context())
    fails("billing.gap.lot_totals", flows["totals_variant"].context(), "lot trailer", "total_cents")


# -- BIL ---------------------------------------------------------------------------------------------------------
def test_parts_add_up(flows):
    passes("billing.gap.parts_add_up", flows["paid"].context())
    fails("billing.gap.parts_add_up", flows["parts_variant"].context(), "AMO + AMC + patient")
    paid = flows["paid"]  # both files balanced, but the DRE-ES disagrees with the B2 on line 1
    index = lot_entry(paid, "amc")
    entry = paid.journal[index]
    data = entry.request.encode("latin-1")
    record = next(n for n, line in enumerate(data.split(b"\r\n"), start=1) if line.startswith(b"D4"))
    line = next(line for line in read_lot(data).invoices[0].lines if line.line_number == 1)
    for field, value in (("amc_cents", line.amc_cents + 1), ("amo_cents", line.amo_cents - 1)):
        data = patch_field(data, record, field, value)
    changed = dataclasses.replace(entry, request=data.decode("latin-1"))
    bad = paid.journal[:index] + (changed,) + paid.journal[index + 1:]
    fails("billing.gap.parts_add_up", paid.context(journal=bad), "as in the B2 invoice")


def test_corrects_refused_lots(flows):
    defect = flows["defect"]
    passes("billing.gap.corrects_refused_lots", defect.context())
    fails("billing.gap.corrects_refused_lots", flows["totals_variant"].context(), "correction")
    refused = defect.journal[lot_entry(defect, "amc", "ack:negative")]
    fails("billing.gap.corrects_refused_lots", defect.context(journal=appended(defect, refused)), "unchanged")
    assert outcome("billing.gap.corrects_refused_lots", flows["paid"].context())[0] is Outcome.SKIP


def test_reinvoices_curable_rejects(flows):
    curable = flows["curable"]
    passes("billing.gap.reinvoices_curable_rejects", curable.context())
    passes("billing.gap.reinvoices_curable_rejects", flows["partial"].context())
    second = curable.where("amc-billing", "lot")[1]
    fails("billing.gap.reinvoices_curable_rejects", curable.context(journal=curable.journal[:second]),
          "amounts.incoherent")
    assert outcome("billing.gap.reinvoices_curable_rejects", flows["final"].context())[0] is Outcome.SKIP


def test_no_invoice_after_final_reject(flows):
    final, paid = flows["final"], flows["paid"]
    passes("billing.gap.no_invoice_after_final_reject", final.context())
    again = appended(final, paid.journal[lot_entry(paid, "amc")])
    fails("billing.gap.no_invoice_after_final_reject", final.context(journal=again), "rights.closed")


def test_no_double_billing(flows):
    paid, partial = flows["paid"], flows["partial"]
    passes("billing.gap.no_double_billing", paid.context())
    passes("billing.gap.no_double_billing", partial.context())  # only the rejected line again
    again = appended(paid, paid.journal[lot_entry(paid, "amo")])
    fails("billing.gap.no_double_billing", paid.context(journal=again), "invoiced again")


# -- the books ---------------------------------------------------------------------------------------------------
def test_returns_posted(flows):
    paid, late = flows["paid"], flows["late"]
    passes("billing.gap.returns_posted", paid.context())
    passes("billing.gap.returns_posted", late.context())  # pending: the returns are not due

    def pending(stay):
        stay["amc"]["invoices"][0].update(state="pending", paid_cents=None)
    fails("billing.gap.returns_posted", paid.context(statuses=books_changed(paid, pending)), "posted return")

    def paid_early(stay):
        stay["amo"]["invoices"][0].update(state="paid", paid_cents=stay["amo_cents"])
    fails("billing.gap.returns_posted", late.context(statuses=books_changed(late, paid_early)),
          "before its return", "pending")
    no_books = [{k: v for k, v in s.items() if k != "stays"} for s in paid.statuses]
    assert outcome("billing.gap.returns_posted", paid.context(statuses=no_books))[0] is Outcome.SKIP


def test_books_parts_add_up_and_balance(flows):
    paid, late, closed = flows["paid"], flows["late"], flows["closed"]
    for flow in (paid, closed, flows["final"], flows["partial"]):
        passes("billing.gap.books_parts_add_up", flow.context())
        passes("billing.gap.books_balance", flow.context({"settled": True}))
    passes("billing.gap.books_balance", late.context())
    fails("billing.gap.books_balance", late.context({"settled": True}), "pending")
    fails("billing.gap.books_parts_add_up", flows["parts_variant"].context(), "parts of the stay")

    def owes_less(stay):
        stay["patient_owes"] -= 1
    fails("billing.gap.books_balance", paid.context(statuses=books_changed(paid, owes_less)), "patient owes")


def test_closed_amo_rights_leave_the_amo_part_to_the_patient(flows):
    [stay] = flows["closed"].status["stays"]
    assert stay["amo"]["state"] == "not_billed" and stay["amc"]["state"] == "paid"
    assert stay["patient_owes"] == stay["patient_cents"] + stay["amo_cents"]


# -- AMO ---------------------------------------------------------------------------------------------------------
def test_cdri_before_b2(flows):
    paid = flows["paid"]
    passes("billing.gap.cdri_before_b2", paid.context())
    fails("billing.gap.cdri_before_b2", paid.context(journal=without(paid, lambda e: e.actor == "cdri")),
          "CDRi consultation")


def test_no_b2_without_amo_rights(flows, dataset):
    from simulators.amo.cases import amo_cases

    closed = flows["closed"]
    passes("billing.gap.no_b2_without_amo_rights", closed.context())
    case = amo_cases(dataset)["amo-rights-closed"]
    item = BilledStay(case.beneficiary, dataclasses.replace(case.stay, venue_number=case.stay.venue_number[-9:]),
                      case.lines, quote(case.contract, case.stay, case.lines), 1009)
    lot = write(b2_lot_from([item], case.establishment, 9, recipient=case.record.organisme.code,
                            created=case.stay.discharge_date))
    b2 = JournalEntry("s", "amo-billing", "lot", "2026-12-20T08:00:00+00:00", 1.0, lot.decode("latin-1"), "",
                      "ack:positive", (), {"lot_id": 9, "channel": "http", "profile": "bench-b2-1"})
    fails("billing.gap.no_b2_without_amo_rights", closed.context(journal=appended(closed, b2)), "closed")


def test_b2_recipient_and_rang_from_cdri(flows):
    paid, dependant = flows["paid"], flows["dependant"]
    for check_id in ("billing.gap.b2_recipient_from_cdri", "billing.gap.b2_rang_from_cdri"):
        passes(check_id, paid.context())
        passes(check_id, dependant.context())
    assert dependant.status["stays"][0]["rang_beneficiaire"] == 2
    bad = patched(paid, lot_entry(paid, "amo"), "lot_header", "recipient", "019999999")
    fails("billing.gap.b2_recipient_from_cdri", paid.context(journal=bad), "019999999")
    bad = patched(dependant, lot_entry(dependant, "amo"), "invoice", "rang_beneficiaire", 1)
    fails("billing.gap.b2_rang_from_cdri", dependant.context(journal=bad), "rang de bénéficiaire")


def test_exoneration_applied(flows):
    ald = flows["ald"]
    passes("billing.gap.exoneration_applied", ald.context())
    bad = patched(ald, lot_entry(ald, "amo"), "line", "amo_rate_pct", 80)
    fails("billing.gap.exoneration_applied", ald.context(journal=bad), "100 % of the base", "ald")
    assert outcome("billing.gap.exoneration_applied", flows["paid"].context())[0] is Outcome.SKIP


def test_smtp_exchange(flows):
    smtp = flows["smtp"]
    passes("billing.gap.smtp_exchange", smtp.context())
    fails("billing.gap.smtp_exchange", smtp.context(journal=without(smtp, lambda e: e.service == "delivery")),
          "ARL delivery")


# -- evidence the journal masked -------------------------------------------------------------------------------
def test_a_lot_the_journal_masked_is_judged_on_the_gap_copy_the_arl_digest_proves(flows):
    paid = flows["paid"]
    index = lot_entry(paid, "amc")
    entry = paid.journal[index]
    run = re.search(r"\d{10,}", entry.request)
    masked = entry.request[:run.start() + 6] + "*" * (run.end() - run.start() - 10) + entry.request[run.end() - 4:]
    journal = paid.journal[:index] + (dataclasses.replace(entry, request=masked),) + paid.journal[index + 1:]
    passes("billing.gap.lot_totals", paid.context(journal=journal))  # the GAP's copy matches the ARL's digest
    no_copy = [{**s, "lots": [{k: v for k, v in lot.items() if k != "file"} for lot in s.get("lots", [])]}
               for s in paid.statuses]
    found, message = outcome("billing.gap.lot_totals", paid.context(journal=journal, statuses=no_copy))
    assert found is Outcome.ERROR and "masked" in message
