"""Round trip and golden files for every profile, and the generic entry points (parse, read, write, patch_field)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulators.billing_files import (
    InvalidFile, ProblemCode, detect_profile, parse, patch_field, read, read_ack, read_lot, read_returns, validate,
    write,
)

from .samples import SAMPLES, record_number, sample_b2_lot

GOLDEN = Path(__file__).with_name("golden")


@pytest.mark.parametrize("profile", sorted(SAMPLES))
def test_write_then_read_gives_the_same_value(profile):
    value = SAMPLES[profile]()
    data = write(value)
    assert validate(data) == ()
    assert read(data) == value


@pytest.mark.parametrize("profile", sorted(SAMPLES))
def test_golden_file_bytes_are_stable(profile):
    """Set SIMPHONIE_REGEN_GOLDEN=1 to rewrite the golden files after a deliberate layout change."""
    path = GOLDEN / f"{profile}.txt"
    data = write(SAMPLES[profile]())
    if os.environ.get("SIMPHONIE_REGEN_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes()
    assert write(read(path.read_bytes())) == data


@pytest.mark.parametrize("profile", sorted(SAMPLES))
def test_records_are_ascii_fixed_length_and_crlf_terminated(profile):
    data = write(SAMPLES[profile]())
    assert data.isascii() and data.endswith(b"\r\n")
    lengths = {len(record) for record in data.split(b"\r\n")[:-1]}
    assert lengths == {128} or lengths == {160}


@pytest.mark.parametrize("profile", sorted(SAMPLES))
def test_the_header_says_which_profile_a_file_is(profile):
    assert detect_profile(write(SAMPLES[profile]())).id == profile


def test_typed_readers_refuse_another_family():
    lot_file = write(sample_b2_lot())
    assert read_lot(lot_file) == sample_b2_lot()
    with pytest.raises(InvalidFile) as caught:
        read_returns(lot_file)
    assert caught.value.problems[0].code is ProblemCode.WRONG_PROFILE
    with pytest.raises(InvalidFile):
        read_ack(lot_file)


def test_read_raises_with_every_problem_and_parse_never_raises():
    data = patch_field(write(sample_b2_lot()), 2, "nir_key", 1)
    data = patch_field(data, record_number(data, "2", 2), "invoice_number", 0)
    with pytest.raises(InvalidFile) as caught:
        read_lot(data)
    codes = [p.code for p in caught.value.problems]
    assert codes == [ProblemCode.NIR_KEY, ProblemCode.INVOICE_NUMBER_ZERO]
    assert "record 2 (type 2) col 25 nir_key" in str(caught.value)
    parsed = parse(data)
    assert parsed.value is not None and not parsed.ok and parsed.header["lot_number"] == 7


def test_a_file_naming_no_known_profile_is_refused_at_its_header():
    problems = validate(b"000SOMETHING-ELSE\r\n")
    assert [(p.code, p.record_number, p.field) for p in problems] == [(ProblemCode.WRONG_PROFILE, 1, "profile_id")]


def test_patch_field_resigns_unless_told_not_to():
    data = write(sample_b2_lot())
    trailer = data.count(b"\r\n")
    resigned = patch_field(data, trailer, "amo_cents", 1)
    assert [p.code for p in validate(resigned)] == [ProblemCode.TOTALS_MISMATCH]
    unsigned = patch_field(data, trailer, "amo_cents", 1, resign=False)
    assert [p.code for p in validate(unsigned)] == [ProblemCode.TOTALS_MISMATCH, ProblemCode.BAD_SIGNATURE]


def test_patch_field_raw_text_must_fit_the_field():
    with pytest.raises(ValueError, match="must be 9 characters"):
        patch_field(write(sample_b2_lot()), 2, "invoice_number", raw="12")
