"""Terminal fixtures: a fake monotonic clock, cores wired to each other in memory, short timings."""
from __future__ import annotations

from datetime import date

import pytest

from hardware_emulator.cards import SyntheticCards
from hardware_emulator.concert.cash_register import CashRegisterResult, ConcertCashRegister
from hardware_emulator.concert.codec import ConcertRequest
from hardware_emulator.concert.terminal import ConcertTerminal, ConcertTimings
from hardware_emulator.engine import PaymentEngine
from hardware_emulator.script import TerminalScript
from hardware_emulator.wire_log import RingJournal

TODAY = date(2026, 3, 2)
TIMINGS = ConcertTimings()  # the real 3 s limits: the fake clock makes them free


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def concert_request(amount_cents: int = 1250, *, answer_flag: str = "1", transaction_type: str = "0",
                    currency: str = "978", delay: str = "A010", private: str = " " * 10) -> ConcertRequest:
    return ConcertRequest("01", amount_cents, answer_flag, "1", transaction_type, currency, private, delay, "B010")


def shuttle(terminal, register: ConcertCashRegister, clock: FakeClock, steps: int = 5000) -> CashRegisterResult:
    """Move bytes between the two cores; when nothing is in flight, jump the clock to the next deadline."""
    to_terminal, to_register = register.start(), []
    for _ in range(steps):
        if to_terminal:
            data, to_terminal = b"".join(to_terminal), []
            to_register += terminal.feed(data)
        elif to_register:
            data, to_register = b"".join(to_register), []
            to_terminal += register.feed(data)
        else:
            deadlines = [d for d in (terminal.next_deadline(), register.next_deadline()) if d is not None]
            if not deadlines:
                return register.result
            clock.now = max(clock.now, min(deadlines))
            to_register += terminal.tick()
            to_terminal += register.tick()
    raise AssertionError("the exchange did not settle")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def script():
    return TerminalScript(protocol="concert")


@pytest.fixture
def journal():
    return RingJournal()


@pytest.fixture
def engine(script):
    return PaymentEngine(script, SyntheticCards(seed=7), today=lambda: TODAY)


@pytest.fixture
def terminal(engine, journal, clock):
    return ConcertTerminal(engine, journal=journal, clock=clock, timings=TIMINGS)


@pytest.fixture
def pay(terminal, clock):
    """Run one payment from a well-behaved cash register; returns its result."""
    def run(request: ConcertRequest | None = None, **register_options) -> CashRegisterResult:
        register = ConcertCashRegister(request or concert_request(), clock=clock, **register_options)
        return shuttle(terminal, register, clock)
    return run
