"""The reference GAP's billing office: priced stays → B2 (AMO) and DRE-ES (AMC) lots → ARLs → returns → accounts.

A stay is priced through ROC (annuaire, IDB, CLC) and CDRi (`price_through_roc`), billed (`BillingOffice.bill`),
its returns fetched (`fetch_returns`) and reconciled (`reconcile`): per stay, what the AMO and the AMC paid and
what the patient still owes, to the cent. `Variant` makes the office deliberately wrong in the ways GAPs are
(invoice quoting a cancelled commitment, wrong lot totals, duplicate invoice number, parts not adding up), so
tests and scenarios can show the bench catches each.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, Sequence

import requests

from simulators import clock
from simulators.amo.client import CdriClient
from simulators.amo.rights import AmoStatus
from simulators.billing_files import (BilledStay, Lot, ReturnLot, b2_lot_from, dre_es_lot_from, parse, patch_field,
                                      read_returns, write)
from simulators.domain import Attestation, Beneficiary, Establishment, PrestationLine, Stay
from simulators.domain.quotes import Quote
from simulators.gap.client import SESSION_HEADER, RocClient
from simulators.roc.messages import CancelRequest, ClcRequest, IdbRequest

if TYPE_CHECKING:
    from simulators.gap.cases import StayCase
    from simulators.gap.status import StayStatus

ENTRY_NUMBER_LENGTH = 9  # B2 / DRE-ES N° d'entrée; bench venue numbers have 10 digits


class Variant(str, Enum):
    """Ways the office can be broken on purpose (None: the reference behaviour)."""

    CANCELLED_COMMITMENT = "cancelled_commitment"  # cancels the CLC, then invoices it anyway
    WRONG_LOT_TOTALS = "wrong_lot_totals"  # DRE-ES trailer total off by one euro
    DUPLICATE_INVOICE_NUMBER = "duplicate_invoice_number"  # reuses the previous invoice number
    PARTS_NOT_ADDING_UP = "parts_not_adding_up"  # AMO + AMC + patient ≠ total on a B2 line (trailer kept coherent)


@dataclass(frozen=True, slots=True)
class PricedStay:
    """A stay priced by the CLC: who, where, the lines, the quote and its commitment, and the AMO organisme
    (régime + caisse + centre, from CDRi) the B2 invoice goes to. `cancel_url` is the AMC's ANN endpoint."""

    beneficiary: Beneficiary
    attestation: Attestation
    establishment: Establishment
    stay: Stay
    lines: tuple[PrestationLine, ...]
    quote: Quote
    commitment_number: str
    amo_organisme: str
    cancel_url: str | None = None


def with_exonerations(lines: Sequence[PrestationLine], exonerated: bool) -> tuple[PrestationLine, ...]:
    """An exoneration (ALD, maternity, work accident) makes the AMO pay 100 % of the base of reimbursable lines."""
    if not exonerated:
        return tuple(lines)
    return tuple(dataclasses.replace(line, amo_rate_pct=100) if line.amo_rate_pct > 0 else line for line in lines)


def price_through_roc(roc: RocClient, cdri: CdriClient, beneficiary: Beneficiary, attestation: Attestation,
                      establishment: Establishment, stay: Stay, lines: Sequence[PrestationLine]) -> PricedStay:
    """What the reference GAP does from admission to discharge: CDRi (AMO rights, exonerations), annuaire, IDB,
    CLC. Raises the clients' typed errors (RocFaultError...) and ValueError when AMO rights are not open."""
    amo = cdri.rights(beneficiary, stay.admission_date)
    if amo.status is not AmoStatus.OPEN:
        raise ValueError(f"AMO rights {amo.status.value} on {stay.admission_date}: no B2 invoice possible")
    lines = with_exonerations(lines, bool(amo.exonerations))
    endpoints = roc.annuaire(attestation.numero_amc, attestation.type_convention,
                             attestation.critere_secondaire).endpoints

    def header():
        return dataclasses.replace(roc.header(), finess_juridique=str(establishment.finess_juridique),
                                   finess_geographique=str(establishment.finess_geographique))

    idb = roc.idb(endpoints["IDB"], IdbRequest(header(), beneficiary, attestation, stay))
    clc = roc.clc(endpoints["CLC"], ClcRequest(header(), idb.idb_reference, beneficiary, attestation, stay, lines))
    return PricedStay(beneficiary, attestation, establishment, stay, lines, clc.quote, clc.commitment_number,
                      amo.organisme.code, endpoints.get("ANN"))


