"""Caisse-AP V3 terminal side over one TCP connection, sans-IO (domain notes §2.3, §5.1).

READ (until a whole TLV stream followed by `quiet` seconds of silence, or EOF; fragmentation tolerated)
--> VALIDATE (CZ first, known tags, lengths, mandatory CZ CJ CA CB CD CE) --> [BA=1: AE=11 at once]
--> PROCESS (card outcome) --> ANSWER (echo CA/CB/CD/CE, AE/AF, CC/CI/AA masked/AB/AC/AI/CG) --> close.
Anything malformed is answered AE=01 AF=09 straight away.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

from simulators import clock as bench_clock
from hardware_emulator.caisse_ap import tlv
from hardware_emulator.caisse_ap.tlv import TlvError
from hardware_emulator.engine import CANCELLATION, CONSENT, CREDIT, DEBIT, PaymentEngine, PaymentRequest, PaymentResult
from hardware_emulator.core_base import CoreBase
from hardware_emulator.outcomes import outcome
from hardware_emulator.wire_log import IN
from simulators.journal import JournalSink

DONE, NOT_DONE, TAKEN = "10", "01", "11"  # AE
FORMAT_ERROR = "09"  # AF
STATUS = "T"  # CD: status of the last transaction
READ_MODES_TO_APPLICATION = {"1": "001", "2": "00B"}  # CI -> CC (CB contact / CB contactless)
CB_AID = "A0000000421010"


@dataclass(frozen=True, slots=True)
class CaisseApOptions:
    consent_action: str = "7"  # CD code of the DIAPASON consent (deferred debit, S17)
    quiet: float = 0.05  # silence after a whole TLV stream before it is taken as the complete message
    assemble_timeout: float = 3.0  # silence allowed inside a cut-short TLV before AF=09
    processing: float = 0.0  # base time at the card reader
    immediate_followup: bool = True  # after AE=11, also send the final answer on the same connection
    token_tag: str = "CF"  # where a consent's token goes (private data)
    merchant_contract: str = "4242420"  # CG
    max_message: int = 4096


class State(Enum):
    READING = "reading"
    PROCESSING = "processing"
    SILENT = "silent"
    DONE = "done"


class CaisseApTerminal(CoreBase):
    """One connection: one request, one answer (two with BA=1), then `closed`."""

    def __init__(self, engine: PaymentEngine, *, journal: JournalSink | None = None, session: str = "default",
                 options: CaisseApOptions = CaisseApOptions(),
                 clock: Callable[[], float] = bench_clock.monotonic) -> None:
        super().__init__(engine, journal=journal, session=session, service="caisse-ap", clock=clock)
        self.options = options
        self._actions = {"0": DEBIT, "1": CREDIT, "2": CANCELLATION, options.consent_action: CONSENT}
        self._buffer = bytearray()
        self._tags: dict[str, str] = {}
        self._result: PaymentResult | None = None
        self.state = State.READING

    @property
    def closed(self) -> bool:
        return self.state == State.DONE and not self._outbox

    # sans-IO interface -------------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[bytes]:
        now = self._clock()
        self._expire(now)
        if self.state == State.PROCESSING:
            self._wire.unit(IN, data, "noise")
        elif self.state == State.READING:
            self._buffer += data
            self._read(now)
        return self._drain(now)

    def feed_eof(self) -> list[bytes]:
        now = self._clock()
        if self.state == State.READING:
            self.deadline = None
            self._complete(now) if self._buffer else self._end("disconnected")
        elif self.state == State.SILENT:
            self.state = State.DONE
        self._expire(now)
        return self._drain(now)

    def tick(self, now: float | None = None) -> list[bytes]:
        now = self._clock() if now is None else now
        self._expire(now)
        return self._drain(now)

    # reading ----------------------------------------------------------------------------------------------
    def _read(self, now: float) -> None:
        if len(self._buffer) > self.options.max_message:
            self._format_error(now, f"message longer than {self.options.max_message} bytes")
            return
        try:
            _, whole = tlv.split(bytes(self._buffer))
        except TlvError as error:
            self._format_error(now, str(error))
            return
        self.deadline = now + (self.options.quiet if whole else self.options.assemble_timeout)

    def _expire(self, now: float) -> None:
        while self.deadline is not None and now >= self.deadline:
            deadline, self.deadline = self.deadline, None
            if self.state == State.READING:
                self._complete(deadline)
            elif self.state == State.PROCESSING:
                self._final_answer(deadline)

    def _complete(self, now: float) -> None:
        try:
            pairs, whole = tlv.split(bytes(self._buffer))
            if not whole:
                raise TlvError("a TLV length runs past the end of the message")
            self._tags = tlv.validate_request(pairs)
        except TlvError as error:
            self._format_error(now, str(error))
            return
        self._wire.unit(IN, bytes(self._buffer), "message")
        self._process(now)

    def _format_error(self, now: float, reason: str) -> None:
        self._wire.unit(IN, bytes(self._buffer), "message")
        try:
            self._tags = {tag: value for tag, value in tlv.split(bytes(self._buffer))[0] if tag in tlv.MANDATORY}
        except TlvError:
            self._tags = {}
        pairs = [("CZ", self._tags.get("CZ", "0300"))] + self._echoes() + [("AE", NOT_DONE), ("AF", FORMAT_ERROR)]
        self._emit(tlv.encode(pairs), now, "message")
        self._end("format_error", errors=[reason])

    # processing -------------------------------------------------------------------------------------------
    def _process(self, now: float) -> None:
        tags = self._tags
        if tags["CD"] == STATUS:
            last = self.engine.last_result
            self._result = last
            self._emit(self._answer(last, status=True), now, "message")
            self._end("status")
            return
        request = PaymentRequest(tags["CA"], int(tags["CB"]), tags["CE"], self._actions.get(tags["CD"]))
        self._result = self.engine.process(request)
        if tags.get("BA") == "1":
            self._emit(tlv.encode([("CZ", tags["CZ"]), *self._echoes(), ("AE", TAKEN)]), now, "message")
            if not self.options.immediate_followup:
                self._end(self._result.outcome, immediate=True)
                return
        if self._fault("no_answer"):  # journal now; the connection stays open until the client gives up
            self.state, self.deadline = State.SILENT, None
            self._wire.close("no_answer", faults=self._fired, **self._result.journal_meta())
            return
        late = self._fault("late_answer")
        delay = self.options.processing + self._result.delay + (late.number("delay") if late else 0.0)
        self.state, self.deadline = State.PROCESSING, now + delay

    def _final_answer(self, now: float) -> None:
        assert self._result is not None
        message = self._answer(self._result)
        garbage = self._fault("garbage")
        if garbage:
            self._emit(garbage.data("data"), now, "noise")
        if self._fault("bad_length"):
            message = message[:2] + f"{int(message[2:5]) + 1:03d}".encode() + message[5:]
        split = self._fault("split_write")
        if split:
            cut = min(max(1, int(len(message) * split.number("at"))), len(message) - 1)
            self._emit(message[:cut], now, "message_part")
            self._emit(message[cut:], now + split.number("gap"), "message_part")
        else:
            self._emit(message, now, "message")
        if self._fault("duplicate_answer"):
            self._emit(message, now, "message")
        self._end(self._result.outcome)

    def _answer(self, result: PaymentResult | None, *, status: bool = False) -> bytes:
        echoes = self._echoes()
        if status and result is not None and result.request is not None:  # the original transaction's amount
            echoes = [(t, f"{result.request.amount_cents:02d}" if t == "CB" else v) for t, v in echoes]
        elif not status and self._fault("wrong_echo"):
            echoes = [(t, f"{int(v) + 1:0{len(v)}d}" if t == "CB" else v) for t, v in echoes]
        pairs = [("CZ", self._tags["CZ"]), *echoes]
        if result is None:
            return tlv.encode(pairs + [("AE", NOT_DONE), ("AF", outcome("no_transaction").caisse_ap_af or "07")])
        pairs.append(("AE", DONE if result.approved else NOT_DONE))
        if not result.approved:
            pairs.append(("AF", result.spec.caisse_ap_af or "00"))
        if result.masked_pan:
            pairs += [("AA", result.masked_pan), ("AL", "1"), ("AB", result.expiry or "")]
        if result.approved:
            pairs += [("CC", READ_MODES_TO_APPLICATION.get(result.read_mode, "001")), ("CI", result.read_mode),
                      ("AC", result.authorisation or "000000"), ("AI", CB_AID), ("CG", self.options.merchant_contract)]
        if result.token:
            pairs.append((self.options.token_tag, result.token))
        elif "CF" in self._tags:
            pairs.append(("CF", self._tags["CF"]))
        return tlv.encode(pairs)

    def _echoes(self) -> list[tuple[str, str]]:
        """CA/CB/CD/CE as received (leading zeros kept, as terminals do)."""
        return [(tag, self._tags[tag]) for tag in ("CA", "CB", "CD", "CE") if tag in self._tags]

    # plumbing ---------------------------------------------------------------------------------------------
    def _end(self, outcome_name: str, **meta: object) -> None:
        self.state, self.deadline = State.DONE, None
        result_meta = self._result.journal_meta() if self._result else {}
        self._wire.close(outcome_name, faults=self._fired or None, **{**result_meta, **meta})
