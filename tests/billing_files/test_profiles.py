"""Layout files: loaded and checked, with errors naming the file, the key and why."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from simulators.billing_files import LayoutError, get_profile, profile_ids
from simulators.billing_files.layout import BadValue, DateFormat, FieldKind, FieldSpec
from simulators.billing_files.problems import ProblemCode
from simulators.billing_files.profiles import LAYOUTS, load_profile
from simulators.domain import BirthDate


def test_every_profile_ships_and_loads():
    assert profile_ids() == ("bench-arl-1", "bench-b2-1", "bench-dre-es-1", "bench-noemie-1", "bench-rmeh-1")
    assert {get_profile(p).family for p in profile_ids()} == {"invoice", "ack", "return"}


def test_b2_keeps_the_public_column_hints():
    invoice = get_profile("bench-b2-1").record("invoice")
    starts = {spec.name: spec.start for spec in invoice.fields}
    assert (starts["nir"], starts["nir_key"], starts["rang_beneficiaire"], starts["invoice_number"],
            starts["entry_number"]) == (12, 25, 27, 30, 40)
    assert get_profile("bench-b2-1").record("stay").field("admission_date").start == 44


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(KeyError, match="bench-b2-1"):
        get_profile("official-b2")


def _broken(tmp_path, edit):
    raw = yaml.safe_load((LAYOUTS / "bench-b2-1.yaml").read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["records"]["invoice"]["fields"][1].update(start=11), "records.invoice.nir: columns 11-23 overlap invoice_sequence"),
    (lambda r: r["records"]["invoice"]["fields"][8].update(length=30), "records.invoice.first_name: columns 82-96 overlap last_name"),
    (lambda r: r["records"]["line"]["fields"][13].update(start=120), "records.line.patient_cents: columns 120-129 fall outside 1-128"),
    (lambda r: r["records"]["stay"]["fields"][1].update(kind="float"), "kind: 'float' is not one of"),
    (lambda r: r["records"]["stay"]["fields"][1].update(length=8), "a YYMMDD date is 6 characters, not 8"),
    (lambda r: r["records"]["stay"]["fields"][3].pop("values"), "an enum needs values"),
    (lambda r: r["records"]["stay"].update(code="0000"), "records.stay.code: '0000' is longer than the record type field"),
    (lambda r: r["records"]["stay"].update(code="2"), "records.stay.code: '2' already used by invoice"),
    (lambda r: r.update(separator="CR"), "separator: 'CR' is not one of"),
    (lambda r: r["signature"].update(field="lot_number"), "the signature field must be alpha, 64 characters"),
    (lambda r: r.pop("records"), "records: missing"),
])
def test_layout_errors_say_which_key_and_why(tmp_path, edit, message):
    with pytest.raises(LayoutError, match="broken.yaml: .*" + message.replace("(", "\\(").replace(")", "\\)")):
        load_profile(_broken(tmp_path, edit))


def spec(kind, length, **extra):
    return FieldSpec("f", 1, length, kind, **extra)


@pytest.mark.parametrize("field, value, text", [
    (spec(FieldKind.NUMERIC, 5), 42, "00042"),
    (spec(FieldKind.AMOUNT, 6), 123456, "123456"),
    (spec(FieldKind.ALPHA, 6), "AB C", "AB C  "),
    (spec(FieldKind.DATE, 6, date_format=DateFormat.YYMMDD), date(2026, 3, 2), "260302"),
    (spec(FieldKind.DATE, 8), date(1999, 12, 31), "19991231"),
    (spec(FieldKind.BIRTHDATE, 8), BirthDate(1950, 0, 0), "19500000"),
    (spec(FieldKind.ENUM, 1, values=(("O", True), ("N", False))), False, "N"),
    (spec(FieldKind.NUMERIC, 3, mandatory=False), None, "   "),
])
def test_each_kind_writes_and_reads_back(field, value, text):
    assert field.encode(value) == text
    assert field.decode(text) == value


@pytest.mark.parametrize("field, value, message", [
    (spec(FieldKind.NUMERIC, 2), 100, "does not fit in 2 digits"),
    (spec(FieldKind.AMOUNT, 5), -1, "negative values are not allowed"),
    (spec(FieldKind.NUMERIC, 2), True, "expected an integer"),
    (spec(FieldKind.ALPHA, 6), "Dupont", "not upper case"),
    (spec(FieldKind.ALPHA, 6), "DUPONÉ", "not printable ASCII"),
    (spec(FieldKind.ALPHA, 6), "AB ", "leading/trailing spaces"),
    (spec(FieldKind.ALPHA, 2), "ABC", "longer than 2"),
    (spec(FieldKind.DATE, 6, date_format=DateFormat.YYMMDD), date(1999, 1, 1), "outside the YYMMDD window"),
    (spec(FieldKind.ENUM, 1, values=(("O", True),)), "O", "is not one of"),
    (spec(FieldKind.NUMERIC, 2), None, "mandatory field has no value"),
])
def test_the_writer_refuses_values_that_would_not_read_back(field, value, message):
    with pytest.raises(ValueError, match=message):
        field.encode(value)


@pytest.mark.parametrize("field, text, code", [
    (spec(FieldKind.NUMERIC, 3), "1 2", ProblemCode.NON_NUMERIC),
    (spec(FieldKind.NUMERIC, 3), "12\xb2", ProblemCode.NON_NUMERIC),  # '²' is a digit to str.isdigit, not to us
    (spec(FieldKind.DATE, 8), "20260230", ProblemCode.BAD_DATE),
    (spec(FieldKind.BIRTHDATE, 8), "19501300", ProblemCode.BAD_DATE),
    (spec(FieldKind.ALPHA, 3), " AB", ProblemCode.BAD_ALPHA),
    (spec(FieldKind.ALPHA, 3), "   ", ProblemCode.MISSING_VALUE),
])
def test_the_reader_names_the_problem(field, text, code):
    with pytest.raises(BadValue) as caught:
        field.decode(text)
    assert caught.value.code is code
