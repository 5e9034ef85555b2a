"""scapy layers: build, dissect, pcap round trips; and fuzzing both cores with scapy-generated frames."""
from __future__ import annotations

import json
import random

import pytest
from scapy.packet import Raw, fuzz, raw

from hardware_emulator.caisse_ap import tlv
from hardware_emulator.caisse_ap.terminal import CaisseApTerminal
from hardware_emulator.capture import packets_from_entries, read_pcap, write_pcap
from hardware_emulator.concert.codec import ENQ, EOT, frame
from hardware_emulator.concert.terminal import State
from hardware_emulator.scapy_layers import (
    CaisseApMessage, CaisseApTlv, ConcertControl, ConcertLongAnswer, ConcertRequest, ConcertShortAnswer, SerialUnit,
    concert_class,
)
from simulators.masking import find_pans

from .conftest import concert_request

CAISSE_AP_REQUEST = b"CZ0040300CJ012012345678901CA00201CB0041250CD0010CE003978"


def test_request_layer_builds_the_reference_frame_with_its_lrc():
    assert raw(ConcertRequest()) == frame(concert_request().encode())
    assert ConcertRequest(amount=b"00009999").lrc_ok()


def test_dissecting_units_picks_the_layer_by_length():
    assert concert_class(b"\x05") is ConcertControl
    assert concert_class(frame(concert_request().encode())) is ConcertRequest
    assert concert_class(frame("0100000125019780000000000")) is ConcertShortAnswer
    assert concert_class(b"\x02" + b"0" * 80 + b"\x03\x00") is ConcertLongAnswer
    assert concert_class(b"noise") is Raw
    packet = ConcertRequest(frame(concert_request(4200).encode()))
    assert packet.amount == b"00004200" and packet.lrc_ok()


def test_caisse_ap_message_round_trip_with_computed_lengths():
    message = CaisseApMessage.from_pairs([("CZ", "0300"), ("CB", "1250")])
    assert raw(message) == b"CZ0040300CB0041250"
    assert CaisseApMessage(CAISSE_AP_REQUEST).pairs() == tlv.split(CAISSE_AP_REQUEST)[0]


def test_serial_session_to_pcap_and_back(pay, journal, tmp_path):
    pay()
    path = tmp_path / "serial.pcap"
    assert write_pcap(path, journal.entries()[1]) == 10
    packets = read_pcap(path)
    assert all(isinstance(p, SerialUnit) for p in packets)
    assert [p.sender for p in packets[:3]] == [0, 1, 0]
    request, answer = packets[2][ConcertRequest], packets[7][ConcertLongAnswer]
    assert request.amount == b"00001250" and answer.status == b"0" and answer.lrc_ok()
    assert answer.report[4:].startswith(b"497010******")


def test_tcp_session_to_pcap_and_back(engine, journal, clock, tmp_path):
    core = CaisseApTerminal(engine, journal=journal, clock=clock)
    core.feed(CAISSE_AP_REQUEST)
    clock.now += 1
    core.tick()
    path = tmp_path / "tcp.pcap"
    assert write_pcap(path, journal.entries()[1], link="tcp") == 2
    request, answer = read_pcap(path)
    assert request["TCP"].dport == 8888 and answer["TCP"].sport == 8888
    assert answer["TCP"].ack == request["TCP"].seq + len(CAISSE_AP_REQUEST)
    assert dict(answer[CaisseApMessage].pairs())["AE"] == "10"


def test_capture_link_is_checked():
    with pytest.raises(ValueError, match="unknown capture link 'usb'"):
        packets_from_entries([], link="usb")


def _concert_samples(rng: random.Random, count: int) -> list[bytes]:
    makers = [
        lambda: raw(fuzz(ConcertRequest(stx=2, etx=3, lrc=None))),  # good framing and LRC, random fields
        lambda: raw(fuzz(ConcertRequest())),
        lambda: raw(fuzz(ConcertLongAnswer())),
        lambda: raw(fuzz(ConcertControl())),
        lambda: rng.randbytes(rng.randint(1, 120)),
        lambda: frame(concert_request().encode())[: rng.randint(1, 36)],  # cut short
    ]
    return [rng.choice(makers)() for _ in range(count)]


def test_fuzzing_the_concert_core_never_raises_never_hangs(terminal, clock, journal, pay):
    rng = random.Random(20260302)
    random.seed(20260302)  # scapy's volatile values draw from `random`
    for sample in _concert_samples(rng, 400):
        if rng.random() < 0.5:
            terminal.feed(ENQ)
        terminal.feed(sample)
        if rng.random() < 0.3:
            terminal.feed(EOT)
        clock.now += rng.choice([0.0, 0.5, 3.5, 130.0])
        terminal.tick()
        assert terminal.state == State.IDLE or terminal.next_deadline() is not None  # always a way out
    for _ in range(20):  # let every pending deadline pass
        if terminal.next_deadline() is None:
            break
        clock.now = max(clock.now, terminal.next_deadline())
        terminal.tick()
    assert terminal.state == State.IDLE
    assert pay().answer.status == "0"  # still serving
    assert find_pans(json.dumps([e.to_dict() for e in journal.entries()[1]])) == []


def _caisse_ap_samples(rng: random.Random, count: int) -> list[bytes]:
    tags = list(tlv.REQUEST_TAGS) + ["ZZ", "AE"]
    makers = [
        lambda: raw(fuzz(CaisseApTlv())),
        lambda: b"CZ0040300" + b"".join(raw(fuzz(CaisseApTlv(tag=rng.choice(tags).encode())))
                                        for _ in range(rng.randint(1, 6))),
        lambda: raw(CaisseApMessage.from_pairs([(t, v) for t, v in tlv.split(CAISSE_AP_REQUEST)[0]
                                                if rng.random() < 0.8])),
        lambda: rng.randbytes(rng.randint(1, 200)),
        lambda: CAISSE_AP_REQUEST[: rng.randint(1, len(CAISSE_AP_REQUEST))],
    ]
    return [rng.choice(makers)() for _ in range(count)]


def test_fuzzing_the_caisse_ap_core_never_raises_never_hangs(engine, journal, clock):
    rng = random.Random(8888)
    random.seed(8888)
    for sample in _caisse_ap_samples(rng, 400):
        core = CaisseApTerminal(engine, journal=journal, clock=clock)
        out = core.feed(sample)
        if rng.random() < 0.5:
            out += core.feed_eof()
        for _ in range(10):
            if core.closed or core.next_deadline() is None:
                break
            clock.now = max(clock.now, core.next_deadline())
            out += core.tick()
        if not core.closed:
            out += core.feed_eof()
        assert core.closed
        for message in out:  # every answer is a well-formed TLV message with a status
            pairs, whole = tlv.split(message)
            assert whole and pairs[0][0] == "CZ" and "AE" in dict(pairs)
    core = CaisseApTerminal(engine, journal=journal, clock=clock)
    core.feed(CAISSE_AP_REQUEST)
    clock.now += 1
    assert dict(tlv.split(core.tick()[0])[0])["AE"] == "10"  # still serving
    assert find_pans(json.dumps([e.to_dict() for e in journal.entries()[1]])) == []
