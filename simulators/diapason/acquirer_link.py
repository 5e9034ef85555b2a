"""The provider's link to the bench acquirer (ISO 8583 over TCP), as a `Debitor`.

The provider is the party that holds the card (domain notes §1.3); the bench's provider only ever received a
token and a masked PAN, so it sends the acquirer a stand-in PAN: the real BIN and last four digits (the
acquirer's rules read the last four) around digits derived from the token, Luhn-valid. It exists in memory
for one message; the acquirer journals it masked.

- a debit is a 0200 sale, DE22 = 010 (credential on file, merchant-initiated), DE42 = the FINESS;
- a refund is a 0200 with processing code 200000 (ISO 8583 "returns"), for any amount up to the debit;
- no answer in time: the 0200 is reversed (0420 with DE90) and the result is NO_ANSWER, a technical failure.
"""
from __future__ import annotations

import hashlib
import os
import threading
from typing import Any, Mapping

from simulators.acquirer.cards import sandbox_pan
from simulators.acquirer.client import AcquirerClient, AcquirerError, AcquirerTimeout
from simulators.diapason.debitor import (NO_ANSWER, CardOnFile, DebitOrder, Debitor, DebitResult, RefundOrder,
                                         SimulatedDebitor)

CREDENTIAL_ON_FILE = "010"  # DE22: PAN from a credential on file, no cardholder present
SALE, REFUND = "000000", "200000"  # DE3 processing codes


def stand_in_pan(card: CardOnFile) -> str:
    """A Luhn-valid PAN with the card's BIN, length and last four digits, the middle taken from the token."""
    length = len(card.masked_pan)
    middle_size = length - 6 - 4 - 1  # one digit before the last four is chosen to satisfy Luhn
    middle = str(int(hashlib.sha256(card.token.encode()).hexdigest(), 16))[:middle_size]
    return sandbox_pan(card.masked_pan[-4:], bin=card.masked_pan[:6] + middle, length=length)


class AcquirerDebitor:
    """Debits and refunds through an `AcquirerClient`; one message at a time (the client is not thread-safe)."""

    def __init__(self, client: AcquirerClient) -> None:
        self.client = client
        self._lock = threading.Lock()

    def _send(self, processing_code: str, card: CardOnFile, amount: int, merchant: str, currency: str) -> DebitResult:
        fields = {"t": "0200", "2": stand_in_pan(card), "3": processing_code, "4": f"{amount:012d}",
                  "14": card.expiry, "22": CREDENTIAL_ON_FILE, "42": merchant[:15].ljust(15), "49": currency}
        with self._lock:
            try:
                answer = self.client.send(fields)
            except AcquirerTimeout as timeout:
                return self._reverse(timeout)
            except (AcquirerError, OSError) as error:
                return DebitResult(NO_ANSWER, detail=f"acquirer link: {error}")
        return DebitResult(answer.response_code, authorisation_code=answer.auth_id or None,
                           acquirer_reference=answer.rrn or None, detail=f"acquirer {answer.mti}")

    def _reverse(self, timeout: AcquirerTimeout) -> DebitResult:
        try:
            reversal = self.client.reverse(timeout)
            detail = f"no answer in time; reversal answered {reversal.response_code}"
        except (AcquirerError, OSError) as error:
            detail = f"no answer in time; the reversal failed too ({error}): reconcile with the acquirer"
        return DebitResult(NO_ANSWER, detail=detail)

    def debit(self, order: DebitOrder) -> DebitResult:
        return self._send(SALE, order.card, order.amount_cents, order.merchant, order.currency)

    def refund(self, order: RefundOrder) -> DebitResult:
        return self._send(REFUND, order.card, order.amount_cents, order.merchant, order.currency)


def debitor_from_settings(config: Mapping[str, Any], *, workers: int = 1) -> Debitor:
    """`settings.extra["diapason"]` (or the SIMPHONIE_DIAPASON_ACQUIRER environment variable): `acquirer =
    "host:port"`, with `acquirer_header` (2b) and `acquirer_timeout` (5 s), links to the bench acquirer;
    without it the provider uses the in-process SimulatedDebitor.

    With several server processes each gets its own terminal id (DE41), so their STAN sequences never collide
    in the acquirer's duplicate detection."""
    address = config.get("acquirer") or os.environ.get("SIMPHONIE_DIAPASON_ACQUIRER")
    if not address:
        return SimulatedDebitor()
    host, _, port = str(address).rpartition(":")
    terminal = "DIAPASON" if workers <= 1 else f"DIAP{os.getpid() % 10_000:04d}"
    client = AcquirerClient(host.strip("[]") or "127.0.0.1", int(port), header=str(config.get("acquirer_header", "2b")),
                            timeout=float(config.get("acquirer_timeout", 5.0)), terminal_id=terminal,
                            merchant_id="DIAPASON")
    return AcquirerDebitor(client)
