"""The Concert E+ terminal core in memory: exact handshake bytes, NAK and retransmission, timeouts, outcomes."""
from __future__ import annotations

import json

import pytest

from hardware_emulator.cards import SyntheticCards
from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.codec import ACK, ENQ, EOT, NAK, ConcertAnswer, Report, frame, unframe
from hardware_emulator.concert.terminal import ConcertTerminal, State
from hardware_emulator.engine import PaymentEngine
from simulators.masking import find_pans

from .conftest import TODAY, concert_request, shuttle

REQUEST = frame(concert_request().encode())


def answer_of(data: bytes) -> ConcertAnswer:
    return ConcertAnswer.parse(unframe(data))


def test_handshake_byte_by_byte(terminal, journal):
    assert terminal.feed(ENQ) == [ACK]
    assert terminal.feed(REQUEST) == [ACK]
    assert terminal.feed(EOT) == [ENQ]  # processing time 0: the terminal calls back at once
    out = terminal.feed(ACK)
    assert len(out) == 1 and len(out[0]) == 83
    answer = answer_of(out[0])
    assert (answer.pos, answer.status, answer.amount_cents, answer.currency) == ("01", "0", 1250, "978")
    assert terminal.feed(ACK) == [EOT]
    assert terminal.state == State.IDLE
    entry = journal.entries()[1][-1]
    assert (entry.actor, entry.service, entry.outcome) == ("terminal", "concert", "approved")
    assert [u["kind"] for u in entry.meta["frames"]] == ["ENQ", "ACK", "frame", "ACK", "EOT", "ENQ", "ACK",
                                                          "frame", "ACK", "EOT"]
    assert "<STX>0100001250110978          A010B010<ETX><01>" in entry.request


def test_frame_split_across_reads_is_reassembled(terminal):
    terminal.feed(ENQ)
    out = [terminal.feed(bytes([byte])) for byte in REQUEST]
    assert out[-1] == [ACK] and all(chunk == [] for chunk in out[:-1])


def test_probe_enq_ack_eot_is_journaled_as_probe(terminal, journal):
    assert terminal.feed(ENQ) == [ACK]
    assert terminal.feed(EOT) == []
    assert journal.entries()[1][-1].outcome == "probe"


def test_noise_before_enq_is_ignored_and_journaled(terminal, journal, pay):
    assert terminal.feed(b"\x00\xffhello") == []
    assert pay().answer is not None
    kinds = [u["kind"] for u in journal.entries()[1][-1].meta["frames"]]
    assert kinds[0] == "noise"


@pytest.mark.parametrize("bad", [
    REQUEST[:-1] + bytes([REQUEST[-1] ^ 0x55]),  # bad LRC
    frame("0100001250110978          A010B01"),  # 33-character body
    frame("01000012X0110978          A010B010"),  # amount not digits
])
def test_bad_frame_gets_nak_then_a_good_retransmission_is_accepted(terminal, bad):
    terminal.feed(ENQ)
    assert terminal.feed(bad) == [NAK]
    assert terminal.feed(REQUEST) == [ACK]
    assert terminal.state == State.WAIT_EOT


def test_three_naks_then_eot(terminal, journal):
    terminal.feed(ENQ)
    bad = REQUEST[:-1] + b"\x00"
    assert [terminal.feed(bad) for _ in range(4)] == [[NAK], [NAK], [NAK], [EOT]]
    assert terminal.state == State.IDLE
    entry = journal.entries()[1][-1]
    assert entry.outcome == "rx_failed"
    assert entry.meta["errors"][0].startswith("bad LRC")


def test_answer_nak_is_retransmitted_at_most_three_times(terminal, journal):
    terminal.feed(ENQ), terminal.feed(REQUEST), terminal.feed(EOT)
    first = terminal.feed(ACK)
    retransmissions = [terminal.feed(NAK) for _ in range(3)]
    assert retransmissions == [first, first, first]
    assert terminal.feed(NAK) == [EOT]
    assert journal.entries()[1][-1].outcome == "tx_failed"


def test_no_frame_after_ack_times_out_to_idle(terminal, journal, clock):
    terminal.feed(ENQ)
    clock.now += 2.9
    assert terminal.tick() == [] and terminal.state == State.WAIT_FRAME
    clock.now += 0.2
    terminal.tick()
    assert terminal.state == State.IDLE
    assert journal.entries()[1][-1].outcome == "timeout"


