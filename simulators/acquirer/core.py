"""The acquirer, sans-IO: the bytes of one ISO 8583 message in, a `Reply` (answers, delay, close) out.

Order of decisions for one message: decode (undecodable -> 30 or a logged close) -> kind (unsupported MTI ->
12) -> format (-> 30) -> duplicate STAN (-> 94, or the first answer again for a repeat MTI) -> scripted
behaviour -> the kind's handler (rules, holds, completions, reversals) -> answer -> journal. Transports
(server.py) only move bytes and apply the reply's delay; the core never raises on input.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping

import iso8583

from simulators import clock as bench_clock
from simulators.acquirer import codec, codes
from simulators.acquirer.behaviours import Behaviour, parse_behaviour
from simulators.acquirer.codec import MessageFormatError
from simulators.acquirer.processing import HANDLERS, Ledger, Outcome, Request
from simulators.acquirer.profile import (ECHOED, FIELD_CHECKS, KINDS, MessageKind, is_repeat, kind_for, problems,
                                         unsupported_request_answer_mti)
from simulators.acquirer.rules import RuleSettings
from simulators.acquirer.state import (DEFAULT_SESSION, AcquirerState, InMemoryAcquirerState, StanRecord,
                                       Transaction)
from simulators.journal import JournalEntry, JournalSink, ListJournal

log = logging.getLogger(__name__)

ACTOR = "acquirer"


@dataclass(frozen=True, slots=True)
class AcquirerConfig:
    spec: str = "ascii"  # "ascii" (hex-ASCII bitmaps) or "binary" (8-byte bitmaps), see codec.SPECS
    rules: RuleSettings = field(default_factory=RuleSettings)
    pan_key: bytes = b"simphonie-bench acquirer card token key"  # HMAC key of card tokens

    def __post_init__(self) -> None:
        codec.spec_named(self.spec)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the transport must do: send `answers` (zero, one or two) after `delay_seconds`, then maybe close."""

    answers: tuple[bytes, ...] = ()
    delay_seconds: float = 0.0
    close: bool = False


@dataclass(slots=True)
class _Exchange:
    """What the journal entry of one message is built from."""

    session: str = DEFAULT_SESSION
    service: str = "unknown"
    request_text: str = ""
    answer: dict[str, str] | None = None
    outcome: str = "ok"
    validation: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)


