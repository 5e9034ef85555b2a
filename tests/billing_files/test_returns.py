"""Return files (NOEMIE-style from the AMO, RM-EH-style from the AMC): payments, rejects, totals."""
from __future__ import annotations

import dataclasses

import pytest

from simulators.billing_files import EncodeError, ProblemCode as P, patch_field, read_returns, validate, write

from .samples import sample_returns


@pytest.mark.parametrize("profile", ["bench-noemie-1", "bench-rmeh-1"])
def test_partial_reject_is_a_payment_and_a_line_reject(profile):
    returned = read_returns(write(sample_returns(profile)))
    assert [p.invoice_number for p in returned.payments] == [1001]
    assert [(r.invoice_number, r.line_number, r.reason) for r in returned.rejects] == [
        (1001, 3, "coverage.line_not_covered"), (1002, 0, "rights.closed")]
    assert returned.totals.paid_cents == 56000 and returned.totals.reject_count == 2


def test_reject_codes_are_the_profiles_own():
    noemie = write(sample_returns("bench-noemie-1")).split(b"\r\n")
    rmeh = write(sample_returns("bench-rmeh-1")).split(b"\r\n")
    assert noemie[2][33:37] == b"R08 " and rmeh[2][33:37] == b"C09 "


def test_amc_returns_quote_the_commitment_and_amo_ones_cannot():
    assert read_returns(write(sample_returns("bench-rmeh-1"))).payments[0].commitment_number == "ENG-2026-000001"
    noemie_with_commitment = dataclasses.replace(sample_returns("bench-noemie-1"),
                                                 entries=sample_returns("bench-rmeh-1").entries)
    with pytest.raises(EncodeError, match="commitment_number"):
        write(noemie_with_commitment)


def test_unknown_reason_key_cannot_be_written():
    lot = sample_returns("bench-noemie-1")
    reject = dataclasses.replace(lot.rejects[0], reason="commitment.unknown")  # an AMC reason, not an AMO one
    with pytest.raises(EncodeError, match="reason"):
        write(dataclasses.replace(lot, entries=(reject,)))


@pytest.mark.parametrize("field, position, code", [
    ("payment_count", 4, P.COUNT_MISMATCH), ("reject_count", 10, P.COUNT_MISMATCH),
    ("record_count", 16, P.COUNT_MISMATCH), ("paid_cents", 34, P.TOTALS_MISMATCH), ("billed_cents", 22, P.TOTALS_MISMATCH),
])
def test_totals_record_is_checked(field, position, code):
    data = write(sample_returns("bench-noemie-1"))
    last = data.count(b"\r\n")
    assert [(p.code, p.record_number, p.record_type, p.position, p.field) for p in validate(patch_field(data, last, field, 9))] == [
        (code, last, "990", position, field)]


def test_reject_record_checks():
    data = write(sample_returns("bench-rmeh-1"))
    assert [(p.code, p.record_number, p.field) for p in validate(patch_field(data, 3, "reason", raw="X01 "))] == [
        (P.BAD_ENUM, 3, "reason")]
    assert [(p.code, p.record_number, p.field) for p in validate(patch_field(data, 3, "nir_key", 0))] == [
        (P.NIR_KEY, 3, "nir_key")]
    assert [(p.code, p.record_number, p.field) for p in validate(patch_field(data, 2, "invoice_number", 0))] == [
        (P.INVOICE_NUMBER_ZERO, 2, "invoice_number")]