def test_inter_byte_silence_over_three_seconds_drops_the_partial_frame(terminal, journal, clock):
    terminal.feed(ENQ)
    terminal.feed(REQUEST[:20])
    clock.now += 2.9
    terminal.feed(REQUEST[20:30])  # still within 3 s of the last byte
    clock.now += 3.1
    terminal.tick()
    assert terminal.state == State.IDLE
    entry = journal.entries()[1][-1]
    assert entry.outcome == "timeout" and entry.meta["frames"][-1]["kind"] == "partial_frame"


def test_missing_eot_after_ack_times_out(terminal, journal, clock):
    terminal.feed(ENQ), terminal.feed(REQUEST)
    clock.now += 3.0
    terminal.tick()
    assert terminal.state == State.IDLE
    assert journal.entries()[1][-1].outcome == "no_eot_from_ecr"


def test_unacknowledged_enq_is_repeated_three_times_then_eot(terminal, journal, clock):
    terminal.feed(ENQ), terminal.feed(REQUEST)
    assert terminal.feed(EOT) == [ENQ]
    repeats = []
    for _ in range(4):
        clock.now += 3.0
        repeats.append(terminal.tick())
    assert repeats == [[ENQ], [ENQ], [ENQ], [EOT]]
    assert journal.entries()[1][-1].outcome == "no_ack_from_ecr"


def test_duplicate_enq_while_waiting_for_the_frame_is_acknowledged_again(terminal):
    terminal.feed(ENQ)
    assert terminal.feed(ENQ) == [ACK]
    assert terminal.feed(REQUEST) == [ACK]


@pytest.mark.parametrize("name, status, code, card", [
    ("approved", "0", "00", True),
    ("contactless", "0", "00", True),
    ("wrong_pin", "7", "55", True),
    ("pin_tries_exceeded", "7", "75", True),
    ("expired_card", "7", "54", True),
    ("declined", "7", "05", True),
    ("insufficient_funds", "7", "51", True),
    ("operator_abort", "7", "17", False),
    ("input_timeout", "7", "  ", False),
])
def test_each_outcome(script, pay, journal, name, status, code, card):
    script.queue_outcome(name)
    answer = pay().answer
    report = Report.parse(answer.report)
    assert answer.status == status
    assert report.response_code == code
    assert bool(report.masked_pan) == card
    if card:
        assert report.masked_pan.startswith("497010") and "******" in report.masked_pan
    assert (report.authorisation != "") == (status == "0")
    assert report.token == ""  # a debit never carries a token
    assert journal.entries()[1][-1].outcome == name


def test_expired_card_reports_an_expiry_in_the_past(script, pay):
    script.queue_outcome("expired_card")
    expiry = Report.parse(pay().answer.report).expiry
    assert (2000 + int(expiry[:2]), int(expiry[2:])) < (TODAY.year, TODAY.month)


def test_approved_card_expiry_is_in_the_future(pay):
    expiry = Report.parse(pay().answer.report).expiry
    assert (2000 + int(expiry[:2]), int(expiry[2:])) > (TODAY.year, TODAY.month)


def test_diapason_consent_returns_token_masked_pan_and_expiry(pay, journal):
    answer = pay(concert_request(30000, transaction_type="7")).answer
    report = Report.parse(answer.report)
    assert answer.status == "0"
    assert len(report.token) == 24 and report.masked_pan.startswith("497010") and len(report.expiry) == 4
    entry = journal.entries()[1][-1]
    assert entry.meta["action"] == "consent" and entry.meta["token"] == report.token


def test_consent_code_is_configurable(engine, journal, clock):
    terminal = ConcertTerminal(engine, journal=journal, clock=clock, consent_code="D")
    result = shuttle(terminal, ConcertCashRegister(concert_request(transaction_type="D"), clock=clock), clock)
    assert len(Report.parse(result.answer.report).token) == 24


def test_consent_with_the_short_answer_is_refused(pay, journal):
    answer = pay(concert_request(answer_flag="0", transaction_type="7")).answer
    assert answer.status == "7" and answer.report is None
    assert journal.entries()[1][-1].outcome == "answer_mode_refused"


