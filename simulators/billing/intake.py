"""The one path every lot takes, whatever the channel: validate → ARL → rules per invoice → return → journal.

`receive_lot` is transport-free: the HTTP drop and the SMTP server call it (after `behaviour_for`, whose generic
effects — delay, refusal — the transport applies). Everything it decides is persisted before it returns.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Mapping

from simulators import clock
from simulators.billing_files.masking import mask_positional
from simulators.behaviours import Effect
from simulators.billing.behaviours import BillingPolicy, billing_effects
from simulators.billing.decisions import InvoiceDecision, LotContext, Rejection, decide
from simulators.billing.ledger import Ledger
from simulators.billing.sides import SIDES, Side
from simulators.billing_files import (Ack, Invoice, Lot, Problem, ProblemCode, ReturnLot, ack_for, get_profile, parse,
                                      write)

if TYPE_CHECKING:
    from simulators.runtime import Runtime


@dataclass(frozen=True)
class Receipt:
    """What became of one lot: its id, the ARL (value and file), and when accepted the decisions and the return."""

    side: str
    lot_id: int
    ack: Ack
    ack_file: bytes
    decisions: tuple[InvoiceDecision, ...] = ()
    return_number: int | None = None
    return_due: date | None = None
    outbox: tuple[int, ...] = field(default=())  # outbox sequence numbers: the ARL, then the return

    @property
    def accepted(self) -> bool:
        return self.ack.accepted

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side, "lot": self.lot_id, "accepted": self.accepted,
            "ack": self.ack_file.decode("ascii"),
            "problems": [_problem_json(p) for p in self.ack.problems],
            "invoices": [d.to_dict() for d in self.decisions],
            "return_number": self.return_number,
            "returns_due": self.return_due.isoformat() if self.return_due else None,
            "outbox": list(self.outbox),
        }


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {"code": problem.code.value, "record_number": problem.record_number, "record_type": problem.record_type,
            "position": problem.position, "field": problem.field, "reason": problem.reason}


def _text(data: bytes) -> str:
    return data.decode("latin-1")  # byte for byte: a stray byte stays visible where it was


def lot_targets(side: Side, data: bytes) -> tuple[str, ...]:
    """What billing behaviours can target: the lot's recipient (organisme / numéro AMC) and FINESS géographique."""
    header = parse(data, side.lot_profile).header
    return tuple(str(header[name]) for name in ("recipient", "finess_geographique") if header.get(name))


def behaviour_for(rt: "Runtime", session: str, side: str | Side, data: bytes) -> tuple[Effect, BillingPolicy]:
    side = SIDES[side] if isinstance(side, str) else side
    return billing_effects(rt.store, session, side.actor, lot_targets(side, data))


def _sender(side: Side, header: Mapping[str, Any]) -> str:
    return str(header.get("recipient") or side.payer)


def _duplicate(side: Side, lot: Lot, first: str) -> Problem:
    header = get_profile(side.lot_profile).header
    spec = header.field("lot_number")
    return Problem(ProblemCode.DUPLICATE_LOT,
                   f"expected a new lot number, received lot {lot.lot_number} of FINESS {lot.finess_geographique} "
                   f"already accepted (lot id {first})", 1, header.code, spec.start, "lot_number")


def _seeded(ctx: LotContext, side: Side, invoice: Invoice) -> tuple[Rejection, ...]:
    """The session's reject shares, drawn per invoice from the session seed: the same invoice, same fate."""
    policy = ctx.policy
    rng = random.Random(f"billing:{ctx.seed}:{side.name}:{ctx.lot.finess_geographique}:{invoice.invoice_number}")
    whole, partial = rng.random() * 100, rng.random() * 100
    line = rng.choice(sorted(line.line_number for line in invoice.lines))
    if whole < policy.reject_pct:
        return (Rejection(policy.reject_key, 0, f"seeded reject ({policy.reject_pct} % of invoices)"),)
    if partial < policy.partial_pct:
        return (Rejection(policy.partial_key, line, f"seeded line reject ({policy.partial_pct} % of invoices)"),)
    return ()


def _whole(rejections: tuple[Rejection, ...]) -> bool:
    return any(r.line_number == 0 for r in rejections)


def _normalised(invoice: Invoice, rejections: tuple[Rejection, ...]) -> tuple[Rejection, ...]:
    """One rejection per line; every line rejected means the invoice is."""
    if _whole(rejections):
        return tuple(r for r in rejections if r.line_number == 0)[:1]
    by_line = {r.line_number: r for r in reversed(rejections)}
    if by_line and set(by_line) >= {line.line_number for line in invoice.lines}:
        first = rejections[0]
        return (Rejection(first.key, 0, f"every line rejected ({first.detail})"),)
    return tuple(sorted(by_line.values(), key=lambda r: r.line_number))


def _decide(ctx: LotContext, side: Side, ledger: Ledger, invoice: Invoice) -> InvoiceDecision:
    first = ledger.claim_invoice(str(ctx.lot.finess_geographique), invoice.invoice_number, ctx.lot_id)
    if first is not None:
        rejections: tuple[Rejection, ...] = (Rejection(
            "invoice.duplicate_number", 0, f"invoice {invoice.invoice_number} already received (lot id {first})"),)
    else:
        rejections = side.check(ctx, invoice)
        if not _whole(rejections):
            rejections = _normalised(invoice, rejections + _seeded(ctx, side, invoice))
        if not _whole(rejections):
            settled = side.settle(ctx, invoice)
            rejections = (settled,) if settled else rejections
    return decide(invoice, side.part, rejections, side.commitment(invoice))


