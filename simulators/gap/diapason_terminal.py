"""The desk's payment terminal as the reference GAP drives it for a DIAPASON consent (domain notes §2, §5.3).

Two links, one answer type: `CaisseApLink` (Caisse-AP V3 TLV over TCP, action CD=7) and `ConcertLink`
(Concert E+ over a serial line, transaction type 7, long answer). Both check the echoes, keep only the token,
the masked PAN and the expiry (never a full card number), and never take a consent for granted: an answer that
cannot be read is asked again with a status query (Caisse-AP CD=T) or counts as no consent.
"""
from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from simulators import clock
from hardware_emulator.caisse_ap import tlv
from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.codec import (ANSWER_LONG, AT_END, AUTH_NORMAL, ACCEPTED, ConcertRequest, Report)
from hardware_emulator.concert.terminal import ConcertTimings
from hardware_emulator.outcomes import catalogue as outcome_catalogue
from simulators.gap.diapason_serial import open_serial_path

CAISSE_AP, CONCERT = "caisse-ap", "concert"
CONSENT_ACTION = "7"  # Caisse-AP CD / Concert transaction type of the DIAPASON consent (docs/terminal.md)
EUR = "978"
CASH_REGISTER_ID = "012345678901"  # CJ: the AP-issued identifier of the cash-register software (a dummy)
CONTACTLESS = "2"  # Caisse-AP CI

# What the terminal's answer says about the card reader, by Caisse-AP AF and by ISO response code (Concert).
_AF_OUTCOMES = {"04": "refused", "08": "input_timeout", "09": "format_error", "11": "operator_abort",
                "12": "unknown_action", "13": "currency_not_supported"}
_CODE_OUTCOMES = {spec["response_code"]: str(spec["name"]) for spec in outcome_catalogue()
                  if not spec["approved"] and str(spec["response_code"]).strip()}


@dataclass(frozen=True, slots=True)
class TerminalConsent:
    """What the GAP keeps of one consent asked at the terminal: never a full card number, never a PIN.

    `outcome`: approved, or why not (wrong_pin, operator_abort..., or the link's: timeout, unreadable,
    echo_mismatch, unreachable, no_pin); `notes` say what the link had to do (NAKs, status query...)."""

    approved: bool
    outcome: str
    protocol: str
    response_code: str = ""
    token: str | None = None
    masked_pan: str | None = None
    card_expiry: str | None = None
    pin_verified: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"approved": self.approved, "outcome": self.outcome, "protocol": self.protocol,
                "response_code": self.response_code, "masked_pan": self.masked_pan, "card_expiry": self.card_expiry,
                "token": self.token, "pin_verified": self.pin_verified, "notes": list(self.notes)}


class TerminalLink(Protocol):
    protocol: str

    def consent(self, amount_cents: int) -> TerminalConsent: ...


# -- Caisse-AP over TCP -----------------------------------------------------------------------------------------
_MESSAGE_START = re.compile(rb"CZ\d{3}")


def read_messages(data: bytes) -> list[dict[str, str]]:
    """The answers in what the terminal sent: noise before the first CZ is skipped; a message that does not
    parse as TLVs ends the list (TlvError when nothing could be read)."""
    start = _MESSAGE_START.search(data)
    if start is None:
        raise tlv.TlvError("no CZ tag in the terminal's answer")
    pairs, _ = tlv.split(data[start.start():])
    messages: list[dict[str, str]] = []
    for tag, value in pairs:
        if tag == "CZ" or not messages:
            messages.append({})
        messages[-1].setdefault(tag, value)
    return messages


