"""Each Concert line fault, seen from a careful cash register (the counterpart a GAP should be)."""
from __future__ import annotations

import pytest

from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.codec import ACK, ENQ, EOT
from hardware_emulator.concert.terminal import State
from hardware_emulator.faults import FaultError

from .conftest import concert_request


def last_entry(journal):
    return journal.entries()[1][-1]


def test_no_ack_to_enq_then_the_retry_succeeds(script, pay, journal):
    script.arm_fault("no_ack_to_enq", count=2)
    result = pay()
    assert result.answer is not None and result.error is None
    outcomes = [entry.outcome for entry in journal.entries()[1]]
    assert outcomes == ["enq_ignored", "enq_ignored", "approved"]


def test_no_ack_to_enq_every_time_makes_the_register_give_up(script, pay):
    script.arm_fault("no_ack_to_enq", count=None)
    assert pay().error == "terminal did not acknowledge ENQ (busy or not configured)"


def test_nak_to_a_valid_frame_is_followed_by_a_retransmission(script, pay):
    script.arm_fault("nak_frame")
    result = pay()
    assert result.answer is not None and result.retransmissions == 1


def test_nak_every_frame_ends_after_three_retransmissions(script, pay):
    script.arm_fault("nak_frame", count=None)
    result = pay()
    assert result.answer is None and "after 3 retransmissions" in result.error


def test_corrupted_lrc_is_naked_by_the_register_and_retransmitted(script, pay, journal):
    script.arm_fault("corrupt_lrc")
    result = pay()
    assert result.naks_sent == 1 and result.answer.status == "0"
    assert last_entry(journal).meta["faults"] == ["corrupt_lrc"]


def test_split_write_just_under_the_inter_byte_limit_is_accepted(script, pay):
    script.arm_fault("split_write", gap=2.9)
    result = pay()
    assert result.naks_sent == 0 and result.answer is not None


def test_split_write_over_the_inter_byte_limit_is_naked_then_resent_whole(script, pay, journal):
    script.arm_fault("split_write", gap=3.5)
    result = pay()
    assert result.naks_sent == 1 and result.answer is not None
    kinds = [u["kind"] for u in last_entry(journal).meta["frames"] if u["dir"] == "terminal->ecr"]
    assert kinds.count("frame_part") == 2 and kinds.count("frame") == 1


def test_late_answer_arrives_after_the_register_gave_up(script, pay):
    script.arm_fault("late_answer", delay=121)
    result = pay(answer_wait=120.0)
    assert result.answer is None and result.error == "no answer from the terminal within 120.0 s"
    assert result.late_answer is not None


def test_late_answer_within_the_wait_is_fine(script, pay):
    script.arm_fault("late_answer", delay=60)
    assert pay(answer_wait=120.0).answer is not None


def test_garbage_before_the_answer_is_skipped(script, pay, journal):
    script.arm_fault("garbage", data="00ff41424315")
    assert pay().answer.status == "0"
    kinds = [u["kind"] for u in last_entry(journal).meta["frames"]]
    assert "noise" in kinds


def test_duplicate_answer_is_flagged(script, pay, journal):
    script.arm_fault("duplicate_answer")
    result = pay()
    assert result.duplicates == 1 and result.answer is not None
    sent = [u["kind"] for u in last_entry(journal).meta["frames"] if u["dir"] == "terminal->ecr"]
    assert sent.count("frame") == 2


def test_wrong_echo_is_detected(script, pay):
    script.arm_fault("wrong_echo")
    assert pay().echo_errors == ["amount echo: expected 1250, received 1251"]


def test_no_eot_is_noted(script, pay):
    script.arm_fault("no_eot")
    result = pay()
    assert result.answer is not None and result.echo_errors == ["terminal did not end with EOT"]


def test_no_answer_after_eot(script, pay, journal):
    script.arm_fault("no_answer")
    assert pay(answer_wait=10.0).error == "no answer from the terminal within 10.0 s"
    assert last_entry(journal).outcome == "no_answer"


def test_a_fault_fires_count_times_only(script, pay):
    script.arm_fault("wrong_echo", count=2)
    assert [bool(pay().echo_errors) for _ in range(3)] == [True, True, False]


def test_caisse_ap_only_fault_is_refused_for_concert(script):
    with pytest.raises(FaultError, match="does not apply to concert"):
        script.arm_fault("bad_length")


def test_register_nak_of_an_unreadable_answer_three_times_then_gives_up(clock):
    """The cash-register side of bounded retransmission, against a terminal that always corrupts the answer."""
    register = ConcertCashRegister(concert_request(), clock=clock)
    assert register.start() == [ENQ]
    register.feed(ACK)
    assert register.feed(ACK) == [EOT]
    assert register.feed(ENQ) == [ACK]
    bad = b"\x02" + b"0" * 80 + b"\x03\x00"
    assert [register.feed(bad) for _ in range(4)] == [[b"\x15"], [b"\x15"], [b"\x15"], [EOT]]
    assert register.done and register.result.error.startswith("bad answer after 3 NAKs")


def test_terminal_recovers_after_every_fault(script, pay, terminal):
    for kind in ("no_ack_to_enq", "nak_frame", "corrupt_lrc", "split_write", "garbage", "duplicate_answer",
                 "wrong_echo", "no_eot", "no_answer", "late_answer"):
        script.arm_fault(kind)
        pay(answer_wait=130.0)
        assert terminal.state == State.IDLE, kind
    assert pay().answer.status == "0"
