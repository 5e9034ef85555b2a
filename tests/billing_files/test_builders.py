"""Lots from priced stays: what the reference GAP will call."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from simulators.billing_files import b2_lot_from, dre_es_lot_from, read_lot, validate, write
from simulators.domain.quotes import LineQuote

from .samples import ADULT, HOSPITAL, billed_stays


def test_b2_lot_carries_the_stay_lines_and_the_three_parts():
    lot = b2_lot_from(billed_stays(), HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))
    first = lot.invoices[0]
    assert (first.invoice_number, first.nir, first.entry_number) == (1001, ADULT.nir, "V0000001")
    assert (first.last_name, first.first_name) == ("LEFEVRE-OEUVRAY", "HELENE")
    assert first.amc is None and first.stay.discharge_date == date(2026, 3, 5)
    assert [line.totals.balanced for line in first.lines] == [True, True, True]
    assert first.totals.total_cents == 269500 and lot.invoices[1].rang_beneficiaire == 2
    assert validate(write(lot)) == ()


def test_dre_es_lot_quotes_each_commitment_and_goes_to_one_amc():
    lot = dre_es_lot_from(billed_stays(), HOSPITAL, 8, created=date(2026, 3, 10))
    assert [i.amc.commitment_number for i in lot.invoices] == ["ENG-2026-000001", "ENG-2026-000002"]
    assert lot.recipient == "12345678" and read_lot(write(lot)) == lot


def test_dre_es_needs_the_commitment():
    stays = billed_stays()
    stays[1] = dataclasses.replace(stays[1], commitment_number=None)
    with pytest.raises(ValueError, match="invoice 1002: an AMC invoice needs the CLC commitment number"):
        dre_es_lot_from(stays, HOSPITAL, 8, created=date(2026, 3, 10))


def test_dre_es_refuses_a_lot_for_two_amcs():
    stays = billed_stays()
    other = dataclasses.replace(stays[1].attestation, numero_amc="87654321")
    stays[1] = dataclasses.replace(stays[1], attestation=other)
    with pytest.raises(ValueError, match="one AMC"):
        dre_es_lot_from(stays, HOSPITAL, 8, created=date(2026, 3, 10))


def test_parts_that_do_not_add_up_are_refused_before_any_file_is_written():
    stays = billed_stays()
    quote = stays[1].quote
    wrong = dataclasses.replace(quote, lines=(LineQuote(1, 3000, 3000, 2100, 899, 2),))
    stays[1] = dataclasses.replace(stays[1], quote=wrong)
    with pytest.raises(ValueError, match="invoice 1002 line 1: AMO 2100 \\+ AMC 899 \\+ patient 2 differ from the total 3000"):
        b2_lot_from(stays, HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))


def test_quote_and_lines_must_match():
    stays = billed_stays()
    stays[0] = dataclasses.replace(stays[0], lines=stays[0].lines[:2])
    with pytest.raises(ValueError, match="quote lines \\[1, 2, 3\\] do not match the billed lines \\[1, 2\\]"):
        b2_lot_from(stays, HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))
    stays = billed_stays()
    stays[0] = dataclasses.replace(stays[0], quote=dataclasses.replace(stays[0].quote, amc_cents=1))
    with pytest.raises(ValueError, match="quote totals"):
        b2_lot_from(stays, HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))


def test_identifiers_too_long_are_refused_not_cut():
    stays = billed_stays()
    stays[0] = dataclasses.replace(stays[0], stay=dataclasses.replace(stays[0].stay, venue_number="V000000000001"))
    with pytest.raises(ValueError, match="longer than 9"):
        b2_lot_from(stays, HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))


def test_long_names_are_cut_to_the_field():
    stays = billed_stays()
    long_name = dataclasses.replace(ADULT, last_name="de la Tour d'Auvergne-Lauraguais Montmorency")
    stays[0] = dataclasses.replace(stays[0], beneficiary=long_name)
    lot = b2_lot_from(stays, HOSPITAL, 7, recipient="011751234", created=date(2026, 3, 10))
    assert lot.invoices[0].last_name == "DE LA TOUR D'AUVERGNE-LAU"
