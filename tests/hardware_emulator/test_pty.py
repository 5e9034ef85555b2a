"""Over a real pty: an independent Concert E+ client (pyTeliumManager, unmodified) and our cash register."""
from __future__ import annotations

import json
import os
import termios

import pytest
from telium import (
    TERMINAL_ANSWER_SET_FULLSIZED, TERMINAL_ANSWER_SET_SMALLSIZED, TERMINAL_FORCE_AUTHORIZATION_DISABLE,
    TERMINAL_MODE_PAYMENT_DEBIT, TERMINAL_NUMERIC_CURRENCY_EUR, TERMINAL_REQUEST_ANSWER_WAIT_FOR_TRANSACTION,
    TERMINAL_TYPE_PAYMENT_CARD, Telium, TeliumAsk,
)
from telium.manager import TeliumNativeSerial
from telium.payment import LrcChecksumException

from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.codec import Report
from hardware_emulator.concert.terminal import ConcertTimings
from hardware_emulator.emulator import TerminalEmulator
from hardware_emulator.transports.pump import drive
from hardware_emulator.transports.serial_link import SerialPort
from simulators.masking import find_pans

from .conftest import TODAY, concert_request


@pytest.fixture
def tpe(tmp_path):
    emulator = TerminalEmulator("concert", "pty", symlink=str(tmp_path / "tpe0"), seed=11, today=lambda: TODAY,
                                timings=ConcertTimings(processing=0.0))
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def telium(tpe):
    device = Telium(tpe.address, timeout=2)
    yield device
    device.close()


def ask(answer_flag: str = TERMINAL_ANSWER_SET_FULLSIZED, amount: float = 12.5) -> TeliumAsk:
    return TeliumAsk("1", answer_flag, TERMINAL_MODE_PAYMENT_DEBIT, TERMINAL_TYPE_PAYMENT_CARD,
                     TERMINAL_NUMERIC_CURRENCY_EUR, TERMINAL_REQUEST_ANSWER_WAIT_FOR_TRANSACTION,
                     TERMINAL_FORCE_AUTHORIZATION_DISABLE, amount)


def test_symlink_points_at_the_pty_slave(tpe, tmp_path):
    assert tpe.address == str(tmp_path / "tpe0")
    assert os.path.realpath(tpe.address) == tpe.pty.device
    assert tpe.pty.line_speed() == 9600


def test_symlink_is_removed_on_stop(tmp_path):
    with TerminalEmulator("concert", "pty", symlink=str(tmp_path / "tpe1")) as emulator:
        assert os.path.islink(emulator.address)
    assert not os.path.lexists(tmp_path / "tpe1")


def test_a_regular_file_at_the_symlink_path_is_not_clobbered(tmp_path):
    (tmp_path / "taken").write_text("mine")
    with pytest.raises(FileExistsError, match="is not a symlink"):
        TerminalEmulator("concert", "pty", symlink=str(tmp_path / "taken")).start()
    assert (tmp_path / "taken").read_text() == "mine"


def test_pytelium_completes_a_payment_with_the_83_byte_answer(tpe, telium):
    payment = ask()
    assert telium.is_ok()
    assert telium.ask(payment)
    answer = telium.verify(payment, waiting_timeout=5)
    assert answer.has_succeeded
    assert (answer.amount, answer.currency_numeric, answer.pos_number) == (12.5, "978", "01")
    assert len(answer.transaction_id) == 10 and answer.transaction_id.isdigit()
    # pyTeliumManager expects a clear card number first in the report; it gets a masked one and cannot type it
    assert answer.card_type is None
    assert answer.repport[4:].startswith("497010******")  # after the expiry
    assert find_pans(answer.repport) == []
    outcomes = [entry.outcome for entry in tpe.journal.entries()[1]]
    assert outcomes == ["probe", "approved"]


def test_pytelium_completes_a_payment_with_the_28_byte_answer(tpe, telium):
    payment = ask(TERMINAL_ANSWER_SET_SMALLSIZED, 91.1)
    assert telium.ask(payment)
    answer = telium.verify(payment, waiting_timeout=5)
    assert answer.has_succeeded and answer.repport == "" and answer.amount == 91.1


def test_pytelium_sees_a_scripted_refusal(tpe, telium):
    tpe.script.queue_outcome("wrong_pin")
    payment = ask()
    assert telium.ask(payment)
    answer = telium.verify(payment, waiting_timeout=5)
    assert not answer.has_succeeded and answer.transaction_result == 7
    assert Report.parse(answer.repport).response_code == "55"


def test_pytelium_over_7e1_native_serial(tpe):
    """7E1 is meaningless on a pty; some kernels store it, others refuse PARENB (EINVAL) when pyserial
    reconfigures the port: then only a real serial port (or socat) can carry a 7E1 client."""
    device = None
    try:
        device = TeliumNativeSerial(tpe.address, timeout=2)
        payment = ask()
        assert device.ask(payment)
        assert device.verify(payment, waiting_timeout=5).has_succeeded
    except termios.error as error:
        pytest.skip(f"this kernel's pty refuses 7E1 settings: {error}")
    finally:
        if device is not None:
            device.close()


def test_pytelium_does_not_nak_a_corrupted_lrc_it_raises(tpe, telium):
    """Version difference: pyTeliumManager 2.4 has no NAK handling; a bad LRC is an exception to its caller."""
    tpe.script.arm_fault("corrupt_lrc")
    payment = ask()
    assert telium.ask(payment)
    with pytest.raises(LrcChecksumException):
        telium.verify(payment, waiting_timeout=5)


def test_pytelium_reports_busy_terminal_when_enq_is_not_acknowledged(tpe):
    from telium.manager import TerminalInitializationFailedException

    tpe.script.arm_fault("no_ack_to_enq")
    device = Telium(tpe.address, timeout=0.3)
    try:
        with pytest.raises(TerminalInitializationFailedException):
            device.ask(ask())
    finally:
        device.close()


def test_our_cash_register_over_the_pty_survives_nak_and_corrupt_lrc(tpe):
    tpe.script.arm_fault("nak_frame")
    tpe.script.arm_fault("corrupt_lrc")
    tpe.script.queue_outcome("contactless")
    port = SerialPort(tpe.address, 9600)
    try:
        register = ConcertCashRegister(concert_request(transaction_type="7"))
        drive(register, register.start(), port, timeout=10)
    finally:
        port.close()
    result = register.result
    assert result.error is None and result.retransmissions == 1 and result.naks_sent == 1
    assert len(Report.parse(result.answer.report).token) == 24
    text = json.dumps([e.to_dict() for e in tpe.journal.entries()[1]])
    assert find_pans(text) == []


def test_the_gap_can_close_and_reopen_the_port(tpe):
    for _ in range(2):
        device = Telium(tpe.address, timeout=2)
        payment = ask()
        assert device.ask(payment) and device.verify(payment, waiting_timeout=5).has_succeeded
        device.close()
