"""Concert E+ terminal side, sans-IO: bytes in, bytes out, deadlines instead of sleeps.

IDLE --ENQ/ACK--> WAIT_FRAME --valid frame/ACK--> WAIT_EOT --EOT--> PROCESSING --(delay)--> WAIT_ENQ_ACK
--ACK/answer--> WAIT_ANSWER_ACK --ACK/EOT--> IDLE (domain notes §5.1). A bad LRC or length gets NAK and the
cash register may retransmit `max_retries` times; an answer NAKed (or not acknowledged) is retransmitted as
many times; past that the terminal gives up with EOT. Timeouts bring it back to IDLE.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

from simulators import clock as bench_clock
from hardware_emulator.concert import codec
from hardware_emulator.concert.codec import (
    ACK, ENQ, EOT, ETX, NAK, STX, ConcertAnswer, ConcertRequest, FrameError, Report,
)
from hardware_emulator.core_base import CoreBase
from hardware_emulator.engine import CONSENT, PaymentEngine, PaymentRequest, PaymentResult
from hardware_emulator.wire_log import CONTROL_NAMES, IN
from simulators.journal import JournalSink
from simulators.masking import find_pans

MAX_FRAME = 128  # bytes between STX and ETX before the frame is declared too long
MAX_RENUMBERING = 20  # transaction numbers skipped at most so that an answer never holds a Luhn-valid digit run


@dataclass(frozen=True, slots=True)
class ConcertTimings:
    inter_byte: float = 3.0  # silence allowed inside a frame, and before the frame after our ACK (3 s, S13)
    ack_wait: float = 3.0  # wait for ACK to our ENQ or answer, and for EOT after our ACK
    max_retries: int = 3  # NAKs sent / retransmissions made before giving up with EOT
    processing: float = 0.0  # base time at the card reader, added to each outcome's scripted delay


class State(Enum):
    IDLE = "idle"
    WAIT_FRAME = "wait_frame"
    WAIT_EOT = "wait_eot"
    PROCESSING = "processing"
    WAIT_ENQ_ACK = "wait_enq_ack"
    WAIT_ANSWER_ACK = "wait_answer_ack"


class ConcertTerminal(CoreBase):
    """One terminal's line. `feed` the bytes read, write what it returns; call `tick` at `next_deadline()`."""

    def __init__(self, engine: PaymentEngine, *, journal: JournalSink | None = None, session: str = "default",
                 consent_code: str = "7", timings: ConcertTimings = ConcertTimings(),
                 clock: Callable[[], float] = bench_clock.monotonic) -> None:
        super().__init__(engine, journal=journal, session=session, service="concert", clock=clock)
        self.timings = timings
        self._types = {**codec.TRANSACTION_TYPES, consent_code: CONSENT}
        self._noise = bytearray()
        self.closed = False
        self._idle()
        self._on_byte = {
            State.IDLE: self._byte_idle, State.WAIT_FRAME: self._byte_frame, State.WAIT_EOT: self._byte_wait_eot,
            State.PROCESSING: self._byte_noise, State.WAIT_ENQ_ACK: self._byte_enq_ack,
            State.WAIT_ANSWER_ACK: self._byte_answer_ack,
        }
        self._on_timeout = {
            State.WAIT_FRAME: self._timeout_frame, State.WAIT_EOT: lambda now: self._finish("no_eot_from_ecr"),
            State.PROCESSING: self._answer_ready, State.WAIT_ENQ_ACK: self._retry_enq,
            State.WAIT_ANSWER_ACK: self._retry_answer,
        }

    # sans-IO interface -------------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[bytes]:
        now = self._clock()
        self._expire(now)
        for byte in data:
            self._on_byte[self.state](byte, now)
        self._expire(now)  # a zero processing time answers at once
        return self._drain(now)

    def tick(self, now: float | None = None) -> list[bytes]:
        now = self._clock() if now is None else now
        self._expire(now)
        return self._drain(now)

    def feed_eof(self) -> list[bytes]:
        self._finish("disconnected")
        self.closed = True
        return []

    # plumbing ---------------------------------------------------------------------------------------------
    def _idle(self) -> None:
        self.state = State.IDLE
        self.deadline: float | None = None
        self._buffer = bytearray()
        self._got_etx = False
        self._rx_naks = 0
        self._request: ConcertRequest | None = None
        self._result: PaymentResult | None = None
        self._answer: bytes = b""
        self._enq_tries = 0
        self._tx_retries = 0
        self._duplicated = False
        self._fired: list[str] = []
        self._errors: list[str] = []  # why frames were NAKed

    def _goto(self, state: State, deadline: float | None) -> None:
        self.state, self.deadline = state, deadline

    def _expire(self, now: float) -> None:
        while self.deadline is not None and now >= self.deadline:
            deadline, self.deadline = self.deadline, None
            self._on_timeout[self.state](deadline)

    def _emit(self, data: bytes, at: float, kind: str | None = None) -> None:
        self._flush_noise()
        super()._emit(data, at, kind or _kind(data))

    def _received(self, data: bytes, kind: str | None = None) -> None:
        self._flush_noise()
        self._wire.unit(IN, data, kind or _kind(data))

    def _byte_noise(self, byte: int, now: float) -> None:
        self._noise.append(byte)

    def _flush_noise(self) -> None:
        if self._noise:
            noise, self._noise = bytes(self._noise), bytearray()
            self._wire.unit(IN, noise, "noise")

    def _finish(self, outcome: str) -> None:
        self._flush_noise()
        meta = self._result.journal_meta() if self._result else {}
        if self._request is not None:
            meta.update(answer_flag=self._request.answer_flag, delay_mode=self._request.delay)
        self._wire.close(outcome, faults=self._fired or None, errors=self._errors or None, **meta)
        self._idle()

    # receiving the request --------------------------------------------------------------------------------
    def _byte_idle(self, byte: int, now: float) -> None:
        if bytes([byte]) != ENQ:
            self._byte_noise(byte, now)
            return
        self._received(ENQ)
        if self._fault("no_ack_to_enq"):
            self._finish("enq_ignored")
            return
        self._emit(ACK, now)
        self._goto(State.WAIT_FRAME, now + self.timings.inter_byte)

    def _byte_frame(self, byte: int, now: float) -> None:
        char = bytes([byte])
        if not self._buffer:
            if char == STX:
                self._buffer.append(byte)
            elif char == ENQ:  # the cash register did not see our ACK: acknowledge again
                self._received(ENQ)
                self._emit(ACK, now)
            elif char == EOT:  # ENQ/ACK/EOT is a status probe (pyTeliumManager's is_ok)
                self._received(EOT)
                self._finish("aborted_by_ecr" if self._errors or self._fired else "probe")
                return
            else:
                self._byte_noise(byte, now)
            self.deadline = now + self.timings.inter_byte
            return
        self._buffer.append(byte)
        self.deadline = now + self.timings.inter_byte
        if self._got_etx:
            self._frame_complete(bytes(self._buffer), now)
        elif char == ETX:
            self._got_etx = True
        elif len(self._buffer) > MAX_FRAME:
            self._reject(bytes(self._buffer), f"no ETX within {MAX_FRAME} bytes", now)

    def _frame_complete(self, raw: bytes, now: float) -> None:
        self._buffer, self._got_etx = bytearray(), False
        try:
            request = ConcertRequest.parse(codec.unframe(raw))
        except FrameError as error:
            self._reject(raw, str(error), now)
            return
        self._received(raw, "frame")
        if self._fault("nak_frame"):
            self._emit(NAK, now)
            self.deadline = now + self.timings.inter_byte
            return
        self._request = request
        self._emit(ACK, now)
        self._goto(State.WAIT_EOT, now + self.timings.ack_wait)

    def _reject(self, raw: bytes, reason: str, now: float) -> None:
        self._buffer, self._got_etx = bytearray(), False
        self._received(raw, "bad_frame")
        self._errors.append(reason)
        if self._rx_naks < self.timings.max_retries:
            self._rx_naks += 1
            self._emit(NAK, now)
            self._goto(State.WAIT_FRAME, now + self.timings.inter_byte)
        else:
            self._emit(EOT, now)
            self._finish("rx_failed")

    def _timeout_frame(self, now: float) -> None:
        if self._buffer:
            self._received(bytes(self._buffer), "partial_frame")
        self._finish("timeout")

    def _byte_wait_eot(self, byte: int, now: float) -> None:
        char = bytes([byte])
        if char == EOT:
            self._received(EOT)
            self._start_processing(now)
        elif char == STX:  # a retransmission: the cash register did not see our ACK
            self._goto(State.WAIT_FRAME, now + self.timings.inter_byte)
            self._buffer.append(byte)
        else:
            self._byte_noise(byte, now)

    # processing and answering -----------------------------------------------------------------------------
    def _start_processing(self, now: float) -> None:
        assert self._request is not None
        ask = self._request
        request = PaymentRequest(ask.pos, ask.amount_cents, ask.currency, self._types.get(ask.transaction_type))
        if request.action == CONSENT and ask.answer_flag != codec.ANSWER_LONG:
            self._result = self.engine.refuse(request, "answer_mode_refused")
        else:
            self._result = self.engine.process(request)
        if self._fault("no_answer"):
            self._finish("no_answer")
            return
        delay = 0.0 if ask.delay == codec.IMMEDIATE else self.timings.processing + self._result.delay
        late = self._fault("late_answer")
        if late:
            delay += late.number("delay")
        self._goto(State.PROCESSING, now + delay)

    def _answer_ready(self, now: float) -> None:
        assert self._request is not None and self._result is not None
        wrong_echo = self._fault("wrong_echo") is not None
        body = self._answer_body(self._request, self._result, wrong_echo)
        for _ in range(MAX_RENUMBERING):  # currency + transaction number form a 13-digit run at the end
            if not find_pans(body):
                break
            self._result = self.engine.renumber(self._result)
            body = self._answer_body(self._request, self._result, wrong_echo)
        self._answer = codec.frame(body)
        self._send_enq(now)

    def _answer_body(self, ask: ConcertRequest, result: PaymentResult, wrong_echo: bool) -> str:
        immediate = ask.delay == codec.IMMEDIATE
        status = codec.NOT_VERIFIED if immediate else result.spec.concert_status
        report = None
        if ask.answer_flag == codec.ANSWER_LONG:
            report = "" if immediate else Report(result.masked_pan or "", result.expiry or "", result.response_code,
                                                 result.authorisation or "", result.token or "").encode()
        amount = ask.amount_cents + (1 if wrong_echo else 0)
        return ConcertAnswer(ask.pos, status, amount, ask.mode, ask.currency, result.transaction_id,
                             report).encode()

    def _send_enq(self, now: float) -> None:
        garbage = self._fault("garbage")
        if garbage:
            self._emit(garbage.data("data"), now, "noise")
        self._enq_tries += 1
        self._emit(ENQ, now)
        self._goto(State.WAIT_ENQ_ACK, now + self.timings.ack_wait)

    def _retry_enq(self, now: float) -> None:
        if self._enq_tries <= self.timings.max_retries:
            self._send_enq(now)
        else:
            self._emit(EOT, now)
            self._finish("no_ack_from_ecr")

    def _byte_enq_ack(self, byte: int, now: float) -> None:
        char = bytes([byte])
        if char == ACK:
            self._received(ACK)
            self._transmit_answer(now, first=True)
        elif char == NAK:
            self._received(NAK)
            self._retry_enq(now)
        else:
            self._byte_noise(byte, now)

    def _transmit_answer(self, now: float, *, first: bool) -> None:
        answer = self._answer
        if first and not self._duplicated and self._fault("corrupt_lrc"):
            answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
        split = self._fault("split_write") if first and not self._duplicated else None
        if split:
            cut = min(max(1, int(len(answer) * split.number("at"))), len(answer) - 1)
            self._emit(answer[:cut], now, "frame_part")
            last = now + split.number("gap")
            self._emit(answer[cut:], last, "frame_part")
        else:
            last = now
            self._emit(answer, now, "frame")
        self._goto(State.WAIT_ANSWER_ACK, last + self.timings.ack_wait)

    def _byte_answer_ack(self, byte: int, now: float) -> None:
        char = bytes([byte])
        if char == ACK:
            self._received(ACK)
            self._answer_delivered(now)
        elif char == NAK:
            self._received(NAK)
            self._retry_answer(now)
        else:
            self._byte_noise(byte, now)

    def _retry_answer(self, now: float) -> None:
        if self._tx_retries < self.timings.max_retries:
            self._tx_retries += 1
            self._outbox = [item for item in self._outbox if item[2] != "frame_part"]
            self._transmit_answer(now, first=False)
        else:
            self._emit(EOT, now)
            self._finish("tx_failed")

    def _answer_delivered(self, now: float) -> None:
        if not self._fault("no_eot"):
            self._emit(EOT, now)
        if not self._duplicated and self._fault("duplicate_answer"):
            self._duplicated = True
            self._enq_tries = self._tx_retries = 0
            self._send_enq(now)
            return
        assert self._result is not None
        self._finish(self._result.outcome)


def _kind(data: bytes) -> str:
    if len(data) == 1 and data[0] in CONTROL_NAMES:
        return CONTROL_NAMES[data[0]]
    return "frame" if data[:1] == STX else "noise"
