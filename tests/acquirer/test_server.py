"""The acquirer end to end over real TCP (port 0): every message type, rule codes, holds, reversals."""
from __future__ import annotations

import pytest

from simulators.acquirer import AcquirerClient, AcquirerCore, AcquirerServer, AcquirerTimeout, sandbox_pan
from simulators.acquirer import state as st

from .conftest import NOW

GOOD = sandbox_pan("1234")


def _money(core: AcquirerCore, session: str = "default") -> tuple[int, int]:
    """(held, captured) over the session's books."""
    books = core.transactions(session)
    return sum(t.hold for t in books), sum(t.captured for t in books)


def test_authorisation_places_a_hold(client, core):
    answer = client.authorise(GOOD, 12_000)
    assert (answer.mti, answer.response_code) == ("0110", "00")
    assert answer.stan == "000001" and len(answer.auth_id) == 6 and len(answer.rrn) == 12
    assert answer.fields["4"] == "000000012000" and "2" not in answer.fields
    assert _money(core) == (12_000, 0)


def test_zero_amount_verification_checks_the_card_and_holds_nothing(client, core):
    answer = client.verify(GOOD, expiry="2812")
    assert (answer.mti, answer.response_code) == ("0110", "00")
    [booked] = core.transactions()
    assert (booked.kind, booked.status, booked.hold) == ("verification", st.VERIFIED, 0)


def test_verification_of_an_expired_card_is_declined(client):
    assert client.verify(GOOD, expiry="2601").response_code == "54"


def test_financial_moves_money_at_once(client, core):
    answer = client.purchase(GOOD, 4_550)
    assert (answer.mti, answer.response_code) == ("0210", "00")
    assert _money(core) == (0, 4_550)


def test_financial_of_zero_is_an_invalid_amount(client, core):
    assert client.purchase(GOOD, 0).response_code == "13"
    assert _money(core) == (0, 0)


@pytest.mark.parametrize(("suffix", "code"), [
    ("0002", "05"), ("0051", "51"), ("0054", "54"), ("0014", "14"), ("0091", "91"), ("0043", "43"),
])
def test_pan_suffix_chooses_the_response_code(client, core, suffix, code):
    assert client.authorise(sandbox_pan(suffix), 1_000).response_code == code
    assert client.purchase(sandbox_pan(suffix), 1_000).response_code == code
    assert _money(core) == (0, 0)


def test_published_sandbox_card_and_bad_luhn(client):
    assert client.authorise("4970105715165150", 1_000).response_code == "54"
    assert client.authorise("4970105191919435", 1_000).response_code == "00"
    assert client.authorise("4970105191919436", 1_000).response_code == "14"  # Luhn broken
    assert client.authorise("497010519191", 1_000).response_code == "14"  # too short


def test_amount_above_the_limit_is_declined_61(client, core):
    assert client.authorise(GOOD, 500_001).response_code == "61"
    assert client.authorise(GOOD, 500_000).response_code == "00"


def test_completion_up_to_the_hold_and_only_once(client, core):
    hold = client.authorise(GOOD, 10_000)
    assert client.complete(hold, 10_001).response_code == "13"
    assert _money(core) == (10_000, 0)
    done = client.complete(hold, 8_000)
    assert (done.mti, done.response_code) == ("0230", "00")
    assert _money(core) == (0, 8_000)
    assert client.complete(hold, 1_000).response_code == "12"
    assert _money(core) == (0, 8_000)


def test_completion_of_zero_releases_the_hold(client, core):
    hold = client.authorise(GOOD, 10_000)
    assert client.complete(hold, 0).response_code == "00"
    assert _money(core) == (0, 0)
    assert [t.status for t in core.transactions() if t.kind == "authorisation"] == [st.RELEASED]


def test_completion_of_a_verification_or_unknown_original_is_refused(client):
    verification = client.verify(GOOD)
    assert client.complete(verification, 100).response_code == "12"
    declined = client.authorise(sandbox_pan("0051"), 1_000)
    assert client.complete(declined, 100).response_code == "12"
    stranger = AcquirerClient("127.0.0.1", client.port, terminal_id="TERM0002", clock=lambda: NOW)
    with stranger:
        assert stranger.complete(client.authorise(GOOD, 500), 100).response_code == "25"  # other terminal


def test_reversal_request_and_advice_release_holds_and_return_money(client, core):
    hold = client.authorise(GOOD, 3_000)
    sale = client.purchase(GOOD, 2_000)
    first = client.reverse(hold, advice=False)
    second = client.reverse(sale)
    assert (first.mti, first.response_code, second.mti, second.response_code) == ("0410", "00", "0430", "00")
    assert first.fields["90"] == hold.reference.original.elements
    assert _money(core) == (0, 0)
    again = client.reverse(sale)
    assert again.response_code == "00" and _money(core) == (0, 0)
    assert core.journal.entries[-1].meta["reason"] == "already_reversed"


def test_reversal_must_match_the_original(client, core):
    hold = client.authorise(GOOD, 3_000)
    wrong = client.send({"t": "0420", "4": "000000003000", "49": "978",
                         "90": "0100999999" + hold.reference.original.elements[10:]})
    assert wrong.response_code == "25"
    assert client.send({"t": "0420", "4": "000000002999", "49": "978",
                        "90": hold.reference.original.elements}).response_code == "13"
    assert _money(core) == (3_000, 0)


def test_reversal_of_a_completion_returns_the_money(client, core):
    hold = client.authorise(GOOD, 5_000)
    done = client.complete(hold, 4_000)
    assert client.reverse(hold).response_code == "12"  # completed: reverse the completion instead
    assert client.reverse(done).response_code == "00"
    assert _money(core) == (0, 0)


