"""The Caisse-AP V3 terminal core in memory: TLV codec, validation errors, outcomes, immediate mode, faults."""
from __future__ import annotations

import json

import pytest

from hardware_emulator.caisse_ap import tlv
from hardware_emulator.caisse_ap.terminal import CaisseApOptions, CaisseApTerminal
from hardware_emulator.script import TerminalScript
from simulators.masking import find_pans

from .conftest import TODAY

REQUEST = b"CZ0040300CJ012012345678901CA00201CB0041250CD0010CE003978"


@pytest.fixture
def script():
    return TerminalScript(protocol="caisse-ap")


@pytest.fixture
def connect(engine, journal, clock):
    def make(**options) -> CaisseApTerminal:
        return CaisseApTerminal(engine, journal=journal, clock=clock, options=CaisseApOptions(**options))
    return make


def exchange(core: CaisseApTerminal, clock, data: bytes, *, until: float = 300.0) -> list[dict[str, str]]:
    """Feed a request, run the clock until the core closes; every message it wrote, parsed."""
    out = core.feed(data)
    while not core.closed and clock.now < 1000 + until:
        deadline = core.next_deadline()
        if deadline is None:
            break
        clock.now = max(clock.now, deadline)
        out += core.tick()
    return [dict(tlv.split(message)[0]) for message in out if message[:2] == b"CZ"]


def request(**tags: str) -> bytes:
    base = {"CZ": "0300", "CJ": "012345678901", "CA": "01", "CB": "1250", "CD": "0", "CE": "978"}
    base.update(tags)
    return tlv.encode([(tag, value) for tag, value in base.items() if value])


def test_tlv_encode_and_split():
    assert tlv.encode([("CZ", "0300"), ("CA", "01")]) == b"CZ0040300CA00201"
    assert tlv.split(b"CZ0040300CA00201") == ([("CZ", "0300"), ("CA", "01")], True)
    assert tlv.split(b"CZ0040300CA0020") == ([("CZ", "0300")], False)
    assert tlv.split(b"CZ0040300C") == ([("CZ", "0300")], False)


@pytest.mark.parametrize("data, message", [
    (b"cz0040300", "expected a tag of 2 letters/digits"),
    (b"CZ00x0300", "expected a tag of 2 letters/digits and 3 length digits"),
    (b"CZ0000300", "has length 000"),
    (b"CZ004\xe90300", "non-ASCII byte 0xe9"),
])
def test_split_rejects_what_cannot_be_tlv(data, message):
    with pytest.raises(tlv.TlvError, match=message):
        tlv.split(data)


@pytest.mark.parametrize("pairs, message", [
    ([("CA", "01"), ("CZ", "0300")], r"CZ \(protocol version\) must be the first tag"),
    ([("CZ", "0300"), ("QQ", "1")], "unknown tag QQ"),
    ([("CZ", "0300"), ("CA", "001")], "tag CA: expected length 2, received 3"),
    ([("CZ", "0300"), ("CB", "1")], "tag CB: expected length 2-12, received 1"),
    ([("CZ", "0300"), ("CB", "12,5")], "tag CB: expected digits"),
    ([("CZ", "0300"), ("BA", "2")], "tag BA: expected 0 or 1"),
    ([("CZ", "0300"), ("CA", "01"), ("CA", "02")], "tag CA appears twice"),
    ([("CZ", "0300"), ("CA", "01")], "mandatory tag\\(s\\) missing: CJ, CB, CD, CE"),
])
def test_validation_errors(pairs, message):
    with pytest.raises(tlv.TlvError, match=message):
        tlv.validate_request(pairs)


def test_approved_debit_echoes_and_reports(connect, clock, journal):
    (answer,) = exchange(connect(), clock, REQUEST)
    assert list(answer)[0] == "CZ"
    assert {k: answer[k] for k in ("CZ", "CA", "CB", "CD", "CE", "AE")} == {
        "CZ": "0300", "CA": "01", "CB": "1250", "CD": "0", "CE": "978", "AE": "10"}
    assert "AF" not in answer
    assert answer["AA"].startswith("497010******") and answer["AL"] == "1"
    assert answer["CC"] == "001" and answer["CI"] == "1" and len(answer["AC"]) == 6 and len(answer["AB"]) == 4
    entry = journal.entries()[1][-1]
    assert (entry.service, entry.outcome) == ("caisse-ap", "approved")


def test_amount_with_leading_zeros_is_echoed_as_received(connect, clock):
    (answer,) = exchange(connect(), clock, request(CB="000001250"))
    assert answer["CB"] == "000001250"


@pytest.mark.parametrize("name, af, ci", [
    ("wrong_pin", "04", None), ("pin_tries_exceeded", "04", None), ("expired_card", "04", None),
    ("declined", "04", None), ("insufficient_funds", "04", None), ("operator_abort", "11", None),
    ("input_timeout", "08", None), ("contactless", None, "2"), ("approved", None, "1"),
])
def test_each_outcome(script, connect, clock, name, af, ci):
    script.queue_outcome(name)
    (answer,) = exchange(connect(), clock, REQUEST)
    assert answer["AE"] == ("01" if af else "10")
    assert answer.get("AF") == af
    assert answer.get("CI") == ci
    if name == "contactless":
        assert answer["CC"] == "00B"


def test_expired_card_reports_a_past_expiry(script, connect, clock):
    script.queue_outcome("expired_card")
    (answer,) = exchange(connect(), clock, REQUEST)
    assert (2000 + int(answer["AB"][:2]), int(answer["AB"][2:])) < (TODAY.year, TODAY.month)


