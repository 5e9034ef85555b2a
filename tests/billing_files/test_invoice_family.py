"""The invoice-lot validator (bench-b2-1, bench-dre-es-1): every kind of problem, at its record, column and field."""
from __future__ import annotations

import dataclasses

import pytest

from simulators.billing_files import EncodeError, ProblemCode as P, patch_field, read_lot, resign, validate, write

from .samples import record_number, sample_b2_lot, sample_dre_es_lot


def where(problems):
    return [(p.code, p.record_number, p.record_type, p.position, p.field) for p in problems]


@pytest.fixture
def data():
    return write(sample_b2_lot())


def lines(data: bytes) -> list[bytes]:
    return data.split(b"\r\n")[:-1]


def rejoin(records: list[bytes]) -> bytes:
    """Records edited by hand, joined and signed again so that only the edit is at fault."""
    return resign(b"".join(record + b"\r\n" for record in records), "bench-b2-1")


def test_a_good_lot_has_no_problem(data):
    assert validate(data) == ()


def test_empty_file():
    assert where(validate(b"", "bench-b2-1")) == [(P.EMPTY, None, None, None, None)]


def test_file_cut_inside_a_record(data):
    cut = data[:-50]
    last = data.count(b"\r\n")
    assert where(validate(cut)) == [(P.TRUNCATED, last, "999", 81, None)]
    assert "80 of 128 characters" in validate(cut)[0].reason


def test_file_cut_between_records_misses_its_trailer(data):
    records = lines(data)[:-1]
    assert where(validate(rejoin(records))) == [(P.TRUNCATED, len(records), "4", None, None)]
    assert "expected invoice or line or lot_trailer" in validate(rejoin(records))[0].reason


def test_last_record_without_separator(data):
    assert where(validate(data[:-2])) == [(P.BAD_SEPARATOR, data.count(b"\r\n"), "999", 129, None)]


def test_lf_alone_as_separator_is_reported_once(data):
    problems = validate(data.replace(b"\r\n", b"\n"))
    assert where(problems) == [(P.BAD_SEPARATOR, 1, None, None, None)]
    assert "and 9 more records" in problems[0].reason


def test_wrong_record_length(data):
    records = lines(data)
    records[2] = records[2] + b" "
    assert where(validate(rejoin(records))) == [(P.RECORD_LENGTH, 3, "3", 129, None)]


def test_unknown_record_type(data):
    patched = patch_field(data, 3, "record_type", raw="7  ")
    problems = validate(patched)
    assert where(problems) == [(P.UNKNOWN_RECORD_TYPE, 3, "7", 1, "record_type")]
    assert "'000', '2', '3', '4', '999'" in problems[0].reason


def test_record_out_of_order(data):
    records = lines(data)
    records[2], records[3] = records[3], records[2]  # a line before the stay
    assert (P.UNEXPECTED_RECORD, 4, "3", 1, "record_type") in where(validate(rejoin(records)))


def test_latin1_byte_in_a_name_is_located_exactly(data):
    records = lines(data)
    records[1] = records[1][:60] + b"\xe9" + records[1][61:]
    assert where(validate(rejoin(records))) == [(P.NON_ASCII, 2, "2", 61, "last_name")]


def test_utf8_accent_also_breaks_the_record_length(data):
    records = lines(data)
    records[1] = records[1][:60] + "é".encode() + records[1][61:]
    assert where(validate(rejoin(records))) == [(P.NON_ASCII, 2, "2", 61, "last_name"),
                                                (P.RECORD_LENGTH, 2, "2", 129, None)]


def test_non_numeric_in_a_numeric_field(data):
    patched = patch_field(data, 2, "invoice_number", raw="0000010A1")
    assert where(validate(patched)) == [(P.NON_NUMERIC, 2, "2", 30, "invoice_number")]


@pytest.mark.parametrize("field, raw, code", [
    ("admission_date", "261332", P.BAD_DATE),
    ("domaine", "XYZ", P.BAD_ENUM),
    ("mode_traitement", "  ", P.MISSING_VALUE),
    ("dmt", "1a1", P.BAD_ALPHA),
])
def test_bad_field_values_are_named(data, field, raw, code):
    patched = patch_field(data, 3, field, raw=raw)
    spec_start = {"admission_date": 44, "domaine": 56, "mode_traitement": 59, "dmt": 61}[field]
    assert where(validate(patched)) == [(code, 3, "3", spec_start, field)]


def test_filler_must_stay_blank(data):
    records = lines(data)
    records[1] = records[1][:119] + b"X" + records[1][120:]
    assert where(validate(rejoin(records))) == [(P.BAD_FILLER, 2, "2", 120, None)]


def test_totals_mismatch(data):
    trailer = data.count(b"\r\n")
    patched = patch_field(data, trailer, "amo_cents", 1)
    problems = validate(patched)
    assert where(problems) == [(P.TOTALS_MISMATCH, trailer, "999", 29, "amo_cents")]
    assert problems[0].reason == "expected 202100 (sum of line amo_cents), received 1"


@pytest.mark.parametrize("field, position", [("invoice_count", 7), ("record_count", 12)])
def test_counts_mismatch(data, field, position):
    trailer = data.count(b"\r\n")
    assert where(validate(patch_field(data, trailer, field, 99))) == [(P.COUNT_MISMATCH, trailer, "999", position, field)]


def test_bad_signature(data):
    tampered = patch_field(data, 1, "created", raw="260311", resign=False)
    trailer = data.count(b"\r\n")
    assert where(validate(tampered)) == [(P.BAD_SIGNATURE, trailer, "999", 62, "signature")]