def test_same_card_gives_the_same_token_for_the_same_seed(clock):
    tokens = []
    for _ in range(2):
        fresh = ConcertTerminal(PaymentEngine(cards=SyntheticCards(seed=7), today=lambda: TODAY), clock=clock)
        result = shuttle(fresh, ConcertCashRegister(concert_request(transaction_type="7"), clock=clock), clock)
        tokens.append(Report.parse(result.answer.report).token)
    assert tokens[0] == tokens[1]


def test_short_answer_is_28_bytes(terminal):
    terminal.feed(ENQ), terminal.feed(frame(concert_request(answer_flag="0").encode())), terminal.feed(EOT)
    (answer,) = terminal.feed(ACK)
    assert len(answer) == 28


def test_immediate_answer_mode_answers_at_once_without_a_verified_status(script, terminal, clock):
    script.queue_outcome("approved", delay=30)
    terminal.feed(ENQ), terminal.feed(frame(concert_request(delay="A011").encode()))
    assert terminal.feed(EOT) == [ENQ]
    (answer,) = terminal.feed(ACK)
    assert answer_of(answer).status == "9"


def test_end_of_transaction_answer_waits_for_the_cardholder(script, terminal, clock):
    script.queue_outcome("wrong_pin", delay=12.5)
    terminal.feed(ENQ), terminal.feed(REQUEST)
    assert terminal.feed(EOT) == []
    assert terminal.next_deadline() == pytest.approx(clock.now + 12.5)
    clock.now += 12.5
    assert terminal.tick() == [ENQ]


@pytest.mark.parametrize("request_, outcome", [
    (concert_request(currency="840"), "currency_not_supported"),
    (concert_request(transaction_type="Z"), "unknown_action"),
])
def test_semantic_errors_are_refused_answers_not_naks(pay, journal, request_, outcome):
    assert pay(request_).answer.status == "7"
    assert journal.entries()[1][-1].outcome == outcome


def test_amount_rule_then_queue_then_default(script, pay):
    script.set_amount_rule(5100, "insufficient_funds")
    script.queue_outcome("declined")
    assert Report.parse(pay(concert_request(5100)).answer.report).response_code == "05"  # queue first
    assert Report.parse(pay(concert_request(5100)).answer.report).response_code == "51"  # then the rule
    assert pay(concert_request(5200)).answer.status == "0"  # then the default


def test_no_full_pan_in_the_journal_even_when_the_gap_sends_one(pay, journal):
    for transaction_type in "07":
        pay(concert_request(transaction_type=transaction_type))
    leaky = concert_request(private="4970101234")  # a GAP putting card digits in the private field
    pay(leaky)
    text = json.dumps([entry.to_dict() for entry in journal.entries()[1]])
    assert find_pans(text) == []
    assert "497010******" in text


def test_a_pan_sent_by_the_gap_is_masked_in_the_journal(terminal, journal):
    terminal.feed(b"4970105191919435")  # a broken GAP writing a card number on the line
    terminal.feed(ENQ)
    terminal.feed(EOT)
    text = json.dumps([entry.to_dict() for entry in journal.entries()[1]])
    assert "4970105191919435" not in text
    assert "497010******9435" in text


@pytest.mark.parametrize("answer_flag", ["0", "1"])
def test_answers_never_hold_a_digit_run_a_pan_scanner_would_flag(terminal, script, answer_flag):
    """POS, status, amount and means are 12 digits, currency and transaction number 13: the report layout and the
    choice of transaction numbers keep every answer free of Luhn-valid 13-19 digit runs."""
    outcomes = ["approved", "declined", "operator_abort", "contactless"]
    for number in range(150):
        script.queue_outcome(outcomes[number % 4])
        mode_and_type = ("C", "0") if number % 7 == 0 else ("1", "7" if number % 5 == 0 else "0")
        body = (f"01{1000 + 37 * number:08d}{answer_flag}{mode_and_type[0]}{mode_and_type[1]}978"
                f"{' ' * 10}A010B010")
        terminal.feed(ENQ), terminal.feed(frame(body)), terminal.feed(EOT)
        (answer,) = terminal.feed(ACK)
        terminal.feed(ACK)
        assert find_pans(answer.decode("ascii")) == [], answer
