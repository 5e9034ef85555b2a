"""The GAP's memory of its stays: one mutable record per venue (changed under its own lock only), and the
thread-safe book that holds them. `StayRecord.snapshot()` is what callers get: a frozen StayStatus."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from simulators.domain import Stay
from simulators.gap.cases import StayCase
from simulators.gap.status import (CommitmentRecord, CoverageView, ExchangeRecord, ProblemView, QuoteView, StayState,
                                   StayStatus, billing_of)
from simulators.roc.messages import ClcRequest


class UnknownStay(KeyError):
    """An action named a venue the GAP never admitted (a caller error, not an AMC outcome)."""

    def __str__(self) -> str:
        return str(self.args[0])


def idb_context(stay: Stay) -> tuple[Any, ...]:
    """What an IDB answer is about: a change here needs a new IDB before the CLC (ROC-IDB-006)."""
    return (stay.domaine, stay.mode_traitement, stay.dmt, stay.stay_type, stay.admission_date)


@dataclass(eq=False)
class StayRecord:
    """The GAP's private record of one stay."""

    case: StayCase
    state: StayState = StayState.ADMITTED
    idb_reference: str | None = None
    idb_context: tuple[Any, ...] | None = None
    coverage: CoverageView | None = None
    consignes: tuple[str, ...] = ()
    commitments: list[CommitmentRecord] = field(default_factory=list)
    active: str | None = None  # number of the active commitment
    committed_case: StayCase | None = None  # what the active commitment was computed on
    stale: bool = False  # the active commitment no longer matches the case: cancel before a new CLC
    quote: QuoteView | None = None
    fallback_reason: str | None = None
    last_problem: ProblemView | None = None
    pending_clc: tuple[str, ClcRequest, StayCase] | None = None  # sent, answer lost: resend it unchanged
    refused_case: StayCase | None = None  # the AMC refused SIM/CLC for this exact case: not resent unchanged
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def set_commitment_status(self, number: str, status: str, reason: str | None) -> None:
        self.commitments = [replace(c, status=status, cancel_reason=reason) if c.number == number else c
                            for c in self.commitments]

    def snapshot(self) -> StayStatus:
        return StayStatus(
            venue=self.case.venue, state=self.state, billing=billing_of(self.state),
            idb_reference=self.idb_reference, coverage=self.coverage, consignes=self.consignes,
            commitment_number=self.active, commitment_stale=self.stale, commitments=tuple(self.commitments),
            quote=self.quote, fallback_reason=self.fallback_reason, last_problem=self.last_problem,
            exchanges=tuple(self.exchanges))


class StayBook:
    """Stay records by venue number, in admission order."""

    def __init__(self) -> None:
        self._records: dict[str, StayRecord] = {}
        self._guard = threading.Lock()

    def open(self, case: StayCase) -> tuple[StayRecord, bool]:
        """The record of the case's venue, created if new; the flag says whether it was already known."""
        with self._guard:
            record = self._records.get(case.venue)
            if record is not None:
                return record, True
            record = self._records[case.venue] = StayRecord(case)
            return record, False

    def get(self, venue: str) -> StayRecord:
        with self._guard:
            record = self._records.get(venue)
        if record is None:
            raise UnknownStay(f"no stay with venue number {venue!r}: admit it first")
        return record

    def records(self) -> list[StayRecord]:
        with self._guard:
            return list(self._records.values())