class AcquirerCore:
    """Thread-safe: one lock serialises every message, so no money moves twice under concurrency."""

    def __init__(self, config: AcquirerConfig | None = None, *, state: AcquirerState | None = None,
                 journal: JournalSink | None = None, clock: Callable[[], datetime] | None = None,
                 today: Callable[[str], date] | None = None) -> None:
        """`clock` stamps the journal; `today(session)` is the business day cards expire against (the bundled
        DIAPASON desk gives the test session's clock, so a card drawn for that day is judged on that day)."""
        self.config = config or AcquirerConfig()
        self.spec = codec.spec_named(self.config.spec)
        self.state: AcquirerState = state if state is not None else InMemoryAcquirerState()
        self.journal: JournalSink = journal if journal is not None else ListJournal()
        self.clock = clock or bench_clock.utcnow
        self.today = today or (lambda session: bench_clock.today())
        self._ledger = Ledger(self.state, self.config.rules, self.config.pan_key)
        self._lock = threading.Lock()

    # --- messages ---------------------------------------------------------------------------------------

    def handle(self, message: bytes, *, peer: str = "") -> Reply:
        started, at = bench_clock.monotonic(), self.clock()
        with self._lock:
            exchange = _Exchange(meta={"peer": peer} if peer else {})
            try:
                reply = self._process(bytes(message), at, exchange)
            except Exception:  # a bug must cost one answer (96), never the server
                log.exception("acquirer: internal error on a %d-byte message", len(message))
                reply = self._internal_error(exchange)
            self._record(exchange, at, started)
        return reply

    def feed(self, message: bytes) -> list[bytes]:
        """The answers to one message, ignoring delay and close (for in-memory use and tests)."""
        return list(self.handle(message).answers)

    def _process(self, message: bytes, at: datetime, exchange: _Exchange) -> Reply:
        try:
            fields = codec.decode(message, self.spec)
        except MessageFormatError as error:
            return self._undecodable(message, error, exchange)
        exchange.request_text = codec.render(fields)
        mti = fields["t"]
        exchange.service = mti
        exchange.session = self.state.session_for(fields.get("41", ""), fields.get("42", ""))
        exchange.meta.update(stan=fields.get("11"), terminal_id=fields.get("41"), merchant_id=fields.get("42"))
        kind = kind_for(mti)
        if kind is None:
            return self._unsupported(fields, exchange)
        found = problems(fields, kind)
        if found:
            exchange.validation = tuple(found)
            return self._answer(kind.response_mti, fields, codes.FORMAT_ERROR, exchange, outcome="format_error")
        return self._serve(kind, fields, at, exchange)

    def _serve(self, kind: MessageKind, fields: dict[str, str], at: datetime, exchange: _Exchange) -> Reply:
        session = exchange.session
        day = self.today(session)
        stan_key = f"{kind.mti[1]}|{fields.get('41', '')}|{day.isoformat()}|{fields['11']}"
        if kind.checks_stan:
            seen = self.state.stan_record(session, stan_key)
            if seen is not None:
                if is_repeat(fields["t"]):
                    exchange.meta["reason"] = "repeat_of_answered_stan"
                    return self._answer(kind.response_mti, fields, seen.response_code, exchange, rrn=seen.rrn,
                                        auth_id=seen.auth_id, outcome="repeat")
                exchange.meta["reason"] = "duplicate_stan"
                return self._answer(kind.response_mti, fields, codes.DUPLICATE_TRANSMISSION, exchange,
                                    outcome="duplicate_stan")
            behaviour = self._next_behaviour(session)
        else:
            behaviour = None
        request = Request(session, kind, fields, day, behaviour.decline_code if behaviour else None)
        outcome = HANDLERS[kind.name](request, self._ledger)
        booked = outcome.transaction
        if kind.checks_stan:
            self.state.remember_stan(session, StanRecord(stan_key, outcome.code, booked.auth_id if booked else "",
                                                         booked.id if booked else ""))
        self._describe(exchange, outcome, booked)
        reply = self._answer(kind.response_mti, fields, outcome.code, exchange,
                             rrn=booked.id if booked else "", auth_id=booked.auth_id if booked else "")
        return self._apply(behaviour, reply, exchange)

    def _next_behaviour(self, session: str) -> Behaviour | None:
        name = self.state.next_behaviour(session)
        return parse_behaviour(name) if name else None

    @staticmethod
    def _describe(exchange: _Exchange, outcome: Outcome, booked: Transaction | None) -> None:
        exchange.meta.update(outcome.detail)
        exchange.meta["reason"] = outcome.reason
        if booked is not None:
            exchange.meta.update(transaction=booked.id, kind=booked.kind, status=booked.status, amount=booked.amount,
                                 masked_pan=booked.masked_pan, card_token=booked.card_token)

    @staticmethod
    def _apply(behaviour: Behaviour | None, reply: Reply, exchange: _Exchange) -> Reply:
        if behaviour is None:
            return reply
        exchange.meta["behaviour"] = behaviour.name
        if behaviour.no_response:
            exchange.outcome = "no_response"
            return Reply()
        answers = reply.answers * 2 if behaviour.duplicate else reply.answers
        return Reply(answers, behaviour.delay_seconds)

    # --- answers ------------------------------------------------------------------------------------------

    def _answer(self, response_mti: str, fields: Mapping[str, str], code: str, exchange: _Exchange, *,
                rrn: str = "", auth_id: str = "", outcome: str | None = None) -> Reply:
        answer = {"t": response_mti}
        for number in ECHOED:
            value = fields.get(number)
            check = FIELD_CHECKS.get(number)
            if value and (check is None or check(value) is None):
                answer[number] = value
        if rrn:
            answer["37"] = rrn
        if auth_id and code == codes.APPROVED:
            answer["38"] = auth_id
        answer["39"] = code
        try:
            encoded = codec.encode(answer, self.spec)
        except iso8583.EncodeError:  # an echoed value the spec refuses: answer with the essentials only
            answer = {key: answer[key] for key in ("t", "11", "39") if key in answer}
            encoded = codec.encode(answer, self.spec)
        exchange.answer = answer
        exchange.outcome = outcome or ("ok" if code == codes.APPROVED else f"declined:{code}")
        exchange.meta.update(response_mti=response_mti, response_code=code)
        if rrn:
            exchange.meta["rrn"] = rrn
        return Reply((encoded,))

    def _undecodable(self, message: bytes, error: MessageFormatError, exchange: _Exchange) -> Reply:
        partial = error.partial
        exchange.request_text = codec.render_raw(message)
        exchange.validation = (error.reason,)
        exchange.session = self.state.session_for(partial.get("41", ""), partial.get("42", ""))
        mti = partial.get("t", "")
        exchange.service = mti or "undecodable"
        kind = kind_for(mti)
        response_mti = kind.response_mti if kind else unsupported_request_answer_mti(mti)
        if response_mti is None:
            exchange.outcome = "undecodable"
            exchange.meta["closed"] = True
            log.warning("acquirer: undecodable message (%s), closing the connection", error.reason)
            return Reply(close=True)
        return self._answer(response_mti, partial, codes.FORMAT_ERROR, exchange, outcome="format_error")

    def _unsupported(self, fields: Mapping[str, str], exchange: _Exchange) -> Reply:
        response_mti = unsupported_request_answer_mti(fields["t"])
        exchange.validation = (f"MTI: expected one of {', '.join(KINDS)}, received {fields['t']!r}",)
        if response_mti is None:  # an answer MTI (0110...) or a 1993 MTI: not ours to answer
            exchange.outcome = "unexpected_mti"
            exchange.meta["closed"] = True
            return Reply(close=True)
        return self._answer(response_mti, fields, codes.INVALID_TRANSACTION, exchange, outcome="unsupported_mti")

    def _internal_error(self, exchange: _Exchange) -> Reply:
        exchange.outcome = "internal_error"
        kind = kind_for(exchange.service)
        if kind is None:
            return Reply(close=True)
        return Reply((codec.encode({"t": kind.response_mti, "39": codes.SYSTEM_MALFUNCTION}, self.spec),))

    # --- journal ------------------------------------------------------------------------------------------

    def _record(self, exchange: _Exchange, at: datetime, started: float) -> None:
        response = codec.render(exchange.answer) if exchange.answer else ""
        if exchange.outcome == "no_response":
            response = f"[not sent: no_response]\n{response}"
        meta = {key: value for key, value in exchange.meta.items() if value not in ("", None)}
        self.journal.record(JournalEntry(
            session=exchange.session, actor=ACTOR, service=exchange.service, at=at.isoformat(),
            duration_ms=round((bench_clock.monotonic() - started) * 1000, 3), request=exchange.request_text,
            response=response, outcome=exchange.outcome, validation=exchange.validation, meta=meta))

    def record_fault(self, fault: str, detail: str, *, peer: str = "", session: str = DEFAULT_SESSION) -> None:
        """Journal a transport fault (bad length header, truncated frame, idle timeout) that ends a connection."""
        at = self.clock()
        with self._lock:
            self.journal.record(JournalEntry(
                session=session, actor=ACTOR, service="transport", at=at.isoformat(), duration_ms=0.0,
                request=codec.render_raw(detail.encode("ascii", errors="replace")).removeprefix("raw: "),
                response="", outcome=fault, meta={"peer": peer, "closed": True} if peer else {"closed": True}))

    # --- sessions -----------------------------------------------------------------------------------------

    def bind_session(self, session: str, *, terminal_id: str | None = None, merchant_id: str | None = None) -> None:
        """Route a terminal (DE41) or card acceptor (DE42) to a test session."""
        with self._lock:
            self.state.bind(session, terminal_id=terminal_id, merchant_id=merchant_id)

    def script(self, session: str, *names: str) -> None:
        """Queue scripted next answers for a session (validated now: UnknownBehaviour names the valid ones)."""
        for name in names:
            parse_behaviour(name)
        with self._lock:
            self.state.script(session, list(names))

    def transactions(self, session: str = DEFAULT_SESSION) -> list[Transaction]:
        with self._lock:
            return self.state.transactions(session)

    def reset(self, session: str = DEFAULT_SESSION) -> None:
        with self._lock:
            self.state.reset(session)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.state.snapshot()

    def restore(self, data: Mapping[str, Any]) -> None:
        with self._lock:
            self.state.restore(data)
