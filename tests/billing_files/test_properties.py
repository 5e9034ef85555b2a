"""Properties: amounts and names survive a round trip; any damage to a lot is caught, never a traceback."""
from __future__ import annotations

import dataclasses
import string
from datetime import date

import pytest
from hypothesis import assume, given, settings, strategies as st

from simulators.billing_files import EncodeError, ack_for, file_text, parse, read_ack, read_lot, validate, write

from .samples import SAMPLES, sample_b2_lot, sample_dre_es_lot

UPPER_ASCII = "".join(c for c in map(chr, range(0x20, 0x7F)) if c not in string.ascii_lowercase)
FAST = settings(max_examples=150, deadline=None)


def upper_ascii(max_size: int):
    return st.text(UPPER_ASCII, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def with_first_line(lot, **changes):
    invoice = lot.invoices[0]
    line = dataclasses.replace(invoice.lines[0], **changes)
    invoice = dataclasses.replace(invoice, lines=(line,) + invoice.lines[1:])
    return dataclasses.replace(lot, invoices=(invoice,) + lot.invoices[1:])


def with_names(lot, last_name, first_name):
    invoice = dataclasses.replace(lot.invoices[0], last_name=last_name, first_name=first_name)
    return dataclasses.replace(lot, invoices=(invoice,) + lot.invoices[1:])


parts = st.integers(0, 3 * 10 ** 9 - 1)


@FAST
@given(amo=parts, amc=parts, patient=parts, unit=st.integers(0, 10 ** 9 - 1), base=st.integers(0, 10 ** 9 - 1),
       quantity=st.integers(0, 9999), rate=st.integers(0, 100), dre_es=st.booleans())
def test_amounts_round_trip_to_the_cent(amo, amc, patient, unit, base, quantity, rate, dre_es):
    lot = with_first_line(sample_dre_es_lot() if dre_es else sample_b2_lot(), total_cents=amo + amc + patient,
                          amo_cents=amo, amc_cents=amc, patient_cents=patient, unit_price_cents=unit, base_cents=base,
                          quantity=quantity, amo_rate_pct=rate)
    data = write(lot)
    assert validate(data) == ()
    assert read_lot(data) == lot
    assert read_lot(data).totals.balanced


@FAST
@given(last_name=upper_ascii(25), first_name=upper_ascii(15))
def test_ascii_names_round_trip(last_name, first_name):
    lot = with_names(sample_b2_lot(), last_name, first_name)
    assert read_lot(write(lot)) == lot


@FAST
@given(name=st.text(max_size=40))
def test_any_name_is_transliterated_or_refused(name):
    try:
        spelled = file_text(name, 25)
    except ValueError:
        return
    assert spelled == "" or (spelled.isascii() and spelled == spelled.upper() and len(spelled) <= 25)
    if spelled:
        lot = with_names(sample_b2_lot(), spelled, "X")
        assert read_lot(write(lot)) == lot


@FAST
@given(name=st.text(min_size=1, max_size=20).filter(lambda s: not s.isascii()))
def test_the_writer_refuses_non_ascii_names(name):
    with pytest.raises(EncodeError, match="last_name"):
        write(with_names(sample_b2_lot(), name, "X"))


GOOD = write(sample_b2_lot())


@FAST
@given(index=st.integers(0, len(GOOD) - 1), byte=st.integers(0, 255))
def test_any_changed_byte_is_caught(index, byte):
    damaged = GOOD[:index] + bytes([byte]) + GOOD[index + 1:]
    assume(damaged != GOOD)
    parsed = parse(damaged, "bench-b2-1")
    assert parsed.problems, f"byte {index} set to {byte:#x} went unnoticed"


@FAST
@given(cut=st.integers(0, len(GOOD) - 1))
def test_any_truncation_is_caught(cut):
    assert parse(GOOD[:cut], "bench-b2-1").problems


@FAST
@given(data=st.binary(max_size=600), profile=st.sampled_from(sorted(SAMPLES)))
def test_any_bytes_get_problems_and_a_writable_arl(data, profile):
    parsed = parse(data, profile)
    assert parsed.problems or parsed.value is not None
    ack = ack_for(data, sender="011751234", received=date(2026, 3, 11), profile=profile)
    assert read_ack(write(ack)) == ack


@FAST
@given(record=st.integers(0, 9), junk=st.binary(min_size=1, max_size=200), profile=st.sampled_from(sorted(SAMPLES)))
def test_a_record_replaced_by_junk_is_caught_and_acknowledged(record, junk, profile):
    lines = write(SAMPLES[profile]()).split(b"\r\n")
    assume(record < len(lines) - 1 and lines[record] != junk)
    lines[record] = junk
    damaged = b"\r\n".join(lines)
    assert parse(damaged, profile).problems
    ack = ack_for(damaged, sender="011751234", received=date(2026, 3, 11), profile=profile)
    assert not ack.accepted and read_ack(write(ack)) == ack
