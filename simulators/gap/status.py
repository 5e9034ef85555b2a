"""What the reference GAP reports about a stay: its state, commitments, last quote, why it fell back, and the
exchanges it made. Frozen values, JSON-ready through `to_dict()` (dates ISO, amounts integer cents)."""
from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from simulators.domain.quotes import Quote


class StayState(str, Enum):
    """Where a stay is in the GAP's ROC workflow (docs/reference-gap.md draws the machine)."""

    ADMITTED = "admitted"  # IDB answered open rights; the CLC comes at discharge
    COMMITTED = "committed"  # the CLC answered a commitment, which is active
    CANCELLED = "cancelled"  # the commitment was cancelled on request and not replaced
    IDB_REFUSED = "idb_refused"  # the AMC refused the rights: tiers payant AMC refused, the patient pays
    NOT_IN_ROC = "not_in_roc"  # the annuaire has no ROC route for the AMC: out-of-ROC procedure
    REFUSED_BY_GAP = "refused_by_gap"  # the GAP's own checks refused the case (NIR key, attestation dates)
    PATIENT_BILLING = "patient_billing"  # the AMC was unreachable, or refused the SIM/CLC: the patient pays
    COMMITMENT_CONFLICT = "commitment_conflict"  # the AMC holds an active commitment the GAP cannot account for


PATIENT_PAYS = frozenset({StayState.IDB_REFUSED, StayState.NOT_IN_ROC, StayState.REFUSED_BY_GAP,
                          StayState.PATIENT_BILLING})


def billing_of(state: StayState) -> str:
    """Who is billed for the AMC share: "amc" (active commitment), "patient" (fallback) or "pending"."""
    if state is StayState.COMMITTED:
        return "amc"
    return "patient" if state in PATIENT_PAYS else "pending"


@dataclass(frozen=True, slots=True)
class ExchangeRecord:
    """One attempt of one ROC call as the GAP made it (the XML is in the bench's journal, not here).

    `outcome`: ok, fault:<error key>, timeout, http_<status>, unreachable, malformed_answer, invalid_answer.
    """

    operation: str  # ANNUAIRE, IDB, SIM, CLC, ANN
    url: str
    exchange_id: str
    attempt: int
    outcome: str
    http_status: int | None
    duration_ms: float
    at: datetime


@dataclass(frozen=True, slots=True)
class CommitmentRecord:
    """A commitment the CLC gave for the stay; `status` is active, cancelled, unknown (the AMC did not know
    it when cancelled) or invoiced (the AMC refused to cancel it)."""

    number: str
    status: str
    amc_cents: int
    total_cents: int
    valid_from: date
    valid_to: date
    exchange_id: str
    cancel_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CoverageView:
    """The IDB answer as the stay keeps it."""

    status: str
    valid_from: date
    valid_to: date
    responsable: bool
    families: tuple[str, ...]  # prestation families the AMC covers in this context


@dataclass(frozen=True, slots=True)
class QuoteView:
    """The last amounts the AMC answered, per line and in total; `source` is SIM or CLC."""

    source: str
    exchange_id: str
    quote: Quote


@dataclass(frozen=True, slots=True)
class ProblemView:
    """The last thing that went wrong: operation, error key, text, and the AMC contact of an Erreur2."""

    operation: str
    key: str | None
    detail: str
    contact: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class StayStatus:
    """A stay as the GAP sees it. `fallback_reason` is the error key that sent the stay to patient billing."""

    venue: str
    state: StayState
    billing: str
    idb_reference: str | None
    coverage: CoverageView | None
    consignes: tuple[str, ...]
    commitment_number: str | None  # the active commitment, if any
    commitment_stale: bool  # the active commitment no longer matches the stay (its cancellation is pending)
    commitments: tuple[CommitmentRecord, ...]
    quote: QuoteView | None
    fallback_reason: str | None
    last_problem: ProblemView | None
    exchanges: tuple[ExchangeRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        return plain(self)

    def exchanges_of(self, operation: str) -> tuple[ExchangeRecord, ...]:
        return tuple(e for e in self.exchanges if e.operation == operation)


def plain(value: Any) -> Any:
    """JSON-ready copy: dataclasses to dicts, enums to values, dates to ISO text, tuples to lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
