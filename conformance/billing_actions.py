"""`drive: {action: bill}` for the reference driver: the reference GAP's billing office over a scenario's stays.

One `bill` step does what a hospital's billing office does once stays are discharged and committed:

1. CDRi on each stay's admission date (AMO rights, organisme, rang, exonerations); no B2 invoice without open
   AMO rights — the AMO part then falls to the patient;
2. a B2 lot per AMO organisme and a DRE-ES lot per AMC (each invoice quoting the CLC commitment), over the HTTP
   drop or SMTP (a plain smtplib client), and the ARL of each lot read from the ARL file;
3. a lot refused by its ARL is rebuilt and sent again with new invoice numbers (never the refused file);
4. returns fetched (HTTP feed, or the mail the intake sends back) and posted invoice by invoice; a whole-invoice
   reject the office can correct (amounts, dates, duplicate number, totals) is invoiced again under a new number,
   as are the AMO lines rejected for such a reason; other rejects fall to the patient;
5. the books: per stay and payer what was billed, paid and rejected, and what the patient still owes.

The JSON status is those books (see `StayBook.to_dict`); conformance/checks/billing.py compares them with the
bench's journal. A stay not committed by the ROC GAP (refused, cancelled and not replaced...) is not billed.

Params (all optional):
  phase: all | send | returns   all: send, then fetch and react (default); send: lots and ARLs; returns: fetch only
  channel: http | smtp          the HTTP drop (default), or SMTP through the bundled intake (`bundled_smtp`)
  cases: [amo-ald, ...]         AMO cases (simulators/amo/cases.py): CDRi, admit and discharge here, then bill
  first_lot_defect: wrong_lot_totals | parts_not_adding_up
                                the first lot of the concerned payer leaves damaged (as a broken variant would make
                                it), so the scenario judges how the office reacts to the negative ARL
  billing_variant: <name>       a broken office (simulators/gap/billing.py Variant); default: the environment's
                                `billing_variant`, so tests can run a whole suite with a broken office
"""
from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import mailbox
import re
import smtplib
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator, Sequence

import requests

from conformance.hospital import session_seed
from simulators import clock as bench_clock
from simulators.amo.client import CdriClient
from simulators.amo.rights import AmoStatus
from simulators.billing_files import BilledStay, Invoice, Lot, parse, read_ack, read_returns
from simulators.billing_files.returns import Payment
from simulators.domain import Establishment
from simulators.domain.quotes import Quote
from simulators.gap.billing import (ENTRY_NUMBER_LENGTH, BillingClient, BillingOffice, PricedStay, SentLot, Variant,
                                    with_exonerations)
from simulators.gap.client import RocClient, RocClientError

SIDES = ("amo", "amc")
PARTS = ("total_cents", "amo_cents", "amc_cents", "patient_cents")
PHASES = ("all", "send", "returns")
CHANNELS = ("http", "smtp")
DEFECT_SIDE = {Variant.WRONG_LOT_TOTALS: "amc", Variant.PARTS_NOT_ADDING_UP: "amo"}
# Whole-invoice reasons a new invoice can cure (the office rebuilds it from the CLC under a new number); the others
# (rights, beneficiary, coverage, commitment) are final: the payer's part falls to the patient.
CORRECTABLE = frozenset({"amounts.incoherent", "dates.incoherent", "invoice.duplicate_number", "lot.totals_mismatch"})
MAX_REINVOICES = 1  # per stay and payer: a second reject of the same stay is final
MAX_CORRECTIONS = 1  # per refused lot
TRANSPORT_ATTEMPTS = 2  # a lot refused by the transport (HTTP 5xx, SMTP 4xx) is sent once more, unchanged
MAIL_WAIT_S = 10.0
GAP_MAIL_FROM = "facturation@gap.simphonie.test"


class BillingActionError(Exception):
    """A `bill` step the reference office cannot play (bad params, missing service): a bench error."""


def _bench_base(annuaire_url: str) -> str:
    """The simulators' base URL from the scenario's annuaire URL (`<base>/s/<session>/annuaire`)."""
    return re.sub(r"/s/[^/]+/annuaire/?$", "", annuaire_url).rstrip("/")