@dataclass
class CaisseApLink:
    """One connection per request (the terminal closes after answering); `answer_wait_s` bounds the wait."""

    host: str
    port: int
    pos: str = "01"
    answer_wait_s: float = 30.0
    protocol: str = CAISSE_AP
    notes: list[str] = field(default_factory=list)

    def consent(self, amount_cents: int) -> TerminalConsent:
        self.notes = []
        request = [("CZ", "0300"), ("CJ", CASH_REGISTER_ID), ("CA", self.pos), ("CB", f"{amount_cents:02d}"),
                   ("CD", CONSENT_ACTION), ("CE", EUR), ("BA", "0")]
        try:
            answers = self._exchange(request)
        except OSError as error:
            return self._failed("unreachable", f"terminal unreachable: {error}")
        answer, problem = self._pick(answers, amount_cents, CONSENT_ACTION)
        if answer is None and problem == "echo_mismatch":
            return self._failed(problem, "answer refused: its echoes differ from the request")
        if answer is None:  # lost or unreadable: ask what the last transaction did before anything else
            self.notes.append(f"{problem}: status query (CD=T)")
            status = [("CZ", "0300"), ("CJ", CASH_REGISTER_ID), ("CA", self.pos), ("CB", f"{amount_cents:02d}"),
                      ("CD", "T"), ("CE", EUR)]
            try:
                answer, again = self._pick(self._exchange(status), amount_cents, "T")
            except OSError as error:
                return self._failed(problem, f"status query failed: {error}")
            if answer is None:
                return self._failed(problem, f"status query: {again}")
        return self._read(answer)

    def _exchange(self, pairs: list[tuple[str, str]]) -> list[dict[str, str]] | None:
        """Send one request, read until the terminal closes; None when it did not within `answer_wait_s`."""
        deadline = clock.monotonic() + self.answer_wait_s
        chunks: list[bytes] = []
        with socket.create_connection((self.host, self.port), timeout=min(self.answer_wait_s, 5.0)) as sock:
            sock.sendall(tlv.encode(pairs))
            sock.shutdown(socket.SHUT_WR)
            while True:
                left = deadline - clock.monotonic()
                if left <= 0:
                    return None
                sock.settimeout(left)
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    return None
                if not chunk:
                    break
                chunks.append(chunk)
        data = b"".join(chunks)
        if data and not data.startswith(b"CZ"):
            self.notes.append("noise before the answer skipped")
        try:
            return read_messages(data)
        except tlv.TlvError as error:
            self.notes.append(f"unreadable answer: {error}")
            return []

    def _pick(self, answers: list[dict[str, str]] | None, amount_cents: int,
              action: str) -> tuple[dict[str, str] | None, str]:
        if answers is None:
            return None, "timeout"
        finals = [a for a in answers if a.get("AE") != "11"]  # AE=11: taken into account, not the result
        if not finals:
            return None, "unreadable"
        if len(finals) > 1:
            self.notes.append(f"{len(finals) - 1} duplicate answer(s) ignored")
        answer = finals[0]
        if not all(tag in answer for tag in ("CA", "CB", "CD", "CE", "AE")):
            return None, "unreadable"
        echoes_ok = (answer["CA"] == self.pos and answer["CB"].isdigit() and int(answer["CB"]) == amount_cents
                     and answer["CD"] == action and answer["CE"] == EUR)
        return (answer, "") if echoes_ok else (None, "echo_mismatch")

    def _read(self, answer: dict[str, str]) -> TerminalConsent:
        notes = tuple(self.notes)
        if answer["AE"] != "10":
            outcome = _AF_OUTCOMES.get(answer.get("AF", ""), "refused")
            return TerminalConsent(False, outcome, CAISSE_AP, answer.get("AF", ""), masked_pan=answer.get("AA"),
                                   card_expiry=answer.get("AB"), notes=notes)
        token = answer.get("CF")
        if not token or answer.get("AL") != "1":
            return self._failed("unreadable", "approved answer without a token or a partial PAN")
        if answer.get("CI") == CONTACTLESS:  # no PIN was entered: not a DIAPASON consent
            return TerminalConsent(False, "no_pin", CAISSE_AP, "", masked_pan=answer.get("AA"),
                                   card_expiry=answer.get("AB"), notes=(*notes, "contactless read: no PIN"))
        return TerminalConsent(True, "approved", CAISSE_AP, "00", token, answer.get("AA"), answer.get("AB"),
                               pin_verified=True, notes=notes)

    def _failed(self, outcome: str, note: str) -> TerminalConsent:
        return TerminalConsent(False, outcome, CAISSE_AP, notes=(*self.notes, note))


