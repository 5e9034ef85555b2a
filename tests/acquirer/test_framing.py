"""Length headers, sans-IO: split and packed messages, impossible headers, header-less parse framing."""
from __future__ import annotations

import pytest
from iso8583.specs import default_ascii

from simulators.acquirer import codec
from simulators.acquirer.framing import FramingError, make_framing

ECHO = codec.encode({"t": "0800", "7": "0302103000", "11": "000001", "70": "301"}, default_ascii)


@pytest.mark.parametrize(("header", "prefix"), [("2b", b"\x00\x37"), ("4a", b"0055"), ("none", b"")])
def test_frame_prefixes_the_length(header, prefix):
    assert len(ECHO) == 55  # MTI, two bitmaps (DE70 is secondary), DE7, DE11, DE70
    assert make_framing(header, default_ascii).frame(ECHO) == prefix + ECHO


@pytest.mark.parametrize("header", ["2b", "4a", "none"])
def test_deframer_reassembles_split_and_packed_messages(header):
    framing = make_framing(header, default_ascii)
    stream = framing.frame(ECHO) * 3
    deframer = framing.deframer()
    received = []
    for start in range(0, len(stream), 7):
        received += deframer.feed(stream[start:start + 7])
    assert received == [ECHO] * 3 and deframer.pending == 0


def test_none_header_hands_a_malformed_message_over_whole():
    deframer = make_framing("none", default_ascii).deframer()
    assert deframer.feed(b"0800ZZZZZZZZZZZZZZZZ") == [b"0800ZZZZZZZZZZZZZZZZ"]


def test_none_header_refuses_an_endless_incomplete_message():
    deframer = make_framing("none", default_ascii, max_message=64).deframer()
    with pytest.raises(FramingError, match="without a complete message"):
        deframer.feed(b"0800" + b"0" * 15 + b"1" + b"9" * 100)  # DE64 announced, never complete


@pytest.mark.parametrize(("header", "data", "message"), [
    ("2b", b"\x00\x00", "expected a length of 1 to 8192, received 0"),
    ("2b", b"\xff\xff", "expected a length of 1 to 8192, received 65535"),
    ("4a", b"12x4", "expected 4 ASCII digits, received b'12x4'"),
    ("4a", b"9999", "expected a length of 1 to 8192, received 9999"),
])
def test_impossible_headers_are_framing_errors(header, data, message):
    with pytest.raises(FramingError, match=message.replace("(", r"\(")):
        make_framing(header, default_ascii).deframer().feed(data)


def test_unknown_header_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown length header '3x'; valid: 2b, 4a, none"):
        make_framing("3x", default_ascii)