# -- params -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BillRequest:
    phase: str = "all"
    channel: str = "http"
    cases: tuple[str, ...] = ()
    first_lot_defect: Variant | None = None
    billing_variant: Variant | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any], environment: dict[str, Any]) -> "BillRequest":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise BillingActionError(f"bill: unknown params {unknown}; valid: {sorted(known)}")
        phase, channel = params.get("phase", "all"), params.get("channel", "http")
        if phase not in PHASES or channel not in CHANNELS:
            raise BillingActionError(f"bill: phase must be one of {PHASES}, channel one of {CHANNELS}; received "
                                     f"{phase!r}, {channel!r}")
        cases = params.get("cases", ())
        cases = (cases,) if isinstance(cases, str) else tuple(cases)
        defect = params.get("first_lot_defect")
        if defect is not None and Variant(defect) not in DEFECT_SIDE:
            raise BillingActionError(f"bill: first_lot_defect must be one of {[v.value for v in DEFECT_SIDE]}")
        variant = params.get("billing_variant", environment.get("billing_variant"))
        return cls(phase, channel, cases, Variant(defect) if defect else None, Variant(variant) if variant else None)


# -- channels: how lots leave and ARLs and returns come back -------------------------------------------------------
class TransportRefused(Exception):
    """The intake refused the lot before reading it (HTTP error status, SMTP 4xx/5xx): nothing was received."""


def _receipt(ack_text: str, lot_id: Any) -> dict[str, Any]:
    """What the office keeps of an ARL, read from the ARL file itself."""
    ack = read_ack(ack_text.encode("ascii"))
    return {"lot": lot_id, "ack": ack_text, "accepted": ack.accepted,
            "problems": [{"code": p.code.value, "record_number": p.record_number, "field": p.field}
                         for p in ack.problems]}


class HttpChannel:
    """The HTTP drop: the ARL comes in the answer, returns from the feed (`GET returns?since=`)."""

    name = "http"

    def __init__(self, client: BillingClient) -> None:
        self.client = client
        self._since = {side: 0 for side in SIDES}

    def send_lot(self, side: str, data: bytes) -> dict[str, Any]:
        try:
            answer = self.client.send_lot(side, data)
        except requests.HTTPError as exc:
            raise TransportRefused(f"HTTP {exc.response.status_code}") from None
        return _receipt(answer["ack"], answer["lot"])

    def returns(self, side: str) -> list[bytes]:
        feed = self.client.returns(side, self._since[side])
        self._since[side] = feed["next"]
        return [item["data"].encode("ascii") for item in feed["items"]]


