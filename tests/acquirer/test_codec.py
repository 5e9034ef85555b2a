"""Decoding never raises anything but MessageFormatError; the journal text never holds card data."""
from __future__ import annotations

import pytest
from iso8583.specs import default_ascii

from simulators.acquirer import codec, sandbox_pan

PAN = sandbox_pan("0051")


def test_decode_round_trip_and_bitmap_computed():
    fields = {"t": "0100", "2": PAN, "4": "000000001000", "11": "000001"}
    decoded = codec.decode(codec.encode(fields, default_ascii), default_ascii)
    assert decoded == {**fields, "p": "5020000000000000"}


@pytest.mark.parametrize(("data", "partial_mti"), [
    (b"01", {}),  # too short for an MTI
    (b"0100ZZ00000000000000", {"t": "0100"}),  # non-hex bitmap
    (b"0800" + (b"8" + b"0" * 15) * 3, {"t": "0800"}),  # a tertiary bitmap announcing DE129
])
def test_decode_failures_are_message_format_errors(data, partial_mti):
    with pytest.raises(codec.MessageFormatError) as error:
        codec.decode(data, default_ascii)
    assert {k: v for k, v in error.value.partial.items() if k == "t"} == partial_mti


def test_render_masks_the_pan_and_withholds_sensitive_data():
    text = codec.render({"t": "0100", "2": PAN, "14": "2812", "35": PAN + "=2812", "52": "0123456789ABCDEF",
                         "4": "000000001000"})
    assert text.splitlines() == ["MTI=0100", "DE2=497010******0051", "DE4=000000001000",
                                 "DE14=[expiry date withheld]", "DE35=[track 2 data withheld]",
                                 "DE52=[PIN block withheld]"]


def test_render_raw_withholds_long_digit_runs():
    text = codec.render_raw(b"0100\x00" + PAN.encode() + b"000000")
    assert text == "raw: 0100\\x00[22 digits withheld]"


def test_unknown_spec_names_the_valid_ones():
    with pytest.raises(ValueError, match="valid: ascii, binary"):
        codec.spec_named("ebcdic")
