"""Concert E+ cash-register side, sans-IO: the counterpart the tests and the bench drive the terminal with.

It does what a careful GAP should: retries ENQ (EOT in between, as pypostelium), retransmits a NAKed frame,
NAKs a bad answer, checks the echoed POS/amount/currency, and acknowledges (but flags) a duplicate answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from simulators import clock as bench_clock
from hardware_emulator.concert import codec
from hardware_emulator.concert.codec import ACK, ENQ, EOT, ETX, NAK, STX, ConcertAnswer, ConcertRequest, FrameError
from hardware_emulator.concert.terminal import MAX_FRAME, ConcertTimings


@dataclass(slots=True)
class CashRegisterResult:
    answer: ConcertAnswer | None = None
    error: str | None = None
    echo_errors: list[str] = field(default_factory=list)
    naks_sent: int = 0
    retransmissions: int = 0
    duplicates: int = 0  # answers received again after the first one
    late_answer: ConcertAnswer | None = None  # an answer that came after the cash register gave up


class Phase(Enum):
    ENQ_SENT = "enq_sent"
    FRAME_SENT = "frame_sent"
    WAIT_ENQ = "wait_enq"
    RECEIVING = "receiving"
    WAIT_EOT = "wait_eot"
    DONE = "done"


class ConcertCashRegister:
    def __init__(self, request: ConcertRequest, *, timings: ConcertTimings = ConcertTimings(),
                 answer_wait: float = 120.0, clock: Callable[[], float] = bench_clock.monotonic) -> None:
        self.request = request
        self.timings = timings
        self.answer_wait = answer_wait  # pyTeliumManager waits 120 s for the terminal's ENQ
        self.result = CashRegisterResult()
        self._clock = clock
        self._frame = codec.frame(request.encode())
        self._buffer = bytearray()
        self._enq_tries = 0
        self._sends = 0
        self._bad_answers = 0
        self._receiving_duplicate = False
        self.phase = Phase.DONE
        self.deadline: float | None = None

    @property
    def done(self) -> bool:
        return self.phase == Phase.DONE

    def start(self) -> list[bytes]:
        now = self._clock()
        self._enq_tries = 1
        self._goto(Phase.ENQ_SENT, now + self.timings.ack_wait)
        return [ENQ]

    def next_deadline(self) -> float | None:
        return self.deadline

    def tick(self, now: float | None = None) -> list[bytes]:
        now = self._clock() if now is None else now
        if self.deadline is None or now < self.deadline:
            return []
        self.deadline = None
        return self._timeout(now)

    def feed(self, data: bytes) -> list[bytes]:
        out = self.tick()
        now = self._clock()
        for byte in data:
            out += self._byte(bytes([byte]), now)
        return out

    def _goto(self, phase: Phase, deadline: float | None) -> None:
        self.phase, self.deadline = phase, deadline

    def _fail(self, error: str) -> list[bytes]:
        self.result.error = error
        self._goto(Phase.DONE, None)
        return [EOT]

    def _timeout(self, now: float) -> list[bytes]:
        if self.phase == Phase.ENQ_SENT:
            if self._enq_tries > self.timings.max_retries:
                return self._fail("terminal did not acknowledge ENQ (busy or not configured)")
            self._enq_tries += 1
            self.deadline = now + self.timings.ack_wait
            return [EOT, ENQ]
        if self.phase == Phase.FRAME_SENT:
            return self._retransmit(now, "terminal did not acknowledge the request frame")
        if self.phase == Phase.WAIT_ENQ:
            self._goto(Phase.DONE, None)
            self.result.error = f"no answer from the terminal within {self.answer_wait} s"
            return []
        if self.phase == Phase.RECEIVING:
            self._buffer.clear()
            return self._nak_answer(now, f"answer incomplete after {self.timings.inter_byte} s of silence")
        if self.phase == Phase.WAIT_EOT:
            self._goto(Phase.DONE, None)  # the answer is good; a missing EOT is only noted
            self.result.echo_errors.append("terminal did not end with EOT")
        return []

    def _retransmit(self, now: float, error: str) -> list[bytes]:
        if self._sends > self.timings.max_retries:
            return self._fail(f"{error} after {self.timings.max_retries} retransmissions")
        self._sends += 1
        self.result.retransmissions += self._sends > 1
        self._goto(Phase.FRAME_SENT, now + self.timings.ack_wait)
        return [self._frame]

    def _byte(self, char: bytes, now: float) -> list[bytes]:
        phase = self.phase
        if phase == Phase.ENQ_SENT and char == ACK:
            return self._retransmit(now, "")
        if phase == Phase.FRAME_SENT and char == ACK:
            self._goto(Phase.WAIT_ENQ, now + self.answer_wait)
            return [EOT]
        if phase == Phase.FRAME_SENT and char == NAK:
            return self._retransmit(now, "terminal refused the request frame (NAK)")
        if phase in (Phase.WAIT_ENQ, Phase.DONE) and char == ENQ:
            self._receiving_duplicate = phase == Phase.DONE
            self._goto(Phase.RECEIVING, now + self.timings.inter_byte)
            return [ACK]
        if phase == Phase.RECEIVING:
            return self._answer_byte(char, now)
        if phase == Phase.WAIT_EOT and char == EOT:
            self._goto(Phase.DONE, None)
        return []  # anything else is noise on the line

    def _answer_byte(self, char: bytes, now: float) -> list[bytes]:
        if not self._buffer and char != STX:
            return []
        self._buffer += char
        self.deadline = now + self.timings.inter_byte
        if len(self._buffer) >= 3 and self._buffer[-2:-1] == ETX:
            raw, self._buffer = bytes(self._buffer), bytearray()
            try:
                answer = ConcertAnswer.parse(codec.unframe(raw))
            except FrameError as error:
                return self._nak_answer(now, str(error))
            self._accept(answer)
            self._goto(Phase.WAIT_EOT, now + self.timings.ack_wait)
            return [ACK]
        if len(self._buffer) > MAX_FRAME:
            self._buffer.clear()
            return self._nak_answer(now, "answer too long")
        return []

    def _nak_answer(self, now: float, error: str) -> list[bytes]:
        if self._bad_answers >= self.timings.max_retries:
            return self._fail(f"bad answer after {self.timings.max_retries} NAKs: {error}")
        self._bad_answers += 1
        self.result.naks_sent += 1
        self._goto(Phase.RECEIVING, now + self.timings.ack_wait)
        return [NAK]

    def _accept(self, answer: ConcertAnswer) -> None:
        if self._receiving_duplicate:
            if self.result.answer is None:
                self.result.late_answer = answer
            else:
                self.result.duplicates += 1
            return
        self.result.answer = answer
        expected = {"POS": (self.request.pos, answer.pos), "amount": (self.request.amount_cents, answer.amount_cents),
                    "currency": (self.request.currency, answer.currency)}
        for name, (sent, echoed) in expected.items():
            if sent != echoed:
                self.result.echo_errors.append(f"{name} echo: expected {sent!r}, received {echoed!r}")
