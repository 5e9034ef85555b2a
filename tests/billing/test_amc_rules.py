"""The AMC intake's rules, each refusing the right invoice with the right key, on real CLC commitments."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from simulators.billing_files import patch_field
from simulators.roc.messages import CancelRequest

from .conftest import amc_lot, billed, priced


def commitments(server, session) -> dict[str, str]:
    listed = requests.get(f"{server.url}/_bench/sessions/{session}/commitments", timeout=5).json()
    return {c["number"]: c["status"] for c in listed}


def verdicts(receipt) -> list[tuple[int, str, list[str]]]:
    return [(i["invoice_number"], i["status"], [r["key"] for r in i["rejections"]]) for i in receipt["invoices"]]


@pytest.fixture
def stay(roc, cdri, dataset):
    return priced(roc, cdri, dataset.persona("rights-open"))


def test_a_matching_invoice_is_paid_and_its_commitment_invoiced(server, session, billing, stay, today):
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, today))
    assert verdicts(receipt) == [(1001, "paid", [])]
    assert receipt["invoices"][0]["paid_cents"] == stay.quote.amc_cents
    assert receipt["invoices"][0]["commitment_number"] == stay.commitment_number
    assert commitments(server, session)[stay.commitment_number] == "invoiced"


def test_unknown_commitment(billing, stay, today):
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1001, commitment_number="ENGNOTISSUED")],
                                              stay.establishment, 1, today))
    assert verdicts(receipt) == [(1001, "rejected", ["commitment.unknown"])]


def test_cancelled_commitment(roc, billing, stay, today):
    header = replace(roc.header(), finess_juridique=str(stay.establishment.finess_juridique),
                     finess_geographique=str(stay.establishment.finess_geographique))
    roc.cancel(stay.cancel_url, CancelRequest(header, stay.commitment_number, "stay changed"))
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, today))
    assert verdicts(receipt) == [(1001, "rejected", ["commitment.already_cancelled"])]


def test_commitment_invoiced_twice(billing, stay, today):
    billing.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, today))
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1002)], stay.establishment, 2, today))
    assert verdicts(receipt) == [(1002, "rejected", ["commitment.already_invoiced"])]


def test_amounts_differing_from_the_clc_leave_the_commitment_active(server, session, billing, stay, today):
    first = stay.quote.lines[0]
    moved = replace(first, amc_cents=first.amc_cents - 100, patient_cents=first.patient_cents + 100)
    quote = replace(stay.quote, lines=(moved,) + stay.quote.lines[1:], amc_cents=stay.quote.amc_cents - 100,
                    patient_cents=stay.quote.patient_cents + 100)
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1001, quote=quote)], stay.establishment, 1, today))
    assert verdicts(receipt) == [(1001, "rejected", ["amounts.incoherent"])]
    assert "line 1 amc_cents: expected" in receipt["invoices"][0]["rejections"][0]["detail"]
    assert commitments(server, session)[stay.commitment_number] == "active"
    corrected = billing.send_lot("amc", amc_lot([billed(stay, 1002)], stay.establishment, 2, today))
    assert verdicts(corrected) == [(1002, "paid", [])]


def test_dates_differing_from_the_clc(billing, stay, today):
    later = replace(stay, stay=replace(stay.stay, discharge_date=stay.stay.discharge_date + timedelta(days=1)))
    receipt = billing.send_lot("amc", amc_lot([billed(later, 1001)], stay.establishment, 1, today))
    assert verdicts(receipt) == [(1001, "rejected", ["dates.incoherent"])]


def test_invoice_after_the_commitment_expired(billing, stay):
    too_late = stay.stay.discharge_date + timedelta(days=91)
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, too_late))
    assert verdicts(receipt) == [(1001, "rejected", ["dates.incoherent"])]


def test_another_establishments_commitment(billing, stay, dataset, today):
    elsewhere = dataset.establishment("ch")
    receipt = billing.send_lot("amc", amc_lot([billed(stay, 1001)], elsewhere, 1, today))
    assert verdicts(receipt) == [(1001, "rejected", ["commitment.unknown"])]
    assert "FINESS" in receipt["invoices"][0]["rejections"][0]["detail"]


def test_duplicate_invoice_number_across_lots(server, session, roc, cdri, billing, stay, dataset, today):
    other = priced(roc, cdri, dataset.persona("chambre-particuliere-flat"))
    billing.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, today))
    receipt = billing.send_lot("amc", amc_lot([billed(other, 1001)], other.establishment, 2, today))
    assert verdicts(receipt) == [(1001, "rejected", ["invoice.duplicate_number"])]
    assert commitments(server, session)[other.commitment_number] == "active"


def test_lot_totals_wrong_get_a_negative_arl(billing, stay, today):
    data = amc_lot([billed(stay, 1001)], stay.establishment, 1, today)
    trailer = len(data.split(b"\r\n")) - 1
    receipt = billing.send_lot("amc", patch_field(data, trailer, "amc_cents", stay.quote.amc_cents + 1))
    assert not receipt["accepted"]
    assert [(p["code"], p["record_number"], p["field"]) for p in receipt["problems"]] == [
        ("lot.totals_mismatch", trailer, "amc_cents")]


def test_a_lot_mixing_good_and_bad_invoices(roc, cdri, billing, stay, dataset, today):
    other = priced(roc, cdri, dataset.persona("chambre-particuliere-flat"))
    broken = billed(other, 1002, commitment_number="ENGNOTISSUED")
    assert other.attestation.numero_amc != stay.attestation.numero_amc  # one lot per AMC: two lots
    first = billing.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, today))
    second = billing.send_lot("amc", amc_lot([broken], other.establishment, 2, today))
    assert verdicts(first) + verdicts(second) == [(1001, "paid", []), (1002, "rejected", ["commitment.unknown"])]
