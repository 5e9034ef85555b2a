"""ARLs: positive for a good lot, negative with every problem located, readable back by the hospital side."""
from __future__ import annotations

import hashlib
from datetime import date

from simulators.billing_files import (
    Problem, ProblemCode as P, ack_for, patch_field, read_ack, validate, write,
)

from .samples import HOSPITAL, record_number, sample_ack, sample_b2_lot, sample_dre_es_lot

RECEIVED = date(2026, 3, 11)


def test_a_good_lot_gets_a_positive_arl_quoting_it():
    data = write(sample_b2_lot())
    ack = ack_for(data, sender="011751234", received=RECEIVED)
    assert ack.accepted and ack.problems == ()
    assert (ack.lot_profile, ack.lot_number, ack.recipient) == ("BENCH-B2-1", 7, str(HOSPITAL.finess_juridique))
    assert ack.lot_digest == hashlib.sha256(data).hexdigest().upper()
    assert read_ack(write(ack)) == ack


def test_a_bad_lot_gets_a_negative_arl_with_the_record_and_field():
    data = write(sample_dre_es_lot())
    second = record_number(data, "D2", 2)
    data = patch_field(data, second, "invoice_number", 1001)
    ack = read_ack(write(ack_for(data, sender="12345678", received=RECEIVED)))
    assert not ack.accepted
    assert [(p.code, p.record_number, p.record_type, p.position, p.field) for p in ack.problems] == [
        (P.DUPLICATE_INVOICE_NUMBER, second, "D2", 30, "invoice_number")]
    assert ack.problems[0].reason == "1001 ALREADY USED IN RECORD 2"


def test_an_unreadable_file_still_gets_an_arl():
    ack = ack_for(b"\xff\xfe garbage", sender="011751234", received=RECEIVED, profile="bench-b2-1")
    assert not ack.accepted and ack.lot_number is None and ack.recipient is None
    assert read_ack(write(ack)) == ack


def test_a_file_of_another_norm_gets_one_reason():
    ack = ack_for(write(sample_dre_es_lot()), sender="011751234", received=RECEIVED, profile="bench-b2-1")
    assert [p.code for p in ack.problems] == [P.WRONG_PROFILE]


def test_the_receiver_adds_its_own_findings():
    duplicate = Problem(P.DUPLICATE_LOT, "lot 7 already received on 2026-03-10")
    ack = ack_for(write(sample_b2_lot()), sender="011751234", received=RECEIVED, extra_problems=[duplicate])
    assert not ack.accepted
    assert read_ack(write(ack)).problems == (Problem(P.DUPLICATE_LOT, "LOT 7 ALREADY RECEIVED ON 2026-03-10"),)


def test_reasons_and_positions_are_fitted_to_the_arl():
    lines = write(sample_b2_lot()).split(b"\r\n")
    huge = b"".join(lines) + "é".encode()  # one endless record, no separator
    ack = ack_for(huge, sender="011751234", received=RECEIVED, profile="bench-b2-1")
    assert read_ack(write(ack)) == ack
    assert all(p.position is None or p.position < 1000 for p in ack.problems)


def test_arl_validator_checks_status_and_counts():
    negative = write(sample_ack(accepted=False))
    said_positive = patch_field(negative, 1, "accepted", True)
    assert [(p.code, p.field) for p in validate(said_positive)] == [(P.STATUS_MISMATCH, "accepted")]
    trailer = negative.count(b"\r\n")
    assert [(p.code, p.record_number, p.field) for p in validate(patch_field(negative, trailer, "detail_count", 5))] == [
        (P.COUNT_MISMATCH, trailer, "detail_count")]


def test_arl_problem_codes_come_from_the_profile():
    data = write(sample_ack(accepted=False))
    assert data.split(b"\r\n")[1][35:38] == b"A30"
    assert [(p.code, p.field) for p in validate(patch_field(data, 2, "problem", raw="Z99"))] == [(P.BAD_ENUM, "problem")]