class SmtpChannel:
    """SMTP as hospitals use it: one message per lot to `<side>+<session>@<domain>`, the ARL and the returns mailed
    back to the GAP's address and read from its mailbox (a Maildir the bundled relay delivers to).

    Which returns are due is asked of the HTTP feed (lots received by SMTP show there too), so the office knows
    which mail to wait for; the files it posts are the mailed ones.
    """

    name = "smtp"

    def __init__(self, environment: dict[str, Any], session: str, http: BillingClient) -> None:
        if not environment.get("billing_smtp") or not environment.get("gap_maildir"):
            raise BillingActionError("bill over smtp needs the bundled SMTP intake (environment billing_smtp, "
                                     "gap_maildir): run without --bench, or use channel http")
        host, _, port = str(environment["billing_smtp"]).rpartition(":")
        self.address = (host, int(port))
        self.domain = environment.get("billing_smtp_domain", "billing.simphonie.test")
        self.maildir = Path(environment["gap_maildir"])
        self.session = session
        self.http = http
        self._lot_ids: dict[str, set[int]] = {side: set() for side in SIDES}
        self._since = {side: 0 for side in SIDES}
        self._posted: set[str] = set()

    def send_lot(self, side: str, data: bytes) -> dict[str, Any]:
        message = EmailMessage()
        message["From"] = GAP_MAIL_FROM
        message["To"] = f"{side}+{self.session}@{self.domain}"
        message["Subject"] = f"LOT {side.upper()}"
        message.set_content("Lot de facturation en piece jointe.")
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=f"LOT-{side}.txt")
        with smtplib.SMTP(*self.address, timeout=MAIL_WAIT_S) as smtp:
            smtp.ehlo()
            code, reply = smtp.mail(GAP_MAIL_FROM)
            if code == 250:
                code, reply = smtp.rcpt(message["To"])
            if code == 250:
                code, reply = smtp.data(message.as_bytes(policy=email.policy.SMTP))
        text = reply.decode("ascii", "replace")
        found = re.search(rf"\b{side}:(\d+) ", text)
        if code != 250 or not found:
            raise TransportRefused(f"SMTP {code} {text}")
        lot_id = int(found.group(1))
        self._lot_ids[side].add(lot_id)
        [ack] = self._wait(side, "ack", {lot_id})
        return _receipt(ack.decode("ascii"), lot_id)

    def returns(self, side: str) -> list[bytes]:
        feed = self.http.returns(side, self._since[side])
        self._since[side] = feed["next"]
        due = {item["lot_id"] for item in feed["items"] if item["lot_id"] in self._lot_ids[side]}
        return self._wait(side, "return", due) if due else []

    def _wait(self, side: str, kind: str, lot_ids: set[int]) -> list[bytes]:
        """The attachments of the GAP's mail of that kind for those lots, waiting for each to arrive."""
        deadline = bench_clock.monotonic() + MAIL_WAIT_S
        while True:
            found = self._read(side, kind, lot_ids)
            if {lot for lot, _, _ in found} >= lot_ids:
                self._posted.update(key for _, key, _ in found)
                return [data for _, _, data in found]
            if bench_clock.monotonic() >= deadline:
                raise BillingActionError(f"no {kind} mail for {side.upper()} lot(s) {sorted(lot_ids)} within "
                                         f"{MAIL_WAIT_S:g} s in {self.maildir}")
            time.sleep(0.05)

    def _read(self, side: str, kind: str, lot_ids: set[int]) -> list[tuple[int, str, bytes]]:
        box = mailbox.Maildir(self.maildir, create=False)
        found = []
        for key in box.keys():
            if key in self._posted:
                continue
            try:
                message = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            except KeyError:  # moved while listing
                continue
            if (message["X-Bench-Session"] != self.session or message["X-Bench-Kind"] != kind
                    or not str(message["From"]).startswith(f"{side}+")
                    or int(message["X-Bench-Lot"] or 0) not in lot_ids):
                continue
            for part in message.iter_attachments():
                found.append((int(message["X-Bench-Lot"]), key, part.get_content()))
        return found


# -- the books ----------------------------------------------------------------------------------------------------
@dataclass
class InvoiceRecord:
    """One invoice sent to one payer: its lot, its lines, and what the ARL and the return said of it."""

    side: str
    number: int
    lot_number: int
    finess: str  # FINESS juridique: the return's recipient
    lines: tuple[int, ...]
    billed_cents: int  # the payer's part on those lines, as sent
    purpose: str  # invoice | correction | reinvoice
    channel: str
    state: str = "pending"  # pending → paid | partial | rejected; refused (negative ARL); unsent (transport)
    paid_cents: int | None = None
    rejects: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    handled: bool = False  # the office has reacted to its refusal or reject

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "lot_number": self.lot_number, "lines": list(self.lines),
                "billed_cents": self.billed_cents, "purpose": self.purpose, "channel": self.channel,
                "state": self.state, "paid_cents": self.paid_cents, "rejects": list(self.rejects),
                "problems": list(self.problems)}