def test_network_management(client, core):
    for answer in (client.sign_on(), client.echo(), client.sign_off()):
        assert (answer.mti, answer.response_code) == ("0810", "00")
    assert client.send({"t": "0800", "70": "999"}).response_code == "12"
    assert [e.meta.get("reason") for e in core.journal.entries] == ["sign_on", "echo", "sign_off",
                                                                     "unknown_network_code"]


def test_duplicate_stan_is_answered_94_and_moves_no_money(client, core):
    first = client.authorise(GOOD, 1_000)
    again = client.send({"t": "0100", "2": GOOD, "3": "000000", "4": "000000001000", "49": "978",
                         "11": first.stan})
    assert again.response_code == "94"
    assert _money(core) == (1_000, 0)
    assert core.journal.entries[-1].outcome == "duplicate_stan"


def test_repeat_mti_gets_the_first_answer_again(client, core):
    first = client.purchase(GOOD, 1_000)
    repeat = client.send({"t": "0201", "2": GOOD, "3": "000000", "4": "000000001000", "49": "978",
                          "11": first.stan, "7": first.fields["7"]})
    assert (repeat.mti, repeat.response_code, repeat.rrn, repeat.auth_id) == ("0210", "00", first.rrn,
                                                                              first.auth_id)
    assert _money(core) == (0, 1_000)


def test_no_response_then_the_caller_reverses(core, server, client):
    core.script("default", "no_response")
    client.timeout = 0.3
    with pytest.raises(AcquirerTimeout) as timeout:
        client.authorise(GOOD, 7_000)
    assert _money(core) == (7_000, 0)  # the acquirer did hold: only the answer was lost
    client.timeout = 3
    answer = client.reverse(timeout.value)
    assert (answer.mti, answer.response_code) == ("0430", "00")
    assert _money(core) == (0, 0)
    assert [e.outcome for e in core.journal.entries] == ["no_response", "ok"]


def test_scripted_decline_latency_and_duplicate(core, client):
    core.script("default", "decline:51", "latency:50ms", "duplicate")
    assert client.authorise(GOOD, 1_000).response_code == "51"
    assert client.authorise(GOOD, 1_000).response_code == "00"
    duplicated = client.authorise(GOOD, 1_000)
    assert client.echo().response_code == "00"
    assert [(m["t"], m["11"]) for m in client.unmatched] == [("0110", duplicated.stan)]
    assert [e.meta.get("behaviour") for e in core.journal.entries] == ["decline:51", "latency:50ms", "duplicate",
                                                                       None]


def test_sessions_follow_the_terminal(core, server):
    core.bind_session("editor-a", terminal_id="TERMA001")
    core.script("editor-a", "decline:05")
    with AcquirerClient("127.0.0.1", server.port, terminal_id="TERMA001", clock=lambda: NOW) as a, \
            AcquirerClient("127.0.0.1", server.port, terminal_id="TERMB001", clock=lambda: NOW) as b:
        assert b.authorise(GOOD, 100).response_code == "00"
        assert a.authorise(GOOD, 100).response_code == "05"
    assert [t.terminal_id for t in core.transactions("editor-a")] == ["TERMA001"]
    assert [t.terminal_id for t in core.transactions("default")] == ["TERMB001"]


def test_restart_from_a_snapshot_keeps_holds_and_stans(core, client, journal):
    hold = client.authorise(GOOD, 9_000)
    saved = core.snapshot()
    revived = AcquirerCore(journal=journal, clock=lambda: NOW)
    revived.restore(saved)
    with AcquirerServer(revived, "127.0.0.1", 0) as again, \
            AcquirerClient("127.0.0.1", again.port, clock=lambda: NOW, stan_start=1) as same_terminal:
        assert same_terminal.authorise(GOOD, 9_000).response_code == "94"  # STAN 000001 already used today
        assert same_terminal.complete(hold, 9_000).response_code == "00"
    assert _money(revived) == (0, 9_000)


@pytest.mark.parametrize("header", ["2b", "4a", "none"])
@pytest.mark.parametrize("spec", ["ascii", "binary"])
def test_every_header_and_bitmap_encoding(header, spec, journal):
    from simulators.acquirer import AcquirerConfig
    core = AcquirerCore(AcquirerConfig(spec=spec), journal=journal, clock=lambda: NOW)
    with AcquirerServer(core, "127.0.0.1", 0, header=header) as server, \
            AcquirerClient("127.0.0.1", server.port, header=header, spec=spec, clock=lambda: NOW) as client:
        hold = client.authorise(GOOD, 2_500)
        assert [hold.response_code, client.complete(hold, 2_000).response_code,
                client.echo().response_code] == ["00", "00", "00"]


def test_no_pan_in_the_journal_or_the_snapshot(core, client, raw):
    import json

    from simulators.masking import find_pans
    pans = [GOOD, sandbox_pan("0051"), sandbox_pan("0054")]
    for pan in pans:
        hold = client.authorise(pan, 1_000, expiry="2812")
        client.verify(pan)
        client.purchase(pan, 500)
        client.reverse(hold)
    connection = raw()
    connection.send(b"0100" + b"ZZ" + pans[0].encode() * 3)  # undecodable, PANs glued into digit runs
    connection.receive()
    connection = raw()
    connection.send(b"ABCD" + pans[1].encode())  # closed
    connection.receive()
    written = json.dumps([e.to_dict() for e in core.journal.entries]) + json.dumps(core.snapshot())
    assert find_pans(written) == []
    assert not [pan for pan in pans if pan in written]
    assert "497010******0051" in written  # masked 6/4 is what remains


def test_the_python_example_in_the_docs_runs():
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "acquirer.md").read_text(encoding="utf-8")
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(example, "docs/acquirer.md", "exec"), {})
