"""The AMO intake's rules: beneficiary known, rights open on the dates of care, amounts; each with its key."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from simulators.billing_files import BilledStay, ProblemCode, patch_field, read_ack
from simulators.domain import PrestationFamily, PrestationLine
from simulators.domain.pricing import quote

from .conftest import amo_lot, case_item


def verdicts(receipt):
    return [(i["invoice_number"], i["status"], [(r["line_number"], r["key"]) for r in i["rejections"]])
            for i in receipt["invoices"]]


@pytest.mark.parametrize("name, key", [
    ("amo-open", None), ("amo-msa", None), ("amo-ald", None),
    ("amo-rights-closed", "rights.closed"),
    ("amo-rights-not-yet-open", "rights.not_yet_open"),
    ("amo-unknown", "beneficiary.unknown"),
])
def test_invoice_per_case(billing, cases, today, name, key):
    case = cases[name]
    item = case_item(case, 2001) if case.contract else replace(case_item(cases["amo-open"], 2001),
                                                               beneficiary=case.beneficiary)
    receipt = billing.send_lot("amo", amo_lot([item], case.establishment, 1, today))
    assert receipt["accepted"]
    expected = [(2001, "paid", [])] if key is None else [(2001, "rejected", [(0, key)])]
    assert verdicts(receipt) == expected


def test_identity_mismatch_is_an_unknown_beneficiary_for_the_amo(billing, cases, today):
    item = case_item(cases["amo-open"], 2001)
    receipt = billing.send_lot("amo", amo_lot([replace(item, beneficiary=replace(item.beneficiary, rang_naissance=2))],
                                              cases["amo-open"].establishment, 1, today))
    assert verdicts(receipt) == [(2001, "rejected", [(0, "beneficiary.unknown")])]
    assert "identity_mismatch" in receipt["invoices"][0]["rejections"][0]["detail"]


def test_lines_past_the_end_of_rights_are_rejected_alone(billing, cases, today):
    """Rights end on 31/12 of next year: a stay across the new year gets its later line rejected."""
    case = cases["amo-open"]
    end = case.record.periods[-1].end
    stay = replace(case.stay, admission_date=end - timedelta(days=2), discharge_date=end + timedelta(days=2))
    inside = PrestationLine(1, "FJ", PrestationFamily.FORFAIT_JOURNALIER, stay.admission_date, end, 3, 2000, 2000, 80)
    across = PrestationLine(2, "GHS0001", PrestationFamily.GHS, stay.admission_date, stay.discharge_date, 1,
                            300_000, 300_000, 80)
    lines = (inside, across)
    item = BilledStay(case.beneficiary, replace(stay, venue_number="981234567"), lines,
                      quote(case.contract, stay, lines), 2001)
    receipt = billing.send_lot("amo", amo_lot([item], case.establishment, 1, today))
    assert verdicts(receipt) == [(2001, "partial", [(2, "rights.closed")])]
    invoice = receipt["invoices"][0]
    assert invoice["paid_cents"] == invoice["billed_cents"] - 240_000


def test_amo_amount_above_the_base(billing, dataset, today):
    persona = dataset.persona("rights-open")  # its private-room line has a zero base
    item = case_item(persona, 2001)
    data = amo_lot([item], persona.establishment, 1, today)
    records = data.split(b"\r\n")[:-1]
    cp = next(i for i, r in enumerate(records, start=1) if r.startswith(b"4") and b"CP " in r[14:23])
    line = next(q for q in item.quote.lines if q.amo_cents == 0 and q.patient_cents >= 100)
    data = patch_field(data, cp, "amo_cents", 100)
    data = patch_field(data, cp, "patient_cents", line.patient_cents - 100)
    trailer = len(records)
    data = patch_field(data, trailer, "amo_cents", item.quote.amo_cents + 100)
    data = patch_field(data, trailer, "patient_cents", item.quote.patient_cents - 100)
    receipt = billing.send_lot("amo", data)
    assert receipt["accepted"], receipt["problems"]
    assert verdicts(receipt) == [(2001, "partial", [(line.line_number, "amounts.incoherent")])]


def test_duplicate_invoice_number_across_amo_lots(billing, cases, today):
    first, second = cases["amo-open"], cases["amo-msa"]
    billing.send_lot("amo", amo_lot([case_item(first, 2001)], first.establishment, 1, today))
    receipt = billing.send_lot("amo", amo_lot([case_item(second, 2001)], second.establishment, 2, today))
    assert verdicts(receipt) == [(2001, "rejected", [(0, "invoice.duplicate_number")])]


def test_duplicate_invoice_number_inside_a_lot_is_a_negative_arl(billing, cases, today):
    items = [case_item(cases["amo-open"], 2001), case_item(cases["amo-msa"], 2001)]
    receipt = billing.send_lot("amo", amo_lot(items, cases["amo-open"].establishment, 1, today))
    [problem] = read_ack(receipt["ack"].encode()).problems
    assert (problem.code, problem.field) == (ProblemCode.DUPLICATE_INVOICE_NUMBER, "invoice_number")


def test_wrong_nir_key_is_a_negative_arl(billing, cases, today):
    case = cases["amo-open"]
    data = amo_lot([case_item(case, 2001)], case.establishment, 1, today)
    receipt = billing.send_lot("amo", patch_field(data, 2, "nir_key", case.beneficiary.nir.key % 97 + 1))
    [problem] = read_ack(receipt["ack"].encode()).problems
    assert (problem.code, problem.record_number, problem.field) == (ProblemCode.NIR_KEY, 2, "nir_key")


def test_rights_are_judged_on_the_admission_date(billing, cases, today):
    case = cases["amo-rights-not-yet-open"]
    opens = case.record.periods[0].start
    stay = replace(case.stay, admission_date=opens, discharge_date=opens + timedelta(days=4))
    lines = tuple(replace(line, start=opens, end=min(line.end - case.stay.admission_date + opens,
                                                     stay.discharge_date)) for line in case.lines)
    item = BilledStay(case.beneficiary, replace(stay, venue_number="981234568"), lines,
                      quote(case.contract, stay, lines), 2001)
    receipt = billing.send_lot("amo", amo_lot([item], case.establishment, 1, today))
    assert verdicts(receipt) == [(2001, "paid", [])]
