"""The sans-IO core: bytes in, a Reply out; behaviours, journal entries, and no exception ever escapes."""
from __future__ import annotations

import pytest
from iso8583.specs import default_ascii

from simulators.acquirer import UnknownBehaviour, codec, sandbox_pan
from simulators.acquirer.processing import HANDLERS

PAN = sandbox_pan("1234")
AUTH = {"t": "0100", "2": PAN, "3": "000000", "4": "000000001000", "7": "0302103000", "11": "000007",
        "41": "TERM0001", "49": "978"}


def _decode(answer: bytes) -> dict[str, str]:
    return codec.decode(answer, default_ascii)


def test_feed_answers_one_message(core):
    [answer] = core.feed(codec.encode(AUTH, default_ascii))
    fields = _decode(answer)
    assert (fields["t"], fields["39"], fields["11"], fields["37"]) == ("0110", "00", "000007", "000000000001")


def test_behaviours_shape_the_reply(core):
    core.script("default", "latency:250ms", "no_response", "duplicate")
    first = core.handle(codec.encode(AUTH, default_ascii))
    second = core.handle(codec.encode({**AUTH, "11": "000008"}, default_ascii))
    third = core.handle(codec.encode({**AUTH, "11": "000009"}, default_ascii))
    assert (first.delay_seconds, len(first.answers)) == (0.25, 1)
    assert second.answers == () and not second.close
    assert len(third.answers) == 2 and third.answers[0] == third.answers[1]


def test_network_messages_do_not_consume_behaviours(core):
    core.script("default", "decline:05")
    echo = {"t": "0800", "7": "0302103000", "11": "000001", "70": "301"}
    assert _decode(core.feed(codec.encode(echo, default_ascii))[0])["39"] == "00"
    assert _decode(core.feed(codec.encode(AUTH, default_ascii))[0])["39"] == "05"


def test_unknown_behaviour_names_the_valid_ones(core):
    with pytest.raises(UnknownBehaviour, match="valid: decline:05, no_response, latency:400ms, duplicate"):
        core.script("default", "explode")


def test_a_bug_in_a_handler_costs_one_96_answer(core, monkeypatch):
    def broken(request, ledger):
        raise RuntimeError("bug")
    monkeypatch.setitem(HANDLERS, "authorisation", broken)
    [answer] = core.feed(codec.encode(AUTH, default_ascii))
    assert (_decode(answer)["t"], _decode(answer)["39"]) == ("0110", "96")
    assert core.journal.entries[-1].outcome == "internal_error"


def test_journal_entry_describes_the_exchange(core):
    core.feed(codec.encode({**AUTH, "52": "0123456789ABCDEF", "14": "2812"}, default_ascii))
    [entry] = core.journal.entries
    assert (entry.actor, entry.service, entry.session, entry.outcome) == ("acquirer", "0100", "default", "ok")
    assert "DE2=497010******1234" in entry.request and "DE52=[PIN block withheld]" in entry.request
    assert "2812" not in entry.request and "0123456789ABCDEF" not in entry.request
    assert "DE39=00" in entry.response
    assert entry.meta["masked_pan"] == "497010******1234" and entry.meta["card_token"].startswith("tok_")
    assert entry.meta["rrn"] == "000000000001" and entry.meta["stan"] == "000007"