def test_lot_number_differs_between_header_and_trailer(data):
    trailer = data.count(b"\r\n")
    assert where(validate(patch_field(data, trailer, "lot_number", 8))) == [
        (P.LOT_NUMBER_MISMATCH, trailer, "999", 4, "lot_number")]


def test_invoice_number_zero(data):
    assert where(validate(patch_field(data, 2, "invoice_number", 0))) == [(P.INVOICE_NUMBER_ZERO, 2, "2", 30, "invoice_number")]


def test_duplicate_invoice_number_points_at_the_repeat(data):
    second = record_number(data, "2", 2)
    problems = validate(patch_field(data, second, "invoice_number", 1001))
    assert where(problems) == [(P.DUPLICATE_INVOICE_NUMBER, second, "2", 30, "invoice_number")]
    assert "already used in record 2" in problems[0].reason


def test_nir_key_wrong(data):
    problems = validate(patch_field(data, 2, "nir_key", 12))
    assert where(problems) == [(P.NIR_KEY, 2, "2", 25, "nir_key")]
    assert problems[0].reason == "expected key 73 for 1850575123456, received 12"


def test_corsican_nir_key_is_checked_with_19_for_2a(data):
    second = record_number(data, "2", 2)
    assert validate(data) == ()  # the twin's NIR is 2A, its key computed with 19
    assert where(validate(patch_field(data, second, "nir_key", 1)))[0][:2] == (P.NIR_KEY, second)


def test_malformed_nir(data):
    assert where(validate(patch_field(data, 2, "nir", raw="9850575123456"))) == [(P.NIR_INVALID, 2, "2", 12, "nir")]


def test_finess_check_digit(data):
    assert where(validate(patch_field(data, 1, "finess_juridique", raw="750000011"))) == [
        (P.FINESS_INVALID, 1, "000", 18, "finess_juridique")]


def test_invoice_sequence(data):
    assert where(validate(patch_field(data, 3, "invoice_sequence", 2))) == [(P.BAD_SEQUENCE, 3, "3", 4, "invoice_sequence")]


def test_parts_not_adding_up_to_the_total(data):
    line = record_number(data, "4")
    trailer = data.count(b"\r\n")
    problems = validate(patch_field(data, line, "patient_cents", 5))
    assert where(problems) == [(P.PARTS_MISMATCH, line, "4", 63, "total_cents"),
                               (P.TOTALS_MISMATCH, trailer, "999", 51, "patient_cents")]
    assert problems[0].reason == "expected 250005 (AMO 200000 + AMC 50000 + patient 5), received 250000"


def test_a_dre_es_lot_checked_as_b2_is_another_profile():
    problems = validate(write(sample_dre_es_lot()), "bench-b2-1")
    assert where(problems) == [(P.WRONG_PROFILE, 1, "000", 4, "profile_id")]
    assert problems[0].reason == "expected BENCH-B2-1, received 'BENCH-DRE-ES-1'"


def test_a_lot_without_header_is_out_of_sequence(data):
    problems = validate(rejoin(lines(data)[1:]), "bench-b2-1")
    assert (P.UNEXPECTED_RECORD, 1, "2", 1, "record_type") in where(problems)


def test_problems_come_in_record_order(data):
    trailer = data.count(b"\r\n")
    patched = patch_field(patch_field(data, trailer, "invoice_count", 9), 2, "invoice_number", 0)
    assert [p.record_number for p in validate(patched)] == [2, trailer]


def test_dre_es_lot_quotes_the_commitment_and_the_amc(dre_es_lot):
    assert read_lot(write(dre_es_lot)).invoices[0].amc.commitment_number == "ENG-2026-000001"
    assert dre_es_lot.recipient == "12345678"
    blank = patch_field(write(dre_es_lot), 2, "commitment_number", raw=" " * 20)
    assert where(validate(blank)) == [(P.MISSING_VALUE, 2, "D2", 97, "commitment_number")]


def test_the_writer_refuses_what_the_profile_cannot_carry(b2_lot, dre_es_lot):
    amc_invoice_in_b2 = b2_lot.__class__(**{**_fields(b2_lot), "invoices": dre_es_lot.invoices})
    with pytest.raises(EncodeError, match="no field for .*commitment_number"):
        write(amc_invoice_in_b2)
    amo_invoice_in_dre = dre_es_lot.__class__(**{**_fields(dre_es_lot), "invoices": b2_lot.invoices})
    with pytest.raises(EncodeError, match="commitment_number: mandatory field has no value"):
        write(amo_invoice_in_dre)


def _fields(lot):
    return {name: getattr(lot, name) for name in lot.__dataclass_fields__}


def test_lot_totals_balance_to_the_cent(b2_lot):
    totals = b2_lot.totals
    assert totals.balanced and totals.total_cents == 272500
    assert (totals.amo_cents, totals.amc_cents, totals.patient_cents) == (202100, 65899, 4501)


def test_the_stay_is_the_domain_stay_and_its_venue_is_the_entry_number(b2_lot):
    invoice = b2_lot.invoices[0]
    assert invoice.stay.venue_number == invoice.entry_number == "V0000001"
    moved = dataclasses.replace(invoice, stay=dataclasses.replace(invoice.stay, venue_number="V9"))
    with pytest.raises(EncodeError, match="stay venue 'V9' is not the entry number 'V0000001'"):
        write(dataclasses.replace(b2_lot, invoices=(moved,)))
