"""Deliberately broken DIAPASON desks: each overrides ONE hook of the reference `DiapasonDesk`, so the bench can
prove it fails them on the right requirements (`breaks`, ids of conformance/requirements.yaml).

`DIAPASON_VARIANTS` maps a stable name to its class; `desk_class(name)` gives the reference (None or
"reference") or a variant. docs/diapason-e2e.md has the table.
"""
from __future__ import annotations

import itertools
from typing import Any

from hardware_emulator.concert.cash_register import ConcertCashRegister, Phase
from hardware_emulator.concert.codec import NAK
from simulators.acquirer.cards import sandbox_pan
from simulators.gap.diapason import DiapasonDesk, Payment
from simulators.gap.diapason_terminal import CAISSE_AP, ConcertLink, TerminalConsent, TerminalLink

DIAPASON_VARIANTS: dict[str, type[DiapasonDesk]] = {}


def variant(cls: type[DiapasonDesk]) -> type[DiapasonDesk]:
    if cls.name in DIAPASON_VARIANTS or cls.name == DiapasonDesk.name:
        raise ValueError(f"DIAPASON variant {cls.name!r} registered twice")
    if not getattr(cls, "breaks", ()):
        raise ValueError(f"DIAPASON variant {cls.name!r} must say which requirements it breaks")
    DIAPASON_VARIANTS[cls.name] = cls
    return cls


class UnknownDiapasonVariant(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def desk_class(name: str | None) -> type[DiapasonDesk]:
    if name in (None, DiapasonDesk.name):
        return DiapasonDesk
    try:
        return DIAPASON_VARIANTS[name]
    except KeyError:
        known = ", ".join([DiapasonDesk.name, *DIAPASON_VARIANTS])
        raise UnknownDiapasonVariant(f"unknown DIAPASON variant {name!r}; known: {known}") from None


def catalogue() -> list[dict[str, object]]:
    return [{"name": cls.name, "summary": cls.summary, "breaks": list(cls.breaks)}
            for cls in DIAPASON_VARIANTS.values()]


@variant
class DebitsAboveCeiling(DiapasonDesk):
    name = "debits-above-ceiling"
    summary = "treats the ceiling as advisory: notifies and debits R even when R is above it"
    breaks = ("DIA-DBT-001", "DIA-FBK-001")

    def _within_ceiling(self, payment: Payment, amount: int) -> bool:
        return True


@variant
class DebitsTwice(DiapasonDesk):
    name = "debits-twice"
    summary = "forgets a captured debit: every pay sends a new debit under a fresh idempotency key"
    breaks = ("DIA-DBT-003",)
    _keys = itertools.count(1)

    def _already_debited(self, payment: Payment) -> bool:
        return False

    def _debit_key(self, payment: Payment) -> str:
        return f"DBT-{payment.consent['id']}-{next(self._keys)}"


@variant
class DebitsAfterExpiry(DiapasonDesk):
    name = "debits-after-expiry"
    summary = "never looks at the consent's last debit date: notifies and debits after it"
    breaks = ("DIA-DBT-002", "DIA-FBK-002")

    def _expired(self, payment: Payment, today: Any) -> bool:
        return False


@variant
class StoresFullPan(DiapasonDesk):
    name = "stores-full-pan"
    summary = "writes a full card number in its stay record (as an old terminal's clear report would give it)"
    breaks = ("DIA-SEC-001",)

    def _card_view(self, result: TerminalConsent) -> dict[str, Any]:
        view = super()._card_view(result)
        if result.masked_pan:  # the clear PAN it keeps: BIN and last four of the card, Luhn-valid
            view["card_number"] = sandbox_pan(result.masked_pan[-4:], bin=result.masked_pan[:6],
                                              length=len(result.masked_pan))
        return view


class _DeafToNak(ConcertCashRegister):
    """A cash register that takes the terminal's NAK of its request for an ACK."""

    def _byte(self, char: bytes, now: float) -> list[bytes]:
        if self.phase == Phase.FRAME_SENT and char == NAK:
            char = b"\x06"
        return super()._byte(char, now)


@variant
class IgnoresNak(DiapasonDesk):
    name = "ignores-nak"
    summary = "on the Concert line, takes the terminal's NAK of its request for an ACK and never retransmits"
    breaks = ("DIA-TPE-003",)

    def _link(self, protocol: str, address: str) -> TerminalLink:
        link = super()._link(protocol, address)
        if protocol != CAISSE_AP:
            assert isinstance(link, ConcertLink)
            link.register_factory = _DeafToNak
        return link


@variant
class NoReversalAfterTimeout(DiapasonDesk):
    name = "no-reversal-after-timeout"
    summary = "a debit whose answer is lost counts as failed: it invoices the patient without learning the outcome " \
              "or reversing the debit"
    breaks = ("DIA-FLT-001", "DIA-FBK-004")

    def _on_lost_debit(self, payment: Payment, key: str) -> None:
        self._invoice(payment, "debit_failed")