def _return_lot(side: Side, lot: Lot, number: int, due: date, decisions: tuple[InvoiceDecision, ...]) -> ReturnLot:
    entries = []
    for index, decision in enumerate(decisions, start=1):
        reference = f"VIR{side.name.upper()}{number % 10_000:04d}{index:06d}"
        entries.extend(decision.entries(lot.lot_number, due, reference))
    return ReturnLot(side.return_profile, lot.recipient, lot.finess_juridique, number, due, tuple(entries))


def _outcome(decision: InvoiceDecision) -> str:
    if decision.status == "paid":
        return "paid"
    return f"{decision.status}:{decision.rejections[0].key}"


def receive_lot(rt: "Runtime", session: str, side: str | Side, data: bytes, *, channel: str = "http",
                reply_to: str | None = None, policy: BillingPolicy | None = None, tls: bool = False) -> Receipt:
    """Acknowledge one lot and, when accepted, decide its invoices and queue its return; journal every step."""
    side = SIDES[side] if isinstance(side, str) else side
    policy = policy or BillingPolicy()
    started = clock.timestamp()
    ledger = Ledger(rt.store, session, side.name)
    received = rt.today(session)
    lot_id = ledger.next_lot_id()
    parsed = parse(data, side.lot_profile)
    lot: Lot | None = parsed.value if parsed.ok else None
    duplicate_of = None
    if lot is not None:
        duplicate_of = ledger.claim_lot(str(lot.finess_geographique), lot.lot_number, lot_id)
    extra = (_duplicate(side, lot, duplicate_of),) if lot is not None and duplicate_of is not None else ()
    ack = ack_for(data, sender=_sender(side, parsed.header), received=received, profile=side.lot_profile,
                  extra_problems=extra)
    ack_file = write(ack)
    decisions: tuple[InvoiceDecision, ...] = ()
    if ack.accepted and lot is not None:
        ctx = LotContext(rt, session, lot, lot_id, received, policy)
        decisions = tuple(_decide(ctx, side, ledger, invoice) for invoice in lot.invoices)
    header = parsed.header
    ledger.put_lot(lot_id, {
        "id": lot_id, "side": side.name, "channel": channel, "reply_to": reply_to, "tls": tls,
        "received": received.isoformat(), "accepted": ack.accepted, "digest": ack.lot_digest,
        "lot_number": header.get("lot_number"), "finess_juridique": header.get("finess_juridique"),
        "finess_geographique": header.get("finess_geographique"), "recipient": header.get("recipient"),
        "data": _text(data), "ack": ack_file.decode("ascii"), "duplicate_of": duplicate_of,
        "problems": [_problem_json(p) for p in ack.problems], "invoices": [d.to_dict() for d in decisions]})
    base = {"lot_id": lot_id, "reply_to": reply_to, "delivered": False, "attempts": 0,
            "finess": header.get("finess_juridique"), "lot_number": header.get("lot_number")}
    outbox = [ledger.add_outbox({**base, "kind": "ack", "profile": ack.profile, "created": received.isoformat(),
                                 "due": received.isoformat(), "data": ack_file.decode("ascii")})]
    meta = {"lot_id": lot_id, "channel": channel, "reply_to": reply_to, "tls": tls, "profile": side.lot_profile,
            "lot_number": header.get("lot_number"), "finess": header.get("finess_geographique"),
            "recipient": header.get("recipient"), "problems": [p.code.value for p in ack.problems],
            "duplicate_of": duplicate_of, "invoices": len(decisions), "outbox": outbox[0]}
    rt.journal(session=session, actor=side.actor, service="lot", started=started, request_text=_text(data),
               response_text=ack_file.decode("ascii"), outcome="ack:positive" if ack.accepted else "ack:negative",
               validation=tuple(str(p) for p in ack.problems), meta=meta, masking=mask_positional)
    if not ack.accepted or lot is None:
        return Receipt(side.name, lot_id, ack, ack_file, outbox=tuple(outbox))
    for decision in decisions:
        rt.journal(session=session, actor=side.actor, service="invoice", started=clock.timestamp(),
                   request_text=json.dumps({"lot_id": lot_id, "lot_number": lot.lot_number,
                                            "invoice_number": decision.invoice_number,
                                            "commitment_number": decision.commitment_number}),
                   response_text=json.dumps(decision.to_dict()), outcome=_outcome(decision),
                   meta={"lot_id": lot_id, "lot_number": lot.lot_number, **decision.to_dict()})
    number = ledger.next_return_number()
    due = received + timedelta(days=policy.return_delay_days)
    returned = _return_lot(side, lot, number, due, decisions)
    return_file = write(returned).decode("ascii")
    seq = ledger.add_outbox({**base, "kind": "return", "profile": side.return_profile, "created": due.isoformat(),
                             "due": due.isoformat(), "return_number": number, "data": return_file})
    outbox.append(seq)
    rt.journal(session=session, actor=side.actor, service="return", started=clock.timestamp(), request_text="",
               response_text=return_file, outcome="queued",
               meta={"lot_id": lot_id, "return_number": number, "due": due.isoformat(), "outbox": seq,
                     "payments": len(returned.payments), "rejects": len(returned.rejects),
                     "paid_cents": returned.totals.paid_cents}, masking=mask_positional)
    return Receipt(side.name, lot_id, ack, ack_file, decisions, number, due, tuple(outbox))
