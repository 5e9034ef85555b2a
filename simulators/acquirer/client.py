"""A blocking ISO 8583 client of the acquirer: what tests, the reference GAP/DIAPASON provider and the bench use.

It numbers STANs itself, stamps DE7/DE12/DE13, and matches each answer to its request by response MTI and
STAN: a late or duplicated answer is set aside in `unmatched`, never mistaken for the next one. A timeout
raises AcquirerTimeout carrying the request's reference, so the caller can reverse it:

    try:
        answer = client.authorise(pan, 12_000)
    except AcquirerTimeout as timeout:
        client.reverse(timeout.reference)
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping

from simulators import clock as bench_clock
from simulators.acquirer import codec, codes
from simulators.acquirer.framing import make_framing
from simulators.acquirer.profile import OriginalData, kind_for, unsupported_request_answer_mti
from simulators.domain.money import Cents

PURCHASE = "000000"  # DE3 processing code: goods and services, default account


@dataclass(frozen=True, slots=True)
class TransactionRef:
    """What a completion or a reversal needs to point back at a request: its DE90 and its amount."""

    original: OriginalData
    amount: Cents


@dataclass(frozen=True, slots=True)
class AcquirerResponse:
    mti: str
    response_code: str
    stan: str
    rrn: str
    auth_id: str
    fields: Mapping[str, str]  # the decoded answer (the acquirer never echoes card data)
    reference: TransactionRef  # the request this answers

    @property
    def approved(self) -> bool:
        return self.response_code == codes.APPROVED


class AcquirerError(Exception):
    pass


class AcquirerTimeout(AcquirerError, TimeoutError):
    def __init__(self, message: str, reference: TransactionRef) -> None:
        super().__init__(message)
        self.reference = reference


class AcquirerClosed(AcquirerError, ConnectionError):
    pass


class AcquirerClient:
    def __init__(self, host: str, port: int, *, header: str = "2b", spec: str = "ascii", timeout: float = 5.0,
                 terminal_id: str = "TERM0001", merchant_id: str = "SIMPHONIE BENCH", acquirer_id: str = "",
                 currency: str = "978", stan_start: int = 1,
                 clock: Callable[[], datetime] | None = None) -> None:
        if len(terminal_id) != 8 or len(merchant_id) > 15:
            raise ValueError("terminal_id: expected 8 characters (DE41); merchant_id: at most 15 (DE42)")
        self.host, self.port, self.timeout = host, port, timeout
        self.spec = codec.spec_named(spec)
        self.framing = make_framing(header, self.spec)
        self.terminal_id, self.merchant_id = terminal_id, merchant_id.ljust(15)
        self.acquirer_id, self.currency = acquirer_id, currency
        self.clock = clock or bench_clock.utcnow
        self.unmatched: list[dict[str, str]] = []  # answers that matched no waiting request (late, duplicated)
        self._stan = (stan_start - 1) % 999_999
        self._socket: socket.socket | None = None
        self._deframer = self.framing.deframer()

    # --- transactions -------------------------------------------------------------------------------------

    def authorise(self, pan: str, amount: Cents, *, expiry: str | None = None,
                  entry_mode: str = "051") -> AcquirerResponse:
        """0100: a hold for `amount` cents, or a card verification when `amount` is 0."""
        return self.send(self._card_fields("0100", pan, amount, expiry, entry_mode))

    def verify(self, pan: str, *, expiry: str | None = None) -> AcquirerResponse:
        """Zero-amount 0100 card verification (the DIAPASON consent registration)."""
        return self.authorise(pan, 0, expiry=expiry)

    def purchase(self, pan: str, amount: Cents, *, expiry: str | None = None,
                 entry_mode: str = "051") -> AcquirerResponse:
        """0200: a sale; money moves at once."""
        return self.send(self._card_fields("0200", pan, amount, expiry, entry_mode))

    def complete(self, authorisation: AcquirerResponse | TransactionRef, amount: Cents) -> AcquirerResponse:
        """0220 completion advice of an authorisation hold: at most the hold, once (0 releases it)."""
        reference = _reference(authorisation)
        return self.send({"t": "0220", "3": PURCHASE, "4": f"{amount:012d}", "49": self.currency,
                          "90": reference.original.elements})

    def reverse(self, original: AcquirerResponse | TransactionRef | AcquirerTimeout, *,
                advice: bool = True) -> AcquirerResponse:
        """0420 reversal advice (or 0400 request with advice=False) of the original's full amount."""
        reference = _reference(original)
        return self.send({"t": "0420" if advice else "0400", "4": f"{reference.amount:012d}",
                          "49": self.currency, "90": reference.original.elements})

    def echo(self) -> AcquirerResponse:
        return self.send({"t": "0800", "70": "301"})

    def sign_on(self) -> AcquirerResponse:
        return self.send({"t": "0800", "70": "001"})

    def sign_off(self) -> AcquirerResponse:
        return self.send({"t": "0800", "70": "002"})

    def send(self, fields: Mapping[str, str]) -> AcquirerResponse:
        """Send any request: DE7, DE11 (next STAN), DE12/13, DE41, DE42 and DE32 are filled when absent."""
        request = self._stamped(fields)
        reference = TransactionRef(OriginalData.of_request(request), int(request.get("4", "0") or 0))
        kind = kind_for(request["t"])
        expected = kind.response_mti if kind else unsupported_request_answer_mti(request["t"])
        self._write(self.framing.frame(codec.encode(request, self.spec)))
        answer = self._await(expected, request["11"], reference)
        return AcquirerResponse(answer["t"], answer.get("39", ""), answer.get("11", ""), answer.get("37", ""),
                                answer.get("38", ""), answer, reference)

    def next_stan(self) -> str:
        self._stan = self._stan % 999_999 + 1
        return f"{self._stan:06d}"

    # --- plumbing -----------------------------------------------------------------------------------------

    def _card_fields(self, mti: str, pan: str, amount: Cents, expiry: str | None, entry_mode: str) -> dict[str, str]:
        fields = {"t": mti, "2": pan, "3": PURCHASE, "4": f"{amount:012d}", "22": entry_mode, "49": self.currency}
        if expiry:
            fields["14"] = expiry
        return fields

    def _stamped(self, fields: Mapping[str, str]) -> dict[str, str]:
        now = self.clock()
        request = {"7": now.strftime("%m%d%H%M%S"), "12": now.strftime("%H%M%S"), "13": now.strftime("%m%d"),
                   "41": self.terminal_id, "42": self.merchant_id}
        if self.acquirer_id:
            request["32"] = self.acquirer_id
        request.update(fields)
        if "11" not in request:
            request["11"] = self.next_stan()
        return request

    def _connect(self) -> socket.socket:
        if self._socket is None:
            self._socket = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._deframer = self.framing.deframer()
        return self._socket

    def _write(self, data: bytes) -> None:
        try:
            self._connect().sendall(data)
        except OSError as error:
            self.close()
            raise AcquirerClosed(f"acquirer {self.host}:{self.port}: send failed ({error})") from None

    def _await(self, expected_mti: str | None, stan: str, reference: TransactionRef) -> dict[str, str]:
        deadline = bench_clock.monotonic() + self.timeout
        connection = self._connect()
        while True:
            remaining = deadline - bench_clock.monotonic()
            if remaining <= 0:
                raise AcquirerTimeout(f"no {expected_mti} answer to STAN {stan} within {self.timeout:g} s",
                                      reference)
            connection.settimeout(remaining)
            try:
                data = connection.recv(65536)
            except socket.timeout:
                continue
            except OSError as error:
                self.close()
                raise AcquirerClosed(f"acquirer {self.host}:{self.port}: {error}") from None
            if not data:
                self.close()
                raise AcquirerClosed(f"acquirer {self.host}:{self.port} closed the connection before answering "
                                     f"STAN {stan}")
            found = None
            for message in self._deframer.feed(data):
                try:
                    answer = codec.decode(message, self.spec)
                except codec.MessageFormatError as error:
                    raise AcquirerError(f"undecodable answer from the acquirer: {error.reason}") from None
                if found is None and answer.get("t") == expected_mti and answer.get("11") == stan:
                    found = answer
                else:
                    self.unmatched.append(answer)
            if found is not None:
                return found

    def close(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            finally:
                self._socket = None

    def __enter__(self) -> "AcquirerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reference(target: AcquirerResponse | TransactionRef | AcquirerTimeout) -> TransactionRef:
    return target if isinstance(target, TransactionRef) else target.reference