# -- Concert E+ over a serial line ------------------------------------------------------------------------------
RegisterFactory = Callable[..., ConcertCashRegister]


def open_port(url: str, baud: int) -> Any:
    """A device path is polled directly (no select() limit); any other pyserial URL goes through pyserial."""
    if url.startswith("/"):
        return open_serial_path(url, baud)
    from hardware_emulator.transports.serial_link import SerialPort

    return SerialPort(url, baud)


@dataclass
class ConcertLink:
    """Drives `ConcertCashRegister` (ENQ retries, retransmission of a NAKed frame, NAK of a bad answer) over a
    pyserial URL or pty path, then lingers briefly to acknowledge a repeated answer."""

    url: str
    pos: str = "01"
    answer_wait_s: float = 30.0
    timings: ConcertTimings = ConcertTimings(inter_byte=3.0, ack_wait=0.5)
    linger_s: float = 0.3
    baud: int = 9600
    register_factory: RegisterFactory = ConcertCashRegister
    protocol: str = CONCERT

    def consent(self, amount_cents: int) -> TerminalConsent:
        request = ConcertRequest(self.pos, amount_cents, ANSWER_LONG, "1", CONSENT_ACTION, EUR, "", AT_END,
                                 AUTH_NORMAL)
        register = self.register_factory(request, timings=self.timings, answer_wait=self.answer_wait_s)
        try:
            port = open_port(self.url, self.baud)
        except OSError as error:
            return TerminalConsent(False, "unreachable", CONCERT, notes=(str(error),))
        try:
            self._run(register, port)
        except (OSError, TimeoutError) as error:
            return TerminalConsent(False, "timeout", CONCERT, notes=(str(error),))
        finally:
            port.close()
        return self._read(register)

    def _run(self, register: ConcertCashRegister, port: Any) -> None:
        limit = clock.monotonic() + self.answer_wait_s + 10 * self.timings.ack_wait + self.linger_s
        out, quiet_until = register.start(), None
        while True:
            for chunk in out:
                port.write(chunk)
            now = clock.monotonic()
            if register.done:
                quiet_until = quiet_until or now + self.linger_s
                if now >= quiet_until:
                    return
            else:
                quiet_until = None
            if now > limit:
                raise TimeoutError(f"no end of exchange after {self.answer_wait_s} s")
            data = port.read(0.02)
            if data is None:
                raise OSError("the serial line closed")
            out = register.feed(data) if data else register.tick()

    def _read(self, register: ConcertCashRegister) -> TerminalConsent:
        result = register.result
        notes = [f"{name}: {count}" for name, count in (("NAKs sent", result.naks_sent),
                                                         ("retransmissions", result.retransmissions),
                                                         ("duplicate answers", result.duplicates)) if count]
        notes += result.echo_errors
        answer = result.answer
        if answer is None:
            return TerminalConsent(False, "timeout", CONCERT, notes=(*notes, result.error or "no answer"))
        if any("echo" in error for error in result.echo_errors):
            return TerminalConsent(False, "echo_mismatch", CONCERT, notes=tuple(notes))
        report = Report.parse(answer.report) if answer.report else Report()
        if answer.status != ACCEPTED:
            outcome = _CODE_OUTCOMES.get(report.response_code, "refused" if report.response_code.strip()
                                         else "input_timeout")
            return TerminalConsent(False, outcome, CONCERT, report.response_code.strip(),
                                   masked_pan=report.masked_pan or None, card_expiry=report.expiry or None,
                                   notes=tuple(notes))
        if not report.token or not report.masked_pan:
            return TerminalConsent(False, "unreadable", CONCERT, notes=(*notes, "accepted without a token"))
        return TerminalConsent(True, "approved", CONCERT, report.response_code, report.token, report.masked_pan,
                               report.expiry, pin_verified=True, notes=tuple(notes))
