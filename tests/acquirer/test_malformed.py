"""Bad input over real TCP: each gets a precise answer or a journaled close, and the server keeps serving."""
from __future__ import annotations

import struct

import pytest
from iso8583.specs import default_ascii

from simulators.acquirer import AcquirerServer, codec, sandbox_pan

from .conftest import RawConnection

PAN = sandbox_pan("4321")
VALID = {"t": "0100", "2": PAN, "3": "000000", "4": "000000001000", "7": "0302103000", "11": "000042",
         "41": "TERM0001", "49": "978"}


def _encode(fields: dict[str, str]) -> bytes:
    return codec.encode(fields, default_ascii)


def _answer(raw_message: bytes) -> dict[str, str]:
    assert raw_message is not None, "expected an answer, the server closed the connection"
    return codec.decode(raw_message, default_ascii)


def _still_serving(client) -> None:
    assert client.echo().response_code == "00"


@pytest.mark.parametrize(("missing", "problem"), [("4", "DE4: mandatory for 0100, missing"),
                                                  ("41", "DE41: mandatory for 0100, missing")])
def test_missing_mandatory_field_is_a_format_error(raw, client, core, missing, problem):
    connection = raw()
    connection.send(_encode({k: v for k, v in VALID.items() if k != missing}))
    answer = _answer(connection.receive())
    assert (answer["t"], answer["39"], answer["11"]) == ("0110", "30", "000042")
    assert core.journal.entries[-1].validation == (problem,)
    assert core.transactions() == []
    _still_serving(client)


def test_non_numeric_amount_is_a_format_error_naming_the_field(raw, core):
    connection = raw()
    connection.send(_encode({**VALID, "4": "00000000100A"}))
    assert _answer(connection.receive())["39"] == "30"
    assert core.journal.entries[-1].validation == ("DE4: expected 12 digits, received '00000000100A'",)


def test_bad_pan_characters_are_reported_without_the_value(raw, core):
    connection = raw()
    connection.send(_encode({**VALID, "2": PAN[:-1] + "X"}))
    assert _answer(connection.receive())["39"] == "30"
    assert core.journal.entries[-1].validation == ("DE2: expected 1 to 19 digits",)


def test_unsupported_request_mti_is_an_invalid_transaction(raw, client):
    connection = raw()
    connection.send(_encode({**VALID, "t": "0300"}))
    answer = _answer(connection.receive())
    assert (answer["t"], answer["39"]) == ("0310", "12")
    _still_serving(client)


@pytest.mark.parametrize("mti", [b"ABCD", b"0110"])
def test_garbage_or_answer_mti_closes_the_connection_with_a_journal_entry(raw, client, core, mti):
    connection = raw()
    connection.send(mti + _encode(VALID)[4:])
    assert connection.receive() is None
    assert core.journal.entries[-1].outcome in ("undecodable", "unexpected_mti")
    assert core.journal.entries[-1].meta["closed"] is True
    _still_serving(client)


def test_bad_bitmap_is_a_format_error(raw, client, core):
    connection = raw()
    message = _encode(VALID)
    connection.send(message[:4] + b"ZZ" + message[6:])
    answer = _answer(connection.receive())
    assert (answer["t"], answer["39"]) == ("0110", "30")
    assert "non-hex" in core.journal.entries[-1].validation[0]
    _still_serving(client)


def test_bitmap_announcing_absent_fields_is_a_format_error(raw, core):
    connection = raw()
    message = _encode(VALID)
    connection.send(message[:4] + b"F" + message[5:])  # bits 1-4: a secondary bitmap and DE3/DE4 twice
    assert _answer(connection.receive())["39"] == "30"


def test_tertiary_bitmap_beyond_the_spec_is_a_format_error(raw, core):
    connection = raw()
    connection.send(b"0800" + b"8000000000000000" * 3)  # DE1, DE65, then DE129: beyond the spec
    answer = _answer(connection.receive())
    assert (answer["t"], answer["39"]) == ("0810", "30")


def test_truncated_message_in_a_complete_frame_is_a_format_error(raw, client, core):
    connection = raw()
    connection.send(_encode(VALID)[:-5])
    assert _answer(connection.receive())["39"] == "30"
    assert core.transactions() == []
    _still_serving(client)


def test_extra_bytes_after_the_last_field_are_a_format_error(raw):
    connection = raw()
    connection.send(_encode(VALID) + b"123")
    assert _answer(connection.receive())["39"] == "30"


@pytest.mark.parametrize("header", [struct.pack(">H", 0), struct.pack(">H", 60_000)])
def test_impossible_binary_length_header_closes_the_connection(raw, client, core, header):
    connection = raw()
    connection.send_bytes(header + _encode(VALID))
    assert connection.receive() is None
    assert core.journal.entries[-1].outcome == "bad_length_header"
    assert core.transactions() == []
    _still_serving(client)


def test_ascii_header_with_letters_closes_the_connection(core, journal):
    with AcquirerServer(core, "127.0.0.1", 0, header="4a") as server:
        connection = RawConnection(server.port, header="4a")
        try:
            connection.send_bytes(b"00A5" + _encode(VALID))
            assert connection.receive() is None
        finally:
            connection.close()
    assert journal.entries[-1].outcome == "bad_length_header"
    assert journal.entries[-1].request == "4a header: expected 4 ASCII digits, received b'00A5'"


def test_frame_cut_short_by_the_peer_is_journaled(raw, client, core):
    connection = raw()
    message = _encode(VALID)
    connection.send_bytes(struct.pack(">H", len(message)) + message[:20])
    connection.sock.shutdown(1)  # SHUT_WR: the peer gives up mid-frame
    assert connection.receive() is None
    assert core.journal.entries[-1].outcome == "truncated_frame"
    _still_serving(client)


def test_messages_split_across_writes_and_packed_together(raw, core):
    connection = raw()
    first, second = _encode(VALID), _encode({**VALID, "11": "000043"})
    framed = connection.framing.frame(first) + connection.framing.frame(second)
    for cut in (1, 3, 50):
        connection.send_bytes(framed[:cut])
        framed = framed[cut:]
    connection.send_bytes(framed)
    assert [_answer(connection.receive())["11"] for _ in range(2)] == ["000042", "000043"]
