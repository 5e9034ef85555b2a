from __future__ import annotations

import re

import pytest

from hardware_emulator.concert.codec import (
    ConcertAnswer, ConcertRequest, FrameError, Report, frame, lrc, unframe,
)


def test_request_test_vector_from_the_domain_notes():
    raw = frame("0100001250110978          A010B010")
    assert raw == b"\x020100001250110978          A010B010\x03\x01"
    assert len(raw) == 37


def test_short_answer_test_vector_from_the_domain_notes():
    assert frame("0100000125019780000000000")[-1] == 0x33
    assert len(frame("0100000125019780000000000")) == 28


def test_lrc_is_xor_of_body_and_etx():
    assert lrc(b"AB\x03") == 0x41 ^ 0x42 ^ 0x03


def test_unframe_rejects_bad_lrc_and_missing_etx():
    good = frame("0100001250110978          A010B010")
    with pytest.raises(FrameError, match="bad LRC: expected 01, received fe"):
        unframe(good[:-1] + b"\xfe")
    with pytest.raises(FrameError, match="not a STX"):
        unframe(good[:-2] + good[-1:])


def test_request_round_trip():
    request = ConcertRequest.parse("0100001250110978          A010B010")
    assert request == ConcertRequest("01", 1250, "1", "1", "0", "978", " " * 10, "A010", "B010")
    assert request.encode() == "0100001250110978          A010B010"


@pytest.mark.parametrize("body, message", [
    ("0100001250110978          A010B01", "expected 34 characters, received 33"),
    ("0100001X50110978          A010B010", "amount (offset 2) must be 8 digits"),
    ("0100001250210978          A010B010", "answer flag (offset 10) must be 0 or 1"),
    ("0100001250110978          A012B010", "delay (offset 26) must be A010 or A011"),
    ("0100001250110978          A010C010", "authorisation (offset 30) must be B010 or B011"),
    ("X100001250110978          A010B010", "POS number"),
])
def test_request_field_errors_name_the_field(body, message):
    with pytest.raises(FrameError, match=re.escape(message)):
        ConcertRequest.parse(body)


def test_answers_are_28_and_83_bytes():
    short = ConcertAnswer("01", "0", 1250, "1", "978", "0000000001")
    long = ConcertAnswer("01", "0", 1250, "1", "978", "0000000001", Report("497010******9435", "2812", "00").encode())
    assert len(frame(short.encode())) == 28
    assert len(frame(long.encode())) == 83
    assert ConcertAnswer.parse(long.encode()) == long
    assert ConcertAnswer.parse(short.encode()) == short


def test_report_layout():
    report = Report("497010******9435", "2812", "00", "123456", "T" + "AB2" * 7 + "CD").encode()
    assert len(report) == 55
    assert report.startswith("2812497010******9435   00123456")
    assert Report.parse(report) == Report("497010******9435", "2812", "00", "123456", "T" + "AB2" * 7 + "CD")
