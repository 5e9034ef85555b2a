"""Deliberately broken GAPs: each overrides ONE hook of the reference GAP, so the bench can prove it fails
them on the right requirements (`breaks`, ids of conformance/requirements.yaml).

`VARIANTS` maps a stable name to its class; `build_gap(name, annuaire_url, **kwargs)` builds the reference
(`"reference"` or None) or a variant. docs/reference-gap.md has the table.
"""
from __future__ import annotations

import threading
from dataclasses import replace

from simulators.domain import Beneficiary, Nir, PrestationLine
from simulators.gap.cases import StayCase
from simulators.gap.outcomes import CallResult
from simulators.gap.policy import GapPolicy
from simulators.gap.reference import ReferenceGap
from simulators.gap.routes import CachedRoute
from simulators.gap.stays import StayRecord, idb_context
from simulators.gap.status import StayState

VARIANTS: dict[str, type[ReferenceGap]] = {}


def variant(cls: type[ReferenceGap]) -> type[ReferenceGap]:
    """Register a broken GAP under its `name`."""
    if cls.name in VARIANTS or cls.name == ReferenceGap.name:
        raise ValueError(f"GAP variant {cls.name!r} registered twice")
    if not cls.breaks:
        raise ValueError(f"GAP variant {cls.name!r} must say which requirements it breaks")
    VARIANTS[cls.name] = cls
    return cls


class UnknownVariant(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def gap_class(name: str | None) -> type[ReferenceGap]:
    """The reference GAP (None or "reference") or the named broken variant."""
    if name in (None, ReferenceGap.name):
        return ReferenceGap
    try:
        return VARIANTS[name]
    except KeyError:
        known = ", ".join([ReferenceGap.name, *VARIANTS])
        raise UnknownVariant(f"unknown GAP variant {name!r}; known: {known}") from None


def build_gap(name: str | None, annuaire_url: str, **kwargs) -> ReferenceGap:
    """A GAP to drive: `build_gap("skips-idb", url, session="s1", policy=GapPolicy(...))`."""
    return gap_class(name)(annuaire_url, **kwargs)


def catalogue() -> list[dict[str, object]]:
    """Name, behaviour and broken requirement ids of every variant (for docs, CLI and reports)."""
    return [{"name": cls.name, "summary": cls.summary, "breaks": list(cls.breaks)} for cls in VARIANTS.values()]


# -- the variants --------------------------------------------------------------------------------------------------
@variant
class SkipsIdb(ReferenceGap):
    name = "skips-idb"
    summary = "never sends IDB: goes straight to SIM/CLC with an IDB reference it made up"
    breaks = ("ROC-IDB-001", "ROC-IDB-002", "ROC-IDB-007")

    def _identify(self, record: StayRecord) -> bool:
        record.idb_reference, record.idb_context = f"IDB{record.case.venue}", idb_context(record.case.stay)
        record.state = StayState.COMMITTED if record.active else StayState.ADMITTED
        return True


@variant
class WrongNirKey(ReferenceGap):
    name = "wrong-nir-key"
    summary = "sends the NIR with a wrong key (its key routine is off by one)"
    breaks = ("ROC-DAT-001", "ROC-IDB-003")

    def _wire_beneficiary(self, case: StayCase) -> Beneficiary:
        nir = case.beneficiary.nir
        return replace(case.beneficiary, nir=Nir(nir.body, nir.key % 97 + 1))


@variant
class ClcTwice(ReferenceGap):
    name = "clc-twice"
    summary = "when the stay changes after its CLC, forgets the commitment instead of cancelling it, then sends " \
              "a second CLC"
    breaks = ("ROC-CNL-001", "ROC-CNL-004", "ROC-FLT-014")

    def _replace_commitment(self, record: StayRecord, reason: str) -> None:
        record.active, record.committed_case, record.stale = None, None, False
        record.state = StayState.ADMITTED


@variant
class IgnoresRefusals(ReferenceGap):
    name = "ignores-refusals"
    summary = "after an IDB refusal it carries on as if rights were open and still sends SIM and CLC"
    breaks = ("ROC-IDB-005", "ROC-FBK-001", "ROC-FLT-006", "ROC-FLT-007")

    def _on_idb_refusal(self, record: StayRecord, result: CallResult) -> bool:
        record.idb_reference = record.idb_reference or f"IDB-REFUSED-{record.case.venue}"
        record.idb_context = idb_context(record.case.stay)
        record.state = StayState.ADMITTED
        return True


@variant
class RetriesWithoutBound(ReferenceGap):
    name = "retries-without-bound"
    summary = "retries a failing call 20 times in a row, without waiting"
    breaks = ("ROC-FLT-040", "ROC-FLT-041", "ROC-FLT-016")

    def _effective_policy(self, policy: GapPolicy) -> GapPolicy:
        return replace(policy, max_attempts=20, backoff_s=(0.0,))


@variant
class WrongAmounts(ReferenceGap):
    name = "wrong-amounts"
    summary = "sends an AMO amount computed on price plus base (above base × quantity)"
    breaks = ("ROC-DAT-009",)

    def _wire_lines(self, case: StayCase) -> tuple[PrestationLine, ...]:
        return tuple(replace(line, amo_cents=(line.unit_price_cents + line.base_cents) * line.quantity)
                     for line in case.lines)


@variant
class IgnoresAnnuaire(ReferenceGap):
    name = "ignores-annuaire"
    summary = "asks the annuaire once, then calls those endpoints for every AMC forever (stale after a " \
              "routing change, wrong for other AMCs)"
    breaks = ("ROC-ANN-001", "ROC-ANN-002", "ROC-ANN-004", "ROC-ANN-006", "ROC-ANN-007")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pinned: CachedRoute | None = None
        self._pin_lock = threading.Lock()

    def _route(self, record: StayRecord, *, refresh: bool) -> CachedRoute | CallResult:
        with self._pin_lock:
            if self._pinned is None:
                found = super()._route(record, refresh=False)
                if isinstance(found, CallResult):
                    return found
                self._pinned = found
            return self._pinned


@variant
class UsesCancelledCommitment(ReferenceGap):
    name = "uses-cancelled-commitment"
    summary = "keeps a cancelled commitment as the stay's own: cancels it again before the next CLC"
    breaks = ("ROC-CNL-003",)

    def _mark_cancelled(self, record: StayRecord, number: str, reason: str) -> None:
        """Forgets to record the cancellation."""


@variant
class DuplicateExchangeIds(ReferenceGap):
    name = "duplicate-exchange-ids"
    summary = "puts the same exchange id on every request"
    breaks = ("ROC-MSG-002", "ROC-FLT-002")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._the_id = self._ids()

    def _new_exchange_id(self) -> str:
        return self._the_id


@variant
class NoTimeout(ReferenceGap):
    name = "no-timeout"
    summary = "has no client timeout: waits as long as the AMC holds the request"
    breaks = ("ROC-FLT-042",)

    def _effective_policy(self, policy: GapPolicy) -> GapPolicy:
        return replace(policy, timeout_s=None)


@variant
class ClcBeforeDischarge(ReferenceGap):
    name = "clc-before-discharge"
    summary = "sends the CLC at admission, with the stay as known then (no discharge date)"
    breaks = ("ROC-CLC-001", "ROC-CLC-002")

    def _after_admission(self, record: StayRecord) -> None:
        case = record.case
        at_admission = replace(case, stay=replace(case.stay, discharge_date=None, discharge_mode=None))
        result = self._priced(record, "CLC", at_admission)
        if result.ok:
            self._adopt(record, result, at_admission)