@dataclass
class StayBook:
    """A stay in the GAP's books: the parts as invoiced and, per payer, every invoice and its fate.

    A payer's part not paid (rejected, or not billed because AMO rights are not open) falls to the patient:
    `patient_owes` = reste à charge + the payers' unpaid parts, known once every return is in.
    """

    stay: PricedStay
    amo_rights: str  # CDRi on the admission date: OUVERTS, FERMES, NON_OUVERTS or fault:<key>
    rang_beneficiaire: int
    exonerations: tuple[str, ...]
    invoice_number: int
    parts: dict[str, int]  # total_cents, amo_cents, amc_cents, patient_cents
    invoices: list[InvoiceRecord] = field(default_factory=list)
    parts_from: tuple[bool, bool] | None = None  # (accepted, B2) of the invoice the parts come from

    def take_parts(self, parts: dict[str, int], *, accepted: bool, side: str) -> None:
        """The parts as invoiced: those of the last whole invoice, the B2's over the DRE-ES's (the B2 is sent
        even when the AMC is not billed), an accepted one over a refused one."""
        rank = (side == "amo", accepted)
        if self.parts_from is None or rank >= self.parts_from:
            self.parts, self.parts_from = parts, rank

    @property
    def venue(self) -> str:
        return self.stay.stay.venue_number

    def billable(self, side: str) -> bool:
        """The AMO with open rights; the AMC with a commitment (else its part is the patient's)."""
        return bool(self.stay.commitment_number) if side == "amc" else self.amo_rights == AmoStatus.OPEN.value

    def of(self, side: str) -> list[InvoiceRecord]:
        return [record for record in self.invoices if record.side == side]

    def side_state(self, side: str) -> str:
        records = self.of(side)
        if not records:
            return "not_billed"
        accepted = [r for r in records if r.state not in ("refused", "unsent")]
        if not accepted:
            return "refused"
        if any(r.state == "pending" for r in accepted):
            return "pending"
        paid = self.paid(side)
        return "paid" if paid == self.parts[f"{side}_cents"] else "rejected" if paid == 0 else "partial"

    def paid(self, side: str) -> int:
        return sum(r.paid_cents or 0 for r in self.of(side) if r.state in ("paid", "partial"))

    @property
    def settled(self) -> bool:
        return all(self.side_state(side) in ("paid", "partial", "rejected", "not_billed") for side in SIDES)

    @property
    def parts_add_up(self) -> bool:
        p = self.parts
        return p["amo_cents"] + p["amc_cents"] + p["patient_cents"] == p["total_cents"]

    @property
    def patient_owes(self) -> int | None:
        if not self.settled:
            return None
        unpaid = sum(self.parts[f"{side}_cents"] - self.paid(side) for side in SIDES)
        return self.parts["patient_cents"] + unpaid

    @property
    def balanced(self) -> bool:
        owes = self.patient_owes
        return owes is not None and self.paid("amo") + self.paid("amc") + owes == self.parts["total_cents"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "venue": self.venue, "commitment_number": self.stay.commitment_number, "amo_rights": self.amo_rights,
            "amo_organisme": self.stay.amo_organisme, "rang_beneficiaire": self.rang_beneficiaire,
            "exonerations": list(self.exonerations), "invoice_number": self.invoice_number, **self.parts,
            **{side: {"state": self.side_state(side), "paid_cents": self.paid(side),
                      "invoices": [r.to_dict() for r in self.of(side)]} for side in SIDES},
            "patient_owes": self.patient_owes, "settled": self.settled, "parts_add_up": self.parts_add_up,
            "balanced": self.balanced,
        }


def _part(invoice: Invoice, side: str) -> int:
    return sum(getattr(line, f"{side}_cents") for line in invoice.lines)


def _quote_of(quote: Quote, lines: Sequence[int]) -> Quote:
    """The quote restricted to some lines (a re-invoice of the lines a payer rejected)."""
    chosen = tuple(q for q in quote.lines if q.line_number in lines)
    return Quote(chosen, *(sum(getattr(q, name) for q in chosen) for name in PARTS))