def priced_from_status(case: "StayCase", status: "StayStatus", cdri: CdriClient) -> PricedStay:
    """A stay the reference GAP (simulators/gap/reference.py) committed, ready to bill: the CLC quote and
    commitment from its StayStatus, the case as the GAP knows it (`gap.case_of(venue)`, after discharge), the AMO
    organisme from CDRi. ValueError unless the stay is committed with a CLC quote and AMO rights are open."""
    from simulators.gap.status import StayState

    if status.state is not StayState.COMMITTED or status.quote is None or status.quote.source != "CLC":
        raise ValueError(f"stay {status.venue} is {status.state.value}: only a committed stay with a CLC is billed")
    amo = cdri.rights(case.beneficiary, case.stay.admission_date)
    if amo.status is not AmoStatus.OPEN:
        raise ValueError(f"AMO rights {amo.status.value} on {case.stay.admission_date}: no B2 invoice possible")
    return PricedStay(case.beneficiary, case.attestation, case.establishment, case.stay, case.lines,
                      status.quote.quote, status.commitment_number or "", amo.organisme.code)


class BillingClient:
    """The HTTP drop of the bench's billing intake (`<base_url>/billing/<amo|amc>/...`), session-aware."""

    def __init__(self, base_url: str, *, session: str | None = None, timeout: float = 5.0,
                 http: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.http = http or requests.Session()

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {SESSION_HEADER: self.session} if self.session else {}
        response = self.http.request(method, f"{self.base_url}/billing/{path}", headers=headers,
                                     timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response.json()

    def send_lot(self, side: str, data: bytes) -> dict[str, Any]:
        """The receipt: {lot, accepted, ack (ARL file), problems, invoices, returns_due, ...}."""
        return self._request("POST", f"{side}/lots", data=data)

    def returns(self, side: str, since: int = 0) -> dict[str, Any]:
        return self._request("GET", f"{side}/returns", params={"since": since})

    def acks(self, side: str, since: int = 0) -> dict[str, Any]:
        return self._request("GET", f"{side}/acks", params={"since": since})


@dataclass
class StayAccount:
    """One stay in the GAP's books: the parts as invoiced, then what each payer paid or rejected.

    `amo_paid` / `amc_paid` are None until the payer's return arrives (or when its ARL was negative: see
    `refused`). Whatever a payer rejects falls to the patient: `patient_owes` = reste à charge + rejected parts.
    """

    stay: PricedStay
    invoice_number: int
    total_cents: int
    amo_cents: int
    amc_cents: int
    patient_cents: int
    amo_paid: int | None = None
    amc_paid: int | None = None
    rejects: list[tuple[str, int, str]] = field(default_factory=list)  # (side, line number, reason key)
    refused: dict[str, list[str]] = field(default_factory=dict)  # side -> ARL problem codes

    @property
    def settled(self) -> bool:
        return self.amo_paid is not None and self.amc_paid is not None

    @property
    def parts_add_up(self) -> bool:
        """AMO part + AMC part + reste à charge = total billed, to the cent."""
        return self.amo_cents + self.amc_cents + self.patient_cents == self.total_cents

    @property
    def patient_owes(self) -> int | None:
        if not self.settled:
            return None
        return self.patient_cents + (self.amo_cents - self.amo_paid) + (self.amc_cents - self.amc_paid)

    @property
    def balanced(self) -> bool:
        """Once settled: AMO paid + AMC paid + what the patient owes = total billed."""
        return self.settled and self.amo_paid + self.amc_paid + self.patient_owes == self.total_cents  # type: ignore[operator]

    def to_dict(self) -> dict[str, Any]:
        return {"venue": self.stay.stay.venue_number, "invoice_number": self.invoice_number,
                "commitment_number": self.stay.commitment_number, "total_cents": self.total_cents,
                "amo_cents": self.amo_cents, "amc_cents": self.amc_cents, "patient_cents": self.patient_cents,
                "amo_paid": self.amo_paid, "amc_paid": self.amc_paid, "patient_owes": self.patient_owes,
                "parts_add_up": self.parts_add_up, "balanced": self.balanced, "rejects": list(self.rejects),
                "refused": dict(self.refused)}


@dataclass(frozen=True)
class SentLot:
    """One lot the office sent and the intake's receipt."""

    side: str
    lot_number: int
    data: bytes
    receipt: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return bool(self.receipt.get("accepted"))

    @property
    def problems(self) -> list[str]:
        return [p["code"] for p in self.receipt.get("problems", [])]


class BillingOffice:
    """The reference GAP's billing: numbers invoices and lots, builds, sends, fetches returns, reconciles.

    One office per establishment; `variant` breaks it on purpose; `roc` is needed by CANCELLED_COMMITMENT only.
    """

    def __init__(self, client: BillingClient, establishment: Establishment, *, variant: Variant | str | None = None,
                 roc: RocClient | None = None, first_invoice_number: int = 1001, first_lot_number: int = 1,
                 today: date | None = None) -> None:
        self.client = client
        self.establishment = establishment
        self.variant = Variant(variant) if variant else None
        self.roc = roc
        self.today = today or clock.today()
        self._invoice_number = first_invoice_number - 1
        self._issued = 0
        self._lot_numbers = {"amo": first_lot_number - 1, "amc": first_lot_number - 1}
        self._since = {"amo": 0, "amc": 0}
        self.accounts: dict[tuple[str, int], StayAccount] = {}  # (venue, invoice number) -> account
        self._index: dict[tuple[str, int, int], StayAccount] = {}  # (side, lot number, invoice number) -> account
        self.sent: list[SentLot] = []
        self.returns: list[ReturnLot] = []

    # -- numbering ------------------------------------------------------------------------------------------------
    def _next_invoice(self) -> int:
        """A new number each time; the duplicate variant hands out its first number again and again."""
        if not (self.variant is Variant.DUPLICATE_INVOICE_NUMBER and self._issued):
            self._invoice_number += 1
        self._issued += 1
        return self._invoice_number

    def _next_lot(self, side: str) -> int:
        self._lot_numbers[side] = self._lot_numbers[side] % 999 + 1
        return self._lot_numbers[side]

    # -- billing --------------------------------------------------------------------------------------------------
    def bill(self, stays: Sequence[PricedStay]) -> list[SentLot]:
        """Invoice each stay to the AMO (B2, one lot per organisme) and the AMC (DRE-ES, one lot per AMC)."""
        billed = []
        for stay in stays:
            number = self._next_invoice()
            if self.variant is Variant.CANCELLED_COMMITMENT:
                self._cancel(stay)
            entry = dataclasses.replace(stay.stay, venue_number=stay.stay.venue_number[-ENTRY_NUMBER_LENGTH:])
            billed.append((stay, BilledStay(stay.beneficiary, entry, stay.lines, stay.quote, number,
                                            stay.commitment_number, stay.attestation)))
        sent = []
        for side, key in (("amo", lambda s: s.amo_organisme), ("amc", lambda s: s.attestation.numero_amc)):
            groups: dict[str, list[tuple[PricedStay, BilledStay]]] = {}
            for stay, item in billed:
                groups.setdefault(key(stay), []).append((stay, item))
            for recipient, items in groups.items():
                sent.append(self._send(side, recipient, items))
        return sent

    def _cancel(self, stay: PricedStay) -> None:
        if self.roc is None or stay.cancel_url is None:
            raise ValueError("the cancelled-commitment variant needs a RocClient and the stay's ANN endpoint")
        header = dataclasses.replace(self.roc.header(), finess_juridique=str(stay.establishment.finess_juridique),
                                     finess_geographique=str(stay.establishment.finess_geographique))
        self.roc.cancel(stay.cancel_url, CancelRequest(header, stay.commitment_number, "stay changed"))

    def _lot(self, side: str, recipient: str, items: list[tuple[PricedStay, BilledStay]]) -> tuple[int, bytes]:
        number = self._next_lot(side)
        stays = [item for _, item in items]
        if side == "amo":
            lot = b2_lot_from(stays, self.establishment, number, recipient=recipient, created=self.today)
        else:
            lot = dre_es_lot_from(stays, self.establishment, number, created=self.today)
        return number, self._broken(side, write(lot), lot)

    def _broken(self, side: str, data: bytes, lot: Lot) -> bytes:
        """The variants that damage the file itself (each re-signed, so only the damage is at fault)."""
        records = data.split(b"\r\n")[:-1]
        trailer = len(records)
        if self.variant is Variant.WRONG_LOT_TOTALS and side == "amc":
            return patch_field(data, trailer, "total_cents", lot.totals.total_cents + 100)
        if self.variant is Variant.PARTS_NOT_ADDING_UP and side == "amo":
            line = next(i for i, record in enumerate(records, start=1) if record.startswith(b"4"))
            first = lot.invoices[0].lines[0]
            data = patch_field(data, line, "patient_cents", first.patient_cents + 1)
            return patch_field(data, trailer, "patient_cents", lot.totals.patient_cents + 1)
        return data

    def _send(self, side: str, recipient: str, items: list[tuple[PricedStay, BilledStay]]) -> SentLot:
        number, data = self._lot(side, recipient, items)
        receipt = self.client.send_lot(side, data)
        sent = SentLot(side, number, data, receipt)
        self.sent.append(sent)
        as_sent = parse(data).value
        for (stay, item), invoice in zip(items, as_sent.invoices if as_sent else [None] * len(items)):
            account = self._account(stay, item, invoice)
            self._index[(side, number, item.invoice_number)] = account
            if not sent.accepted:
                account.refused[side] = sent.problems
        return sent

    def _account(self, stay: PricedStay, item: BilledStay, invoice) -> StayAccount:
        key = (stay.stay.venue_number, item.invoice_number)
        account = self.accounts.get(key)
        if account is None:
            totals = invoice.totals if invoice is not None else None
            quote = stay.quote
            account = StayAccount(stay, item.invoice_number,
                                  *(getattr(totals or quote, name) for name in
                                    ("total_cents", "amo_cents", "amc_cents", "patient_cents")))
            self.accounts[key] = account
        return account

    # -- returns and reconciliation -----------------------------------------------------------------------------
    def fetch_returns(self) -> list[ReturnLot]:
        """Fetch the returns due since the last call (both payers) and post them to the accounts."""
        fetched = []
        for side in ("amo", "amc"):
            feed = self.client.returns(side, self._since[side])
            self._since[side] = feed["next"]
            for item in feed["items"]:
                returned = read_returns(item["data"].encode("ascii"))
                fetched.append(returned)
                self._post(side, returned)
        self.returns.extend(fetched)
        return fetched

    def _post(self, side: str, returned: ReturnLot) -> None:
        paid_attr = f"{side}_paid"
        for entry in returned.entries:
            account = self._index.get((side, entry.lot_number, entry.invoice_number))
            if account is None:
                continue  # a return for a lot of another office
            if hasattr(entry, "paid_cents"):
                setattr(account, paid_attr, entry.paid_cents)
            else:
                account.rejects.append((side, entry.line_number, entry.reason))
                if entry.line_number == 0:
                    setattr(account, paid_attr, 0)

    def reconcile(self) -> list[StayAccount]:
        """Every stay billed, with what is paid and what the patient still owes."""
        return list(self.accounts.values())