@pytest.mark.parametrize("tags, af", [({"CE": "840"}, "13"), ({"CD": "9"}, "12")])
def test_currency_and_action_refusals(connect, clock, tags, af):
    (answer,) = exchange(connect(), clock, request(**tags))
    assert (answer["AE"], answer["AF"]) == ("01", af)


@pytest.mark.parametrize("data", [
    request(QQ="1"),  # unknown tag
    request(CA="001"),  # wrong length for the tag
    request(CE=""),  # mandatory tag missing
    b"CZ0040300CJ012012345678901CA00201CB0991250",  # length runs past the end
    b"\xff\xfeCZ0040300",  # non-ASCII
    b"hello terminal",
])
def test_malformed_messages_get_ae01_af09(connect, clock, journal, data):
    messages = exchange(connect(), clock, data)
    assert messages[0]["AE"] == "01" and messages[0]["AF"] == "09"
    assert journal.entries()[1][-1].outcome == "format_error"


def test_fragmented_request_is_reassembled(connect, clock):
    core = connect()
    out = []
    for byte in REQUEST:
        out += core.feed(bytes([byte]))
        clock.now += 0.01  # shorter than the quiet time
    assert out == []
    clock.now += 0.05
    (answer,) = [dict(tlv.split(m)[0]) for m in core.tick()]
    assert answer["AE"] == "10"


def test_end_of_stream_processes_at_once(connect, clock):
    core = connect(quiet=10.0)
    assert core.feed(REQUEST) == []
    (answer,) = core.feed_eof()
    assert dict(tlv.split(answer)[0])["AE"] == "10"


def test_immediate_mode_answers_ae11_then_the_result(script, connect, clock):
    script.queue_outcome("approved", delay=20)
    immediate, final = exchange(connect(), clock, request(BA="1"))
    assert immediate["AE"] == "11" and "AF" not in immediate and immediate["CB"] == "1250"
    assert final["AE"] == "10"


def test_immediate_mode_without_followup_then_status_request(engine, script, journal, clock):
    script.queue_outcome("declined")
    options = CaisseApOptions(immediate_followup=False)
    (immediate,) = exchange(CaisseApTerminal(engine, journal=journal, clock=clock, options=options), clock,
                            request(BA="1"))
    assert immediate["AE"] == "11"
    (status,) = exchange(CaisseApTerminal(engine, journal=journal, clock=clock), clock, request(CD="T", CB="00"))
    assert (status["AE"], status["AF"], status["CB"]) == ("01", "04", "1250")


def test_status_before_any_transaction(connect, clock):
    (status,) = exchange(connect(), clock, request(CD="T"))
    assert (status["AE"], status["AF"]) == ("01", "07")


def test_consent_returns_a_token_in_cf_masked_pan_and_expiry(connect, clock, journal):
    (answer,) = exchange(connect(), clock, request(CD="7", CB="30000"))
    assert answer["AE"] == "10" and len(answer["CF"]) == 24
    assert answer["AA"].startswith("497010******") and len(answer["AB"]) == 4
    assert journal.entries()[1][-1].meta["action"] == "consent"


def test_consent_action_and_token_tag_are_configurable(connect, clock):
    (answer,) = exchange(connect(consent_action="D", token_tag="CF"), clock, request(CD="D"))
    assert len(answer["CF"]) == 24


def test_private_data_is_echoed_on_a_debit(connect, clock):
    (answer,) = exchange(connect(), clock, request(CF="ticket-42"))
    assert answer["CF"] == "ticket-42"


def test_fault_bad_length(script, connect, clock):
    script.arm_fault("bad_length")
    core = connect()
    out = core.feed(REQUEST)
    clock.now += 1
    out += core.tick()
    assert out[0].startswith(b"CZ0050300")  # the length says 5, the value has 4


def test_fault_split_write(script, connect, clock):
    script.arm_fault("split_write", gap=3.2)
    core = connect()
    core.feed(REQUEST)
    clock.now += 0.05
    first = core.tick()
    clock.now += 3.2
    second = core.tick()
    assert len(first) == 1 and len(second) == 1
    assert dict(tlv.split(first[0] + second[0])[0])["AE"] == "10"


def test_fault_duplicate_garbage_and_wrong_echo(script, connect, clock):
    script.arm_fault("duplicate_answer")
    script.arm_fault("garbage", data="00ff")
    script.arm_fault("wrong_echo")
    core = connect()
    out = core.feed(REQUEST)
    clock.now += 0.05
    out += core.tick()
    assert out[0] == b"\x00\xff"
    assert out[1] == out[2] and dict(tlv.split(out[1])[0])["CB"] == "1251"


def test_fault_no_answer_keeps_the_connection_silent(script, connect, clock, journal):
    script.arm_fault("no_answer")
    core = connect()
    assert exchange(core, clock, REQUEST) == []
    assert not core.closed
    assert journal.entries()[1][-1].outcome == "no_answer"
    core.feed_eof()
    assert core.closed


def test_fault_late_answer(script, connect, clock):
    script.arm_fault("late_answer", delay=90)
    core = connect()
    core.feed(REQUEST)
    clock.now += 60
    assert core.tick() == []
    clock.now += 31
    assert len(core.tick()) == 1


def test_concert_only_fault_is_refused(script):
    with pytest.raises(ValueError, match="does not apply to caisse-ap"):
        script.arm_fault("corrupt_lrc")


def test_no_full_pan_in_the_journal(connect, clock, journal):
    for cd in "07":
        exchange(connect(), clock, request(CD=cd))
    exchange(connect(), clock, request(CF="4970105191919435"))  # a GAP sending a card number
    text = json.dumps([entry.to_dict() for entry in journal.entries()[1]])
    assert find_pans(text) == []