# -- the office ---------------------------------------------------------------------------------------------------
class GapOffice(BillingOffice):
    """The reference billing office (or a broken variant of it), sending to one payer at a time so a correction or
    a re-invoice goes to the payer concerned only. Numbering, lot building and the variants' damage are the
    BillingOffice's; `defect` damages the next lot of its payer once."""

    def __init__(self, *args: Any, defect: Variant | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.defect = defect

    def next_invoice_number(self) -> int:
        return self._next_invoice()

    def transmit(self, side: str, recipient: str, billed: list[tuple[PricedStay, BilledStay]]) -> SentLot:
        """Build and send one lot through `self.client`; a transport refusal (nothing received) is retried once
        with the very same file."""
        if self.variant is Variant.CANCELLED_COMMITMENT and side == "amc":
            for stay, _ in billed:
                with contextlib.suppress(RocClientError):  # already cancelled by its first lot: invoiced anyway
                    self._cancel(stay)
        number, data = self._lot(side, recipient, billed)
        for attempt in range(1, TRANSPORT_ATTEMPTS + 1):
            try:
                sent = SentLot(side, number, data, self.client.send_lot(side, data))
                break
            except TransportRefused:
                if attempt == TRANSPORT_ATTEMPTS:
                    raise
        self.sent.append(sent)
        return sent

    def _broken(self, side: str, data: bytes, lot: Lot) -> bytes:
        if self.defect is not None and DEFECT_SIDE[self.defect] == side:
            variant, self.variant, self.defect = self.variant, self.defect, None
            try:
                return super()._broken(side, data, lot)
            finally:
                self.variant = variant
        return super()._broken(side, data, lot)


# -- the desk: the scenario's billing state across `bill` steps -----------------------------------------------
class BillingDesk:
    """Offices (one per establishment), channels, CDRi, and the books of every stay billed in the scenario."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.session = driver.session
        self.base = _bench_base(driver.annuaire_url)
        self.http = BillingClient(self.base, session=self.session)
        self.channels: dict[str, Any] = {}
        self.offices: dict[str, GapOffice] = {}
        self.cdri_clients: dict[str, CdriClient] = {}
        self.roc: RocClient | None = None
        self.books: dict[str, StayBook] = {}
        self.not_billed: dict[str, str] = {}
        self.posted: set[tuple[str, int]] = set()  # (side, return number)
        self.clock: date | None = None  # the session's clock at this step (None: not set)
        self.reference_day: date | None = None  # the day the session's dataset is anchored on
        self.seed = 0

    def close(self) -> None:
        for client in self.cdri_clients.values():
            client.close()
        if self.roc is not None:
            self.roc.close()
        self.http.http.close()

    # -- wiring ---------------------------------------------------------------------------------------------------
    def channel(self, name: str) -> Any:
        if name not in self.channels:
            self.channels[name] = (HttpChannel(self.http) if name == "http"
                                   else SmtpChannel(self.driver.environment, self.session, self.http))
        return self.channels[name]

    def cdri(self, establishment: Establishment) -> CdriClient:
        key = str(establishment.finess_geographique)
        if key not in self.cdri_clients:
            self.cdri_clients[key] = CdriClient(
                f"{self.base}/s/{self.session}/amo/cdri", timeout=5, id_seed=session_seed(f"{self.session}|{key}"),
                finess_juridique=str(establishment.finess_juridique), finess_geographique=key)
        return self.cdri_clients[key]

    def office(self, establishment: Establishment, request: BillRequest) -> GapOffice:
        """The establishment's office (its variant and defect are those of the step that opened it)."""
        key = str(establishment.finess_geographique)
        if key not in self.offices:
            self.offices[key] = GapOffice(None, establishment, variant=request.billing_variant, roc=self.roc,
                                          defect=request.first_lot_defect)
        return self.offices[key]

    def refresh(self) -> None:
        """The session's clock and seed, read once per step (scenarios move the clock between steps)."""
        info = requests.get(f"{self.base}/_bench/sessions/{self.session}", timeout=5).json()
        self.clock = date.fromisoformat(str(info["clock"])[:10]) if info.get("clock") else None
        self.reference_day = date.fromisoformat(info["reference_day"]) if info.get("reference_day") else None
        self.seed = int(info["seed"])

    def today(self) -> date:
        """The day lots are created: the session's clock, else the last discharge billed (never the wall
        clock, so lots stay reproducible)."""
        if self.clock is not None:
            return self.clock
        ends = [b.stay.stay.discharge_date or b.stay.stay.admission_date for b in self.books.values()]
        return max(ends) if ends else bench_clock.today()

    # -- stays ----------------------------------------------------------------------------------------------------
    def rights(self, case: Any) -> tuple[str, Any]:
        """CDRi on the admission date: (status or fault:<key>, the answer or None)."""
        try:
            answer = self.cdri(case.establishment).rights(case.beneficiary, case.stay.admission_date)
        except RocClientError as exc:
            return f"fault:{exc.key or 'unknown'}", None
        return answer.status.value, answer

    def admit_amo_case(self, name: str) -> str | None:
        """An AMO case through the desk: CDRi at admission (exonerations priced in), then the ROC GAP's admit and
        discharge. Its venue, or None when there is nothing to bill (the AMC does not know them either)."""
        from simulators.amo.cases import amo_cases
        from simulators.gap.cases import StayCase
        from simulators.runtime import dataset_for_seed

        dataset = dataset_for_seed(self.seed, self.reference_day)
        cases = amo_cases(dataset)
        if name not in cases:
            raise BillingActionError(f"bill: unknown AMO case {name!r}; valid: {', '.join(cases)}")
        amo = cases[name]
        status, answer = self.rights(amo)
        if amo.contract is None:
            self.not_billed[amo.stay.venue_number] = status if status.startswith("fault:") else "no AMC attestation"
            return None
        lines = with_exonerations(amo.lines, bool(answer is not None and answer.exonerations))
        case = StayCase(amo.beneficiary, amo.contract.attestation, amo.establishment, amo.stay, lines)
        self.driver.gap.admit(case)
        self.driver.gap.discharge(case.venue)
        return case.venue

    def priced(self, venue: str, request: BillRequest) -> tuple[PricedStay, str, Any] | None:
        """The discharged stay priced for billing, with its AMO rights; None (noted) when it cannot be billed yet.

        A committed stay is priced by its CLC; a stay the AMC does not cover (IDB refused, not in ROC, AMC
        unreachable: the GAP's patient billing) is still billed to the AMO, priced without an AMC; a stay whose
        commitment is cancelled or not made yet waits for its CLC.
        """
        from simulators.domain.pricing import quote
        from simulators.gap.status import PATIENT_PAYS, StayState
        from simulators.gap.stays import UnknownStay

        try:
            status = self.driver.gap.status(venue)
        except UnknownStay:
            return None
        case = self.driver.gap.case_of(venue)
        committed = (status.state is StayState.COMMITTED and status.quote is not None
                     and status.quote.source == "CLC")
        if case.stay.discharge_date is None or not (committed or status.state in PATIENT_PAYS):
            self.not_billed[venue] = f"stay {status.state.value}: not discharged with an active commitment"
            return None
        rights, answer = self.rights(case)
        organisme = answer.organisme.code if answer is not None else ""
        priced = status.quote.quote if committed else quote(None, case.stay, case.lines)
        stay = PricedStay(case.beneficiary, case.attestation, case.establishment, case.stay, case.lines,
                          priced, (status.commitment_number or "") if committed else "", organisme)
        if committed and request.billing_variant is Variant.CANCELLED_COMMITMENT:  # it cancels before invoicing
            if self.roc is None:
                self.roc = RocClient(self.driver.annuaire_url, timeout=5)
            attestation = case.attestation
            endpoints = self.roc.annuaire(attestation.numero_amc, attestation.type_convention,
                                          attestation.critere_secondaire).endpoints
            stay = dataclasses.replace(stay, cancel_url=endpoints.get("ANN"))
        return stay, rights, answer

    # -- sending --------------------------------------------------------------------------------------------------
    def bill(self, venues: Sequence[str], request: BillRequest) -> list[dict[str, Any]]:
        """First invoices of the stays not billed yet; lots refused by their ARL corrected once."""
        fresh = []
        for venue in dict.fromkeys(venues):
            if venue in self.books:
                continue  # already invoiced: one invoice per commitment
            found = self.priced(venue, request)
            if found is not None:
                fresh.append(found)
        if not fresh:
            return []
        for stay, rights, answer in fresh:
            office = self.office(stay.establishment, request)
            rang = answer.rang_beneficiaire if answer is not None else 1
            exonerations = tuple(e.reason.value for e in answer.exonerations) if answer is not None else ()
            self.books[stay.stay.venue_number] = StayBook(
                stay, rights, rang, exonerations, office.next_invoice_number(),
                {name: getattr(stay.quote, name) for name in PARTS})
        books = [self.books[stay.stay.venue_number] for stay, _, _ in fresh]
        sent = []
        for side in SIDES:
            work = [(book, book.invoice_number, None) for book in books if book.billable(side)]
            sent += self._send(side, work, "invoice", request.channel)
        return sent + self.correct(request.channel)

    def _send(self, side: str, work: list[tuple[StayBook, int, tuple[int, ...] | None]], purpose: str,
              channel: str) -> list[dict[str, Any]]:
        """Lots of `work` (book, invoice number, lines or None for all) to `side`, one per establishment and
        recipient; each invoice recorded in its book with the ARL's verdict."""
        groups: dict[tuple[str, str], list[tuple[StayBook, int, tuple[int, ...] | None]]] = {}
        for item in work:
            stay = item[0].stay
            recipient = stay.amo_organisme if side == "amo" else stay.attestation.numero_amc
            groups.setdefault((str(stay.establishment.finess_geographique), recipient), []).append(item)
        summaries = []
        for (finess, recipient), items in groups.items():
            office = self.offices[finess]
            office.client, office.today = self.channel(channel), self.today()
            billed = [(book.stay, self._billed(book, number, lines)) for book, number, lines in items]
            try:
                sent = office.transmit(side, recipient, billed)
            except TransportRefused as exc:  # nothing received: the stays stay unbilled on that side
                sent = SentLot(side, 0, b"", {"accepted": False, "problems": [{"code": f"transport:{exc}"}]})
            as_sent: Lot | None = parse(sent.data).value
            invoices = as_sent.invoices if as_sent is not None else (None,) * len(items)
            for (book, number, lines), invoice in zip(items, invoices):
                if invoice is not None and lines is None:
                    book.take_parts(self._parts(invoice), accepted=sent.accepted, side=side)
                record = InvoiceRecord(
                    side, number, sent.lot_number, str(book.stay.establishment.finess_juridique),
                    tuple(line.line_number for line in (invoice.lines if invoice else ())) or tuple(lines or ()),
                    _part(invoice, side) if invoice else 0, purpose, channel,
                    state="pending" if sent.accepted else "refused" if sent.data else "unsent",
                    problems=sent.problems)
                book.invoices.append(record)
            summary = {"side": side, "lot_number": sent.lot_number, "recipient": recipient, "purpose": purpose,
                       "channel": channel, "lot_id": sent.receipt.get("lot"), "accepted": sent.accepted,
                       "problems": sent.problems, "invoices": [number for _, number, _ in items],
                       "file": sent.data.decode("latin-1")}
            summaries.append(summary)
        return summaries

    @staticmethod
    def _parts(invoice: Invoice) -> dict[str, int]:
        return {name: sum(getattr(line, name) for line in invoice.lines) for name in PARTS}

    @staticmethod
    def _billed(book: StayBook, number: int, lines: tuple[int, ...] | None) -> BilledStay:
        stay = book.stay
        entry = dataclasses.replace(stay.stay, venue_number=stay.stay.venue_number[-ENTRY_NUMBER_LENGTH:])
        chosen = stay.lines if lines is None else tuple(line for line in stay.lines if line.line_number in lines)
        quote = stay.quote if lines is None else _quote_of(stay.quote, lines)
        return BilledStay(stay.beneficiary, entry, chosen, quote, number, stay.commitment_number, stay.attestation,
                          rang_beneficiaire=book.rang_beneficiaire)

    def correct(self, channel: str) -> list[dict[str, Any]]:
        """Lots refused by their ARL: each invoice rebuilt under a new number and sent again, once."""
        work: dict[str, list[tuple[StayBook, int, tuple[int, ...] | None]]] = {side: [] for side in SIDES}
        for book in self.books.values():
            for record in book.invoices:
                if record.state == "refused" and not record.handled:
                    record.handled = True
                    if record.purpose != "correction":
                        office = self.offices[str(book.stay.establishment.finess_geographique)]
                        work[record.side].append((book, office.next_invoice_number(), None))
        sent = []
        for side in SIDES:
            if work[side]:
                sent += self._send(side, work[side], "correction", channel)
        return sent

    # -- returns --------------------------------------------------------------------------------------------------
    def fetch(self) -> int:
        """Returns due from every channel used, posted to the invoices they name; the number of files read."""
        count = 0
        for channel in self.channels.values():
            for side in SIDES:
                for data in channel.returns(side):
                    returned = read_returns(data)
                    if (side, returned.return_number) in self.posted:
                        continue
                    self.posted.add((side, returned.return_number))
                    self._post(side, returned)
                    count += 1
        return count

    def _post(self, side: str, returned: Any) -> None:
        records = {(str(book.stay.establishment.finess_juridique), r.lot_number, r.number): r
                   for book in self.books.values() for r in book.of(side)}
        touched = []
        for entry in returned.entries:
            record = records.get((str(returned.recipient), entry.lot_number, entry.invoice_number))
            if record is None:
                continue  # another office's invoice
            touched.append(record)
            if isinstance(entry, Payment):
                record.paid_cents = entry.paid_cents
            else:
                record.rejects.append({"line": entry.line_number, "key": entry.reason})
                if entry.line_number == 0:
                    record.paid_cents = 0
        for record in touched:
            whole = any(r["line"] == 0 for r in record.rejects)
            record.state = "rejected" if whole else "partial" if record.rejects else "paid"

    def react(self, channel: str) -> list[dict[str, Any]]:
        """Invoice again what a new invoice can cure: whole rejects for a correctable reason, and AMO lines
        rejected for one; at most MAX_REINVOICES per stay and payer."""
        work: dict[str, list[tuple[StayBook, int, tuple[int, ...] | None]]] = {side: [] for side in SIDES}
        for book in self.books.values():
            for record in book.invoices:
                if record.handled or record.state not in ("rejected", "partial"):
                    continue
                record.handled = True
                again = sum(1 for r in book.of(record.side) if r.purpose == "reinvoice")
                lines = self._curable(record)
                if lines is None or again >= MAX_REINVOICES:
                    continue
                office = self.offices[str(book.stay.establishment.finess_geographique)]
                work[record.side].append((book, office.next_invoice_number(), lines or None))
        sent = []
        for side in SIDES:
            if work[side]:
                sent += self._send(side, work[side], "reinvoice", channel)
        return sent

    @staticmethod
    def _curable(record: InvoiceRecord) -> tuple[int, ...] | None:
        """() to invoice the whole stay again, the lines to invoice again, or None when the reject is final."""
        if record.state == "rejected":
            return () if record.rejects[0]["key"] in CORRECTABLE else None
        if record.side != "amo":
            return None  # the commitment is invoiced: an AMC invoice cannot quote it again
        lines = tuple(r["line"] for r in record.rejects if r["key"] in CORRECTABLE)
        return lines or None

    # -- status ---------------------------------------------------------------------------------------------------
    def status(self, request: BillRequest, lots: list[dict[str, Any]], fetched: int) -> dict[str, Any]:
        books = list(self.books.values())
        states = {book.side_state(side) for book in books for side in SIDES}
        state = ("not_billed" if not books else "settled" if all(book.settled for book in books)
                 else "refused" if "refused" in states else "pending")
        return {"state": state, "phase": request.phase, "channel": request.channel,
                "billing_variant": request.billing_variant.value if request.billing_variant else None,
                "first_lot_defect": request.first_lot_defect.value if request.first_lot_defect else None,
                "lots": lots, "returns_fetched": fetched, "stays": [book.to_dict() for book in books],
                "not_billed": [{"venue": v, "reason": r} for v, r in self.not_billed.items()]}


# -- the action ----------------------------------------------------------------------------------------------
def bill(driver: Any, case: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The `bill` drive action (registered in conformance/drivers/reference.py REFERENCE_ACTIONS)."""
    request = BillRequest.from_params(dict(params), driver.environment)
    desk = driver.extras.get("billing")
    if desk is None:
        desk = driver.extras["billing"] = BillingDesk(driver)
    desk.refresh()
    lots: list[dict[str, Any]] = []
    fetched = 0
    if request.phase in ("all", "send"):
        venues = [case.venue] if case is not None else []
        venues += [v for name in request.cases if (v := desk.admit_amo_case(name)) is not None]
        lots += desk.bill(venues, request)
    desk.channel(request.channel)
    if request.phase in ("all", "returns"):
        for _ in range(1 + MAX_REINVOICES):
            fetched += desk.fetch()
            again = desk.react(request.channel)
            lots += again
            if not again:
                break
            lots += desk.correct(request.channel)
    return desk.status(request, lots, fetched)


# -- the bundled SMTP intake ----------------------------------------------------------------------------------
@contextlib.contextmanager
def bundled_smtp(settings: Any, server: Any, app: Any) -> Iterator[dict[str, Any]]:
    """A bundled service (conformance/session_bench.py): the billing SMTP intake on a free loopback port, and the
    GAP's mail server it relays ARLs and returns to, a Maildir the `bill` action reads (`channel: smtp`)."""
    from aiosmtpd.handlers import Mailbox

    from simulators.billing.smtp import BillingSmtpServer, SmtpConfig, _Controller

    with tempfile.TemporaryDirectory(prefix="simphonie-gap-mail-") as folder:
        maildir = Path(folder) / "Maildir"
        relay = _Controller(Mailbox(maildir), hostname="127.0.0.1", port=0)
        relay.start()
        try:
            config = SmtpConfig(relay=("127.0.0.1", relay.port), sweep_seconds=0.2)
            with BillingSmtpServer(app.extensions["simphonie"], config) as intake:
                yield {"billing_smtp": f"127.0.0.1:{intake.port}", "billing_smtp_domain": config.domain,
                       "gap_maildir": str(maildir)}
        finally:
            relay.stop()
