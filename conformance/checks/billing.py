"""Billing checks, GAP under test: the B2 and DRE-ES lots it sent, what it did with ARLs and returns, its books.

The evidence is the session's journal: the lots as received (`amo-billing`/`amc-billing` `lot` entries carry the
file as request and the ARL as response), the payers' decisions (`invoice`), the returns queued (`return`) and
how the GAP got them (`fetch` over HTTP, `delivery` by SMTP), the ROC exchanges (CLC, ANN) and CDRi. The GAP's
own books are the JSON status of its last `bill` step (docs/billing-e2e.md); checks that read them skip when a
driver reports none. See docs/billing-e2e.md for the flow and the requirements (ROC-INV-*, BIL-*, AMO-*).
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Iterator

from conformance.checks import CheckContext, CheckFailed, CheckSkipped, check, params_schema
from conformance.checks.roc import decoded
from conformance.model import EntryRef
from simulators.billing_files import Invoice, Lot, parse, read_ack, validate
from simulators.journal import JournalEntry

SIDES = {"amo-billing": "amo", "amc-billing": "amc"}
FILE_NAMES = {"amo": "B2", "amc": "DRE-ES"}
# Reasons a new invoice can cure (BIL-REJ-001); any other reject is final for the stay and payer (BIL-REJ-002).
CURABLE = frozenset({"amounts.incoherent", "dates.incoherent", "invoice.duplicate_number", "lot.totals_mismatch"})
ENTRY_NUMBER_LENGTH = 9


# -- reading the journal -----------------------------------------------------------------------------------------
_MASKED = re.compile(r"\d{6}\*+\d{4}")


class EvidenceMasked(RuntimeError):
    """The journal masked a card-number-like digit run inside a lot and no verified copy is at hand: the file as
    sent cannot be judged (a bench error, never the SUT's fault)."""


@functools.lru_cache(maxsize=4096)
def _lot(text: str) -> Lot | None:
    parsed = parse(text.encode("latin-1"))
    return parsed.value if isinstance(parsed.value, Lot) else None


def _digest(ack_text: str) -> str | None:
    try:
        return read_ack(ack_text.encode("latin-1")).lot_digest
    except Exception:  # noqa: BLE001 - an unreadable ARL proves nothing
        return None


def _as_sent(index: int, entry: JournalEntry, copies: dict[str, str]) -> str:
    """The lot as the intake received it. The journal masks Luhn-valid digit runs (simulators/masking.py), which
    adjacent numeric fields of a lot can form by chance; then the GAP's own copy (its bill status) stands in,
    provided its SHA-256 is the digest the intake's ARL gave."""
    if not _MASKED.search(entry.request):
        return entry.request
    digest = _digest(entry.response)
    if digest in copies:
        return copies[digest]
    raise EvidenceMasked(f"journal #{index}: the journal masked a card-number-like digit run inside the lot and "
                         "no copy matches the ARL's digest: the file as sent cannot be judged")


def _copies(ctx: CheckContext) -> dict[str, str]:
    """The lots the GAP reports having sent (`file` of its bill statuses' lots), by SHA-256."""
    found = {}
    for status in ctx.facts.get("statuses", []):
        for lot in status.get("lots", []) if isinstance(status, dict) else []:
            if isinstance(lot, dict) and isinstance(lot.get("file"), str):
                text = lot["file"]
                found[hashlib.sha256(text.encode("latin-1")).hexdigest().upper()] = text
    return found


@functools.lru_cache(maxsize=4096)
def _cdri(text: str) -> Any:
    """The CDRi message in a journaled request/answer (bench-cdri-1), None when it is not one."""
    import simulators.amo.records  # noqa: F401  (registers the CDRi codecs)
    from simulators.profiles import load_profile
    from simulators.roc.messages import decode
    from simulators.soap import parse_envelope

    try:
        message = parse_envelope(text.encode("utf-8"))
        return None if message.is_fault else decode(message.body, load_profile("bench-cdri-1"))
    except Exception:  # noqa: BLE001 - anything undecodable is not a CDRi message for these checks
        return None


StayKey = tuple[str, str]  # (NIR with key, entry number)


@dataclass(frozen=True)
class SentLot:
    """A lot the GAP sent that the intake read (refusals by a behaviour, before reading, are left out)."""

    index: int
    side: str
    entry: JournalEntry
    text: str  # the file as the intake received it
    lot: Lot | None

    @property
    def accepted(self) -> bool:
        return self.entry.outcome == "ack:positive"

    @property
    def lot_id(self) -> int | None:
        return self.entry.meta.get("lot_id")

    @property
    def invoices(self) -> tuple[Invoice, ...]:
        return self.lot.invoices if self.lot is not None else ()

    def where(self, invoice: Invoice | None = None) -> str:
        what = f"journal #{self.index} {FILE_NAMES[self.side]} lot {self.lot.lot_number if self.lot else '?'}"
        return what + (f" invoice {invoice.invoice_number}" if invoice is not None else "")


def stay_key(invoice: Invoice) -> StayKey:
    return str(invoice.nir), invoice.entry_number


def sent_lots(ctx: CheckContext, side: str | None = None) -> list[SentLot]:
    copies = _copies(ctx)
    found = []
    for i, e in enumerate(ctx.journal):
        if e.actor in SIDES and e.service == "lot" and e.outcome.startswith("ack:") and (
                side is None or SIDES[e.actor] == side):
            text = _as_sent(i, e, copies)
            found.append(SentLot(i, SIDES[e.actor], e, text, _lot(text)))
    return found


@dataclass(frozen=True)
class Decision:
    """A payer's decision on one invoice (`invoice` entry), with the lot and invoice it is about."""

    index: int
    side: str
    meta: dict[str, Any]
    lot: SentLot | None

    @property
    def status(self) -> str:
        return self.meta.get("status", "")

    @property
    def number(self) -> int:
        return int(self.meta.get("invoice_number", 0))

    @property
    def rejections(self) -> list[dict[str, Any]]:
        return list(self.meta.get("rejections", []))

    @property
    def invoice(self) -> Invoice | None:
        if self.lot is None:
            return None
        return next((inv for inv in self.lot.invoices if inv.invoice_number == self.number), None)


def decisions(ctx: CheckContext) -> list[Decision]:
    by_id: dict[tuple[str, Any], SentLot] = {}
    for lot in sent_lots(ctx):
        by_id.setdefault((lot.side, lot.lot_id), lot)  # lot ids are the intake's, one per lot received
    return [Decision(i, SIDES[e.actor], dict(e.meta), by_id.get((SIDES[e.actor], e.meta.get("lot_id"))))
            for i, e in enumerate(ctx.journal) if e.actor in SIDES and e.service == "invoice"]


def returns_received(journal: tuple[JournalEntry, ...]) -> dict[tuple[str, int], int]:
    """(side, lot id) → the journal position where the GAP got that lot's return: a fetch listing its outbox
    sequence, or its delivery by mail."""
    seq_of = {(SIDES[e.actor], e.meta.get("outbox")): e.meta.get("lot_id") for e in journal
              if e.actor in SIDES and e.service == "return"}
    got: dict[tuple[str, int], int] = {}
    for i, e in enumerate(journal):
        if e.actor not in SIDES or e.meta.get("kind") != "return":
            continue
        side = SIDES[e.actor]
        if e.service == "fetch":
            seqs = e.meta.get("seqs", [])
        elif e.service == "delivery" and e.outcome == "delivered":
            seqs = [e.meta.get("seq")]
        else:
            continue
        for seq in seqs:
            lot_id = seq_of.get((side, seq))
            if lot_id is not None:
                got.setdefault((side, lot_id), i)
    return got


@dataclass(frozen=True)
class Commitment:
    """A commitment the AMC gave (CLC answered), with the stay and lines the CLC priced."""

    index: int
    number: str
    nir: str
    entry_number: str
    request: Any
    answer: Any


def commitments(journal: tuple[JournalEntry, ...]) -> dict[str, Commitment]:
    found = {}
    for i, e in enumerate(journal):
        if e.service.upper() == "CLC" and e.outcome == "ok":
            request, answer = decoded(e.request), decoded(e.response)
            if request is not None and answer is not None:
                found[answer.commitment_number] = Commitment(
                    i, answer.commitment_number, str(request.beneficiary.nir),
                    request.stay.venue_number[-ENTRY_NUMBER_LENGTH:], request, answer)
    return found


def cancellations(journal: tuple[JournalEntry, ...]) -> dict[str, int]:
    """Commitment number → the journal position of the first successful ANN."""
    found: dict[str, int] = {}
    for i, e in enumerate(journal):
        if e.service.upper() == "ANN" and e.outcome == "ok":
            request = decoded(e.request)
            if request is not None:
                found.setdefault(request.commitment_number, i)
    return found


@dataclass(frozen=True)
class RightsSeen:
    index: int
    outcome: str
    request: Any
    answer: Any


def rights_seen(journal: tuple[JournalEntry, ...]) -> list[RightsSeen]:
    return [RightsSeen(i, e.outcome, _cdri(e.request), _cdri(e.response) if e.outcome == "ok" else None)
            for i, e in enumerate(journal) if e.actor == "cdri" and e.service.upper() == "CDRI"]


def _admission(invoice: Invoice) -> date:
    return invoice.stay.admission_date if invoice.stay else min(line.start for line in invoice.lines)


def last_rights(seen: list[RightsSeen], invoice: Invoice, before: int) -> RightsSeen | None:
    """The latest CDRi exchange about the invoice's patient before journal position `before`."""
    mine = [r for r in seen if r.index < before and r.request is not None
            and str(r.request.beneficiary.nir) == str(invoice.nir)]
    return mine[-1] if mine else None


def books(ctx: CheckContext) -> list[dict[str, Any]]:
    """The GAP's books: the stays of its last `bill` status; skipped when no bill step reported any."""
    for status in reversed(ctx.facts.get("statuses", [])):
        if status.get("action") == "bill" and isinstance(status.get("stays"), list):
            return status["stays"]
    raise CheckSkipped("no bill step reported the GAP's books (stays)")


def _require(items: list[Any], what: str) -> list[Any]:
    if not items:
        raise CheckSkipped(f"no {what} in this scenario")
    return items


def _fail(what: str, expected: Any, received: Any, where: str, evidence: Iterable[int] = ()) -> CheckFailed:
    return CheckFailed(what, expected=expected, received=received, where=where,
                       evidence=[EntryRef("journal", i) for i in evidence])


def _later(lots: list[SentLot], side: str, after: int) -> Iterator[tuple[SentLot, Invoice]]:
    for lot in lots:
        if lot.side == side and lot.index > after:
            for invoice in lot.invoices:
                yield lot, invoice


def _numbers(invoice: Invoice) -> set[int]:
    return {line.line_number for line in invoice.lines}


def _again(lots: list[SentLot], decision: "Decision", after: int, lines: set[int]
           ) -> Iterator[tuple[SentLot, Invoice, set[int]]]:
    """Invoices sent after journal position `after` to the decision's payer for the same stay, with the lines of
    `lines` they carry again."""
    for lot, invoice in _later(lots, decision.side, after):
        shared = lines & _numbers(invoice)
        if stay_key(invoice) == stay_key(decision.invoice) and shared:
            yield lot, invoice, shared


# -- ROC-INV: invoices and commitments ------------------------------------------------------------------------
@check("billing.gap.invoice_quotes_active_commitment", verifies=["ROC-INV-001"],
       title="every DRE-ES invoice quotes a commitment the AMC gave for that patient, still active when sent")
def invoice_quotes_active_commitment(ctx: CheckContext) -> None:
    given, cancelled = commitments(ctx.journal), cancellations(ctx.journal)
    invoiced: dict[str, int] = {}
    for d in decisions(ctx):
        if d.side == "amc" and d.status in ("paid", "partial") and d.meta.get("commitment_number"):
            invoiced.setdefault(d.meta["commitment_number"], d.index)
    for lot in _require(sent_lots(ctx, "amc"), "DRE-ES lot"):
        for invoice in lot.invoices:
            number = invoice.amc.commitment_number if invoice.amc else ""
            clc = given.get(number)
            where = lot.where(invoice) + " commitment_number"
            if clc is None or clc.index > lot.index:
                raise _fail("commitment quoted", "a commitment an earlier CLC gave", number or "none", where,
                            [lot.index])
            if clc.nir != str(invoice.nir):
                raise _fail("commitment quoted", f"a commitment of NIR {invoice.nir}", f"NIR {clc.nir}'s", where,
                            [clc.index, lot.index])
            for state, seen in (("cancelled", cancelled), ("invoiced", invoiced)):
                if seen.get(number, lot.index) < lot.index:
                    raise _fail("commitment quoted", "an active commitment",
                                f"commitment {number} {state} at journal #{seen[number]}", where,
                                [seen[number], lot.index])


@check("billing.gap.invoice_matches_clc", verifies=["ROC-INV-002"],
       title="DRE-ES invoices carry the CLC's lines, amounts and dates, to the cent")
def invoice_matches_clc(ctx: CheckContext) -> None:
    given = commitments(ctx.journal)
    judged = 0
    for lot in _require(sent_lots(ctx, "amc"), "DRE-ES lot"):
        for invoice in lot.invoices:
            clc = given.get(invoice.amc.commitment_number if invoice.amc else "")
            if clc is None:
                continue  # ROC-INV-001's business
            judged += 1
            where = lot.where(invoice)
            stay, quoted = clc.request.stay, {q.line_number: q for q in clc.answer.quote.lines}
            priced = {line.line_number: line for line in clc.request.lines}
            if invoice.stay is not None and (invoice.stay.admission_date, invoice.stay.discharge_date) != (
                    stay.admission_date, stay.discharge_date):
                raise _fail("stay dates", f"{stay.admission_date}..{stay.discharge_date} (CLC)",
                            f"{invoice.stay.admission_date}..{invoice.stay.discharge_date}", where,
                            [clc.index, lot.index])
            lines = {line.line_number: line for line in invoice.lines}
            if sorted(lines) != sorted(quoted):
                raise _fail("invoice lines", f"lines {sorted(quoted)} (CLC)", f"lines {sorted(lines)}", where,
                            [clc.index, lot.index])
            for number, line in sorted(lines.items()):
                expected = {name: getattr(quoted[number], name)
                            for name in ("total_cents", "amo_cents", "amc_cents", "patient_cents")}
                expected.update(start=priced[number].start, end=priced[number].end)
                for name, value in expected.items():
                    if getattr(line, name) != value:
                        raise _fail(f"line {number} {name}", f"{value} (CLC)", getattr(line, name),
                                    f"{where} line {number}", [clc.index, lot.index])
    if not judged:
        raise CheckSkipped("no DRE-ES invoice quotes a commitment of this session")


@check("billing.gap.no_invoice_after_cancellation", verifies=["ROC-INV-003"],
       title="no DRE-ES invoice for a stay whose commitment was cancelled and not replaced by a new CLC")
def no_invoice_after_cancellation(ctx: CheckContext) -> None:
    given, cancelled = commitments(ctx.journal), cancellations(ctx.journal)
    events: dict[tuple[str, str], list[tuple[int, str, str]]] = {}  # stay → [(position, event, commitment)]
    for clc in given.values():
        events.setdefault((clc.nir, clc.entry_number), []).append((clc.index, "committed", clc.number))
        if clc.number in cancelled:
            events[(clc.nir, clc.entry_number)].append((cancelled[clc.number], "cancelled", clc.number))
    lots = sent_lots(ctx, "amc")
    if not lots and not cancelled:
        raise CheckSkipped("no DRE-ES lot and no cancellation in this scenario")
    for lot in lots:
        for invoice in lot.invoices:
            before = sorted(e for e in events.get(stay_key(invoice), []) if e[0] < lot.index)
            if before and before[-1][1] == "cancelled":
                position, _, number = before[-1]
                raise _fail("invoice after cancellation", "a new CLC before invoicing a cancelled stay",
                            f"commitment {number} cancelled at journal #{position}, no CLC since",
                            lot.where(invoice), [position, lot.index])


@check("billing.gap.invoice_numbers_unique", verifies=["ROC-INV-004"],
       title="an invoice number is used once per payer and establishment, across lots")
def invoice_numbers_unique(ctx: CheckContext) -> None:
    seen: dict[tuple[str, str, int], int] = {}
    for lot in _require(sent_lots(ctx), "lot"):
        finess = str(lot.lot.finess_geographique) if lot.lot else ""
        for invoice in lot.invoices:
            key = (lot.side, finess, invoice.invoice_number)
            if key in seen:
                raise _fail("invoice number", "a number never used before", f"{invoice.invoice_number}, already "
                            f"in journal #{seen[key]}", lot.where(invoice), [seen[key], lot.index])
            seen[key] = lot.index


@check("billing.gap.one_invoice_per_commitment", verifies=["ROC-INV-004"],
       title="a commitment is quoted again only after its invoice was rejected as a whole")
def one_invoice_per_commitment(ctx: CheckContext) -> None:
    outcome = {(d.lot.index, d.number): d for d in decisions(ctx) if d.side == "amc" and d.lot}
    last: dict[str, tuple[SentLot, Invoice]] = {}
    for lot in _require([lot for lot in sent_lots(ctx, "amc") if lot.accepted], "accepted DRE-ES lot"):
        for invoice in lot.invoices:
            number = invoice.amc.commitment_number if invoice.amc else ""
            if number in last:
                first_lot, first = last[number]
                decision = outcome.get((first_lot.index, first.invoice_number))
                if decision is None or decision.status != "rejected":
                    raise _fail("second invoice of a commitment", "one invoice per commitment (a new one only after "
                                "a whole reject)", f"invoice {invoice.invoice_number} after invoice "
                                f"{first.invoice_number} ({decision.status if decision else 'undecided'})",
                                lot.where(invoice), [first_lot.index, lot.index])
            last[number] = (lot, invoice)


@check("billing.gap.lot_totals", verifies=["ROC-INV-005"],
       title="each lot's trailer totals and counts equal its invoices'")
def lot_totals(ctx: CheckContext) -> None:
    for lot in _require(sent_lots(ctx), "lot"):
        for problem in validate(lot.text.encode("latin-1")):
            if problem.code.value in ("lot.totals_mismatch", "lot.count_mismatch"):
                raise _fail("lot trailer", "totals and counts of the lot's invoices", problem.reason,
                            f"{lot.where()} record {problem.record_number} {problem.field}", [lot.index])


# -- BIL: parts, ARLs, rejects ---------------------------------------------------------------------------------
_PARTS = ("total_cents", "amo_cents", "amc_cents", "patient_cents")


@check("billing.gap.parts_add_up", verifies=["BIL-PRT-001"],
       title="AMO + AMC + patient = line total on every invoice line; B2 and DRE-ES agree line by line")
def parts_add_up(ctx: CheckContext) -> None:
    amounts: dict[tuple[StayKey, int], tuple[str, tuple[int, ...], int]] = {}
    for lot in _require(sent_lots(ctx), "lot"):
        for invoice in lot.invoices:
            for line in invoice.lines:
                where = f"{lot.where(invoice)} line {line.line_number}"
                if line.amo_cents + line.amc_cents + line.patient_cents != line.total_cents:
                    raise _fail("line parts", f"AMO + AMC + patient = {line.total_cents}",
                                f"{line.amo_cents} + {line.amc_cents} + {line.patient_cents}", where, [lot.index])
                key, values = (stay_key(invoice), line.line_number), tuple(getattr(line, n) for n in _PARTS)
                other = amounts.setdefault(key, (lot.side, values, lot.index))
                if other[0] != lot.side and other[1] != values:
                    raise _fail("line parts", f"{'/'.join(map(str, other[1]))} as in the {FILE_NAMES[other[0]]} "
                                "invoice", "/".join(map(str, values)), where, [other[2], lot.index])


@check("billing.gap.corrects_refused_lots", verifies=["BIL-ARL-001", "ROC-FLT-021"],
       title="after a negative ARL the stays are sent again, corrected, under new numbers, and accepted")
def corrects_refused_lots(ctx: CheckContext) -> None:
    lots = sent_lots(ctx)
    refused = _require([lot for lot in lots if not lot.accepted], "negative ARL")
    for bad in refused:
        for lot in lots:
            if lot.index > bad.index and lot.side == bad.side and lot.text == bad.text:
                raise _fail("lot sent again", "a corrected lot", "the refused file, unchanged", lot.where(),
                            [bad.index, lot.index])
        for invoice in bad.invoices:
            again = [(lot, inv) for lot, inv in _later(lots, bad.side, bad.index)
                     if lot.accepted and stay_key(inv) == stay_key(invoice)]
            if not again:
                raise _fail("correction", "the stay invoiced again in a lot the payer accepts",
                            f"none after the negative ARL ({', '.join(bad.entry.meta.get('problems', []))})",
                            bad.where(invoice), [bad.index])
            lot, inv = again[0]
            if inv.invoice_number == invoice.invoice_number:
                raise _fail("corrected invoice number", "a new number", invoice.invoice_number, lot.where(inv),
                            [bad.index, lot.index])


def _received(ctx: CheckContext) -> list[tuple[Decision, int]]:
    """The decisions whose return the GAP got, with the position where it got it."""
    got = returns_received(ctx.journal)
    return [(d, got[(d.side, d.lot.lot_id)]) for d in decisions(ctx)
            if d.lot is not None and (d.side, d.lot.lot_id) in got and d.invoice is not None]


@check("billing.gap.reinvoices_curable_rejects", verifies=["BIL-REJ-001", "ROC-FLT-021"],
       title="a reject a new invoice cures is invoiced again, under a new number")
def reinvoices_curable_rejects(ctx: CheckContext) -> None:
    lots = sent_lots(ctx)
    judged = 0
    for d, got in _received(ctx):
        curable = [r for r in d.rejections if r["key"] in CURABLE]
        whole = d.status == "rejected"
        if not curable or (not whole and d.side != "amo"):
            continue  # final, or an AMC line (the commitment is invoiced: BIL-REJ-002)
        judged += 1
        lines = _numbers(d.invoice) if whole else {r["line_number"] for r in curable}
        again = [inv for _, inv, shared in _again(lots, d, got, lines) if shared == lines]
        if not any(inv.invoice_number != d.number for inv in again):
            raise _fail("re-invoice", f"lines {sorted(lines)} invoiced again under a new number",
                        f"nothing after {d.meta.get('rejections')[0]['key']}",
                        f"journal #{d.index} {FILE_NAMES[d.side]} invoice {d.number}", [d.index, got])
    if not judged:
        raise CheckSkipped("no curable reject reached the GAP")


@check("billing.gap.no_invoice_after_final_reject", verifies=["BIL-REJ-002"],
       title="after a reject no new invoice cures, that payer is not invoiced again for the stay")
def no_invoice_after_final_reject(ctx: CheckContext) -> None:
    lots = sent_lots(ctx)
    judged = 0
    for d in decisions(ctx):
        if d.invoice is None or not d.rejections:
            continue
        if d.status == "rejected":
            final = set() if d.rejections[0]["key"] in CURABLE else _numbers(d.invoice)
        elif d.side == "amc":
            final = _numbers(d.invoice)  # partly paid: the commitment is invoiced
        else:
            final = {r["line_number"] for r in d.rejections if r["key"] not in CURABLE}
        if not final:
            continue
        judged += 1
        for lot, inv, _ in _again(lots, d, d.index, final):
            raise _fail("invoice after a final reject", "the rejected amount left to the patient",
                        f"invoice {inv.invoice_number} after {d.rejections[0]['key']} on invoice {d.number}",
                        lot.where(inv), [d.index, lot.index])
    if not judged:
        raise CheckSkipped("no final reject in this scenario")


@check("billing.gap.no_double_billing", verifies=["BIL-REJ-003"],
       title="a line a payer paid is never invoiced to that payer again")
def no_double_billing(ctx: CheckContext) -> None:
    lots = sent_lots(ctx)
    paid = _require([d for d in decisions(ctx) if d.status in ("paid", "partial") and d.invoice], "payment")
    for d in paid:
        paid_lines = _numbers(d.invoice) - {r["line_number"] for r in d.rejections}
        for lot, inv, again in _again(lots, d, d.index, paid_lines):
            raise _fail("invoice of paid lines", "paid lines never invoiced again",
                        f"lines {sorted(again)} paid on invoice {d.number}, invoiced again",
                        lot.where(inv), [d.index, lot.index])


# -- BIL-REC: the GAP's books ------------------------------------------------------------------------------------
def _book_invoices(stays: list[dict[str, Any]]) -> dict[tuple[str, int, int], tuple[dict[str, Any], dict[str, Any]]]:
    return {(side, inv["lot_number"], inv["number"]): (stay, inv)
            for stay in stays for side in ("amo", "amc") for inv in stay.get(side, {}).get("invoices", [])}


@check("billing.gap.returns_posted", verifies=["BIL-REC-001", "BIL-REC-003"],
       title="each return received is posted to its invoice with the payer's amounts; the others stay pending")
def returns_posted(ctx: CheckContext) -> None:
    booked = _book_invoices(books(ctx))
    got = returns_received(ctx.journal)
    for d in _require(decisions(ctx), "payer decision"):
        lot_number = d.meta.get("lot_number")
        found = booked.get((d.side, lot_number, d.number))
        where = f"journal #{d.index} {FILE_NAMES[d.side]} lot {lot_number} invoice {d.number}"
        if found is None:
            raise _fail("invoice in the books", "every invoice the payer decided on", "missing", where, [d.index])
        _, invoice = found
        if d.lot is not None and (d.side, d.lot.lot_id) in got:
            expected = (d.status, d.meta.get("paid_cents"))
            if (invoice.get("state"), invoice.get("paid_cents")) != expected:
                raise _fail("posted return", f"{expected[0]}, paid {expected[1]} cents (return)",
                            f"{invoice.get('state')}, paid {invoice.get('paid_cents')}", where,
                            [d.index, got[(d.side, d.lot.lot_id)]])
        elif invoice.get("state") != "pending":
            raise _fail("invoice state before its return", "pending", invoice.get("state"), where, [d.index])


@check("billing.gap.books_parts_add_up", verifies=["BIL-PRT-002"],
       title="in the books, AMO part + AMC part + reste à charge = total billed, the CLC's total")
def books_parts_add_up(ctx: CheckContext) -> None:
    given = commitments(ctx.journal)
    for stay in _require(books(ctx), "stay in the books"):
        where = f"books: venue {stay.get('venue')}"
        total, parts = stay["total_cents"], [stay["amo_cents"], stay["amc_cents"], stay["patient_cents"]]
        if sum(parts) != total:
            raise _fail("parts of the stay", f"AMO + AMC + reste à charge = {total}", " + ".join(map(str, parts)),
                        where)
        clc = given.get(stay.get("commitment_number") or "")
        if clc is not None and clc.answer.quote.total_cents != total:
            raise _fail("total billed", f"{clc.answer.quote.total_cents} (CLC)", total, where, [clc.index])


@check("billing.gap.books_balance", verifies=["BIL-REC-002"],
       title="once its returns are in, AMO paid + AMC paid + what the patient owes = total billed, to the cent",
       params=params_schema({"settled": {"type": "boolean"}}))
def books_balance(ctx: CheckContext) -> None:
    for stay in _require(books(ctx), "stay in the books"):
        where = f"books: venue {stay.get('venue')}"
        total = stay["total_cents"]
        if not stay.get("settled"):
            if ctx.params.get("settled"):
                raise _fail("stay settled", "every return in and posted", f"AMO {stay['amo']['state']}, AMC "
                            f"{stay['amc']['state']}", where)
            continue
        paid = stay["amo"]["paid_cents"], stay["amc"]["paid_cents"]
        owes = stay["patient_cents"] + (stay["amo_cents"] - paid[0]) + (stay["amc_cents"] - paid[1])
        if stay.get("patient_owes") != owes:
            raise _fail("what the patient owes", f"{owes} (reste à charge + unpaid parts)",
                        stay.get("patient_owes"), where)
        if paid[0] + paid[1] + owes != total:
            raise _fail("balance", f"AMO paid + AMC paid + patient = {total}", f"{paid[0]} + {paid[1]} + {owes}",
                        where)


# -- AMO: CDRi before the B2 ------------------------------------------------------------------------------------
def _b2_invoices(ctx: CheckContext) -> list[tuple[SentLot, Invoice]]:
    return _require([(lot, inv) for lot in sent_lots(ctx, "amo") for inv in lot.invoices], "B2 invoice")


@check("billing.gap.cdri_before_b2", verifies=["AMO-RGT-001"],
       title="CDRi was consulted on the admission date before each B2 invoice")
def cdri_before_b2(ctx: CheckContext) -> None:
    seen = rights_seen(ctx.journal)
    for lot, invoice in _b2_invoices(ctx):
        admitted = _admission(invoice)
        if not any(r.index < lot.index and r.request is not None and str(r.request.beneficiary.nir) ==
                   str(invoice.nir) and r.request.care_date == admitted for r in seen):
            raise _fail("CDRi consultation", f"CDRi for NIR {invoice.nir} on {admitted} before the B2 invoice",
                        "none", lot.where(invoice), [lot.index])


@check("billing.gap.no_b2_without_amo_rights", verifies=["AMO-RGT-002"],
       title="no B2 invoice when CDRi reported the rights closed, not yet open, or the patient unknown")
def no_b2_without_amo_rights(ctx: CheckContext) -> None:
    seen = _require(rights_seen(ctx.journal), "CDRi exchange")
    for lot in sent_lots(ctx, "amo"):
        for invoice in lot.invoices:
            last = last_rights(seen, invoice, lot.index)
            if last is None:
                continue  # AMO-RGT-001's business
            status = last.answer.status.value if last.answer is not None else last.outcome
            if status != "open":
                raise _fail("B2 invoice", "no B2 invoice without open AMO rights", f"invoice after CDRi {status}",
                            lot.where(invoice), [last.index, lot.index])


def _with_rights(ctx: CheckContext) -> Iterator[tuple[SentLot, Invoice, RightsSeen]]:
    seen = rights_seen(ctx.journal)
    for lot, invoice in _b2_invoices(ctx):
        last = last_rights(seen, invoice, lot.index)
        if last is not None and last.answer is not None:
            yield lot, invoice, last


@check("billing.gap.b2_recipient_from_cdri", verifies=["AMO-RGT-003"],
       title="each B2 lot goes to the organisme CDRi named for its patients")
def b2_recipient_from_cdri(ctx: CheckContext) -> None:
    judged = 0
    for lot, invoice, rights in _with_rights(ctx):
        judged += 1
        organisme = rights.answer.organisme.code
        if lot.lot.recipient != organisme:
            raise _fail("B2 recipient", f"{organisme} (CDRi)", lot.lot.recipient, lot.where() + " recipient",
                        [rights.index, lot.index])
    if not judged:
        raise CheckSkipped("no B2 invoice after a CDRi answer")


@check("billing.gap.b2_rang_from_cdri", verifies=["AMO-RGT-004"], optional=True,
       title="each B2 invoice carries the rang de bénéficiaire CDRi gave")
def b2_rang_from_cdri(ctx: CheckContext) -> None:
    judged = 0
    for lot, invoice, rights in _with_rights(ctx):
        judged += 1
        if invoice.rang_beneficiaire != rights.answer.rang_beneficiaire:
            raise _fail("rang de bénéficiaire", f"{rights.answer.rang_beneficiaire} (CDRi)",
                        invoice.rang_beneficiaire, lot.where(invoice), [rights.index, lot.index])
    if not judged:
        raise CheckSkipped("no B2 invoice after a CDRi answer")


@check("billing.gap.exoneration_applied", verifies=["AMO-EXO-001"],
       title="with an exoneration on the admission date, reimbursable lines are billed to the AMO at 100 %")
def exoneration_applied(ctx: CheckContext) -> None:
    judged = 0
    for lot, invoice, rights in _with_rights(ctx):
        if not rights.answer.exonerations:
            continue
        judged += 1
        for line in invoice.lines:
            if line.amo_rate_pct > 0 and (line.amo_rate_pct, line.amo_cents) != (100, line.base_cents * line.quantity):
                raise _fail(f"line {line.line_number} AMO part",
                            f"100 % of the base, {line.base_cents * line.quantity} cents "
                            f"({rights.answer.exonerations[0].reason.value})",
                            f"{line.amo_rate_pct} %, {line.amo_cents} cents", lot.where(invoice),
                            [rights.index, lot.index])
    if not judged:
        raise CheckSkipped("no B2 invoice for a patient with an exoneration")


# -- the SMTP channel --------------------------------------------------------------------------------------------
@check("billing.gap.smtp_exchange", verifies=["BIL-CHN-001"], optional=True,
       title="lots sent by SMTP come from an address that receives their ARL")
def smtp_exchange(ctx: CheckContext) -> None:
    delivered = {(SIDES[e.actor], e.meta.get("lot_id")) for e in ctx.journal if e.actor in SIDES
                 and e.service == "delivery" and e.outcome == "delivered" and e.meta.get("kind") == "ack"}
    by_mail = _require([lot for lot in sent_lots(ctx) if lot.entry.meta.get("channel") == "smtp"],
                       "lot sent by SMTP")
    for lot in by_mail:
        if not lot.entry.meta.get("reply_to"):
            raise _fail("sender address", "a MAIL FROM address for ARLs and returns", "none", lot.where(),
                        [lot.index])
        if (lot.side, lot.lot_id) not in delivered:
            raise _fail("ARL delivery", f"the ARL mailed to {lot.entry.meta['reply_to']}", "not delivered",
                        lot.where(), [lot.index])
