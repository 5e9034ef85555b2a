"""The reference GAP: the hospital side of ROC over whole stays, as a conformant GAP should behave.

One `ReferenceGap` manages many stays, keyed by venue number, and is safe to share between threads (one lock per
stay, one RocClient per thread). Each action returns the stay's `StayStatus` and never raises for what the AMC
or the network does: refusals and outages are outcomes (a state and an error key), not exceptions.

    admit      annuaire (cached until valid_until) → IDB               → admitted | idb_refused | not_in_roc |
                                                                         refused_by_gap | patient_billing
    update     the stay changed: cancel the active commitment (the next discharge makes a new CLC)
    discharge  [cancel a stale commitment] → [new IDB if needed] → [SIM] → CLC → committed | patient_billing
    cancel     cancel the active commitment → cancelled

Retries resend the very same request (same exchange id and content) up to `policy.max_attempts` times with the
policy's backoff. Hooks (`_identify`, `_route`, `_wire_lines`...) are where the broken variants
(simulators/gap/variants.py) bend one behaviour each. docs/reference-gap.md draws the state machine.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any, Callable

from simulators import clock
from simulators.data.tariffs import DISCHARGE_MODE
from simulators.domain import Beneficiary, Nir, PrestationLine, Stay
from simulators.domain.rights import nir_key_is_valid
from simulators.gap.cases import StayCase
from simulators.gap.calls import RocCalls
from simulators.gap.client import DEFAULT_SOFTWARE, Exchange, ExchangeIds, RocClientError, make_header
from simulators.gap.outcomes import (OUT_OF_ROC, REQUEST_FAULTS, CallResult, fallback_key,
                                     may_have_been_processed, problem_of)
from simulators.gap.policy import GapPolicy
from simulators.gap.routes import CachedRoute, RouteCache, route_key
from simulators.gap.stays import StayBook, StayRecord, UnknownStay, idb_context
from simulators.gap.status import (PATIENT_PAYS, CommitmentRecord, CoverageView, ProblemView, QuoteView, StayState,
                                   StayStatus)
from simulators.profiles import Profile, load_profile
from simulators.roc.messages import (AnnuaireRequest, CancelRequest, ClcRequest, Header, IdbRequest, SimRequest)

_FINAL = frozenset({StayState.IDB_REFUSED, StayState.NOT_IN_ROC, StayState.REFUSED_BY_GAP,
                    StayState.COMMITMENT_CONFLICT})
_PRICED = {"SIM": SimRequest, "CLC": ClcRequest}

__all__ = ["ReferenceGap", "UnknownStay"]


class ReferenceGap:
    """The bench's conformant GAP. `name`, `summary` and `breaks` describe it in the variants registry."""

    name = "reference"
    summary = "conformant: annuaire, IDB at admission, SIM and CLC at discharge, cancel before a new CLC"
    breaks: tuple[str, ...] = ()

    def __init__(self, annuaire_url: str, *, session: str | None = None, policy: GapPolicy = GapPolicy(),
                 cert: tuple[str, str] | None = None, verify: str | bool = True,
                 clock: Callable[[], date | datetime] | None = None, finess: tuple[str, str] | None = None,
                 id_seed: int | None = None, profile: Profile | str | None = None,
                 software: str = DEFAULT_SOFTWARE) -> None:
        """`finess` = (juridique, géographique) to speak for instead of each case's establishment (one client
        certificate, one FINESS); `clock` gives the GAP's today for route validity (default: the bench clock's today);
        `id_seed` makes exchange ids reproducible."""
        self.annuaire_url = annuaire_url
        self.session = session
        self.policy = self._effective_policy(policy)
        self.cert = cert
        self.verify = verify
        self.software = software
        self._clock = clock
        self._finess = finess
        self._ids = ExchangeIds(id_seed)
        self._profile = profile if isinstance(profile, Profile) else load_profile(profile or "bench-roc-1")
        self._routes = RouteCache()
        self._stays = StayBook()
        self._calls = RocCalls(annuaire_url, self.policy, profile=self._profile, session=session, cert=cert,
                               verify=verify, software=software)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._calls.close()

    def __enter__(self) -> "ReferenceGap":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- actions -----------------------------------------------------------------------------------------------
    def admit(self, case: StayCase) -> StayStatus:
        """Admission: annuaire then IDB. Admitting a known venue again redoes it only if the case changed or the
        AMC was unreachable last time (ROC-IDB-010, ROC-FBK-005)."""
        record, known = self._stays.open(case)
        with record.lock:
            if known:
                unreachable_before = record.state is StayState.PATIENT_BILLING and record.idb_reference is None
                if case == record.case and not unreachable_before:
                    return record.snapshot()
                self._apply_change(record, case)
            self._admission(record)
            return record.snapshot()

    def update(self, venue: str, *, stay: Stay | None = None,
               lines: tuple[PrestationLine, ...] | list[PrestationLine] | None = None) -> StayStatus:
        """The stay changed (dates, context, lines): an active commitment is cancelled at once (ROC-CNL-004); a
        new IDB is sent if the context changed (ROC-IDB-006); nothing is sent if nothing changed (ROC-CNL-007)."""
        record = self._record(venue)
        with record.lock:
            case = record.case
            new_case = replace(case, stay=stay or case.stay, lines=tuple(lines) if lines is not None else case.lines)
            if new_case.venue != venue:
                raise ValueError(f"update of venue {venue} carries venue number {new_case.venue}")
            if self._apply_change(record, new_case):
                rejected_before = record.state in (StayState.IDB_REFUSED, StayState.REFUSED_BY_GAP)
                context_moved = (record.state in (StayState.ADMITTED, StayState.CANCELLED)
                                 and record.idb_context != idb_context(new_case.stay))
                if rejected_before or context_moved:
                    self._admission(record)
            return record.snapshot()

    def simulate(self, venue: str, *, lines: tuple[PrestationLine, ...] | None = None) -> StayStatus:
        """An estimate (SIM) for a stay with open rights and no active commitment (ROC-SIM-004)."""
        record = self._record(venue)
        with record.lock:
            if lines is not None:
                self._apply_change(record, replace(record.case, lines=tuple(lines)))
            if record.state in (StayState.ADMITTED, StayState.CANCELLED) and record.active is None:
                result = self._priced(record, "SIM")
                if result.ok:
                    record.quote = QuoteView("SIM", result.request.header.exchange_id, result.answer.quote)
            return record.snapshot()

    def discharge(self, venue: str, *, discharge_date: date | None = None, discharge_mode: str | None = None,
                  lines: tuple[PrestationLine, ...] | list[PrestationLine] | None = None) -> StayStatus:
        """Discharge with the final lines: SIM (policy) then CLC, once per unchanged stay (ROC-CLC-007).

        The discharge date defaults to the stay's, else the last line's end, else the GAP's today; the mode to
        the stay's, else "8" (home).
        """
        record = self._record(venue)
        with record.lock:
            case = record.case
            final_lines = tuple(lines) if lines is not None else case.lines
            when = (discharge_date or case.stay.discharge_date
                    or (max(line.end for line in final_lines) if final_lines else self._today()))
            mode = discharge_mode or case.stay.discharge_mode or DISCHARGE_MODE
            discharged = replace(case.stay, discharge_date=when, discharge_mode=mode)
            self._apply_change(record, replace(case, stay=discharged, lines=final_lines))
            self._settle(record)
            return record.snapshot()

    def cancel(self, venue: str, reason: str) -> StayStatus:
        """Cancel the stay's active commitment (nothing is sent when there is none)."""
        record = self._record(venue)
        with record.lock:
            if record.active is not None and self._retire(record, reason):
                record.state = StayState.CANCELLED
            return record.snapshot()

    def status(self, venue: str) -> StayStatus:
        record = self._record(venue)
        with record.lock:
            return record.snapshot()

    def stays(self) -> list[StayStatus]:
        return [self.status(record.case.venue) for record in self._stays.records()]

    def case_of(self, venue: str) -> StayCase:
        """The case as the GAP currently knows it (after updates and discharge)."""
        record = self._record(venue)
        with record.lock:
            return record.case

    def evidence(self) -> list[Exchange]:
        """The last exchanges of every thread's RocClient (request and answer bytes), oldest first."""
        return self._calls.evidence()

    # -- the workflow ------------------------------------------------------------------------------------------
    def _admission(self, record: StayRecord) -> None:
        if self._checked_identify(record):
            self._after_admission(record)

    def _checked_identify(self, record: StayRecord) -> bool:
        problem = self._local_problem(record.case)
        if problem is not None:
            key, detail = problem
            record.last_problem = ProblemView("GAP", key, detail)
            self._fall_back(record, StayState.REFUSED_BY_GAP, key)
            return False
        return self._identify(record)

    def _local_problem(self, case: StayCase) -> tuple[str, str] | None:
        """What the GAP refuses before calling anyone (ROC-FLT-004, ROC-DAT-007)."""
        nir = case.beneficiary.nir
        if self.policy.check_nir_key and not nir_key_is_valid(nir):
            return "beneficiary.nir_key_invalid", (f"NIR {nir}: key {nir.key:02d} does not match "
                                                   f"{Nir.compute_key(nir.body):02d}; check the identity")
        if self.policy.check_attestation_dates:
            attestation, admitted = case.attestation, case.stay.admission_date
            period = f"attestation valid {attestation.valid_from}..{attestation.valid_to}"
            if admitted > attestation.valid_to:
                return "rights.closed", f"{period}, admission {admitted}: ask for a current attestation"
            if admitted < attestation.valid_from:
                return "rights.not_yet_open", f"{period}, admission {admitted}"
        return None

    def _settle(self, record: StayRecord) -> None:
        """Everything between a discharge and an active commitment (or a fallback)."""
        if record.state in _FINAL or (record.state is StayState.COMMITTED and not record.stale):
            return
        if record.refused_case == record.case:
            return  # the AMC refused this very SIM/CLC: not sent again unchanged (ROC-FLT-020)
        if record.active is not None and record.stale and not self._cancel_stale(record, "stay changed"):
            return
        if record.pending_clc is not None and not self._recover_pending(record):
            return
        if record.state is StayState.COMMITTED and not record.stale:
            return
        if record.idb_reference is None or record.idb_context != idb_context(record.case.stay):
            if record.idb_reference is None and not self.policy.reidentify_at_discharge:
                return
            if not self._checked_identify(record):
                return
        record.state, record.fallback_reason = StayState.ADMITTED, None  # trying again after a fallback
        if self.policy.simulate_before_clc:
            sim = self._priced(record, "SIM")
            if sim.ok:
                record.quote = QuoteView("SIM", sim.request.header.exchange_id, sim.answer.quote)
            elif record.state in PATIENT_PAYS:
                return  # the new IDB the SIM needed was refused
            elif sim.refused and sim.key in REQUEST_FAULTS:  # the CLC would carry the same data
                record.refused_case = record.case
                self._fall_back(record, StayState.PATIENT_BILLING, fallback_key(sim.error))
                return
        self._commit(record)

    def _commit(self, record: StayRecord, case: StayCase | None = None) -> CallResult:
        case = case or record.case
        result = self._priced(record, "CLC", case)
        if result.refused and result.key == "commitment.active_exists":
            if record.active is None:  # a commitment the GAP never knew of: report it, cancel nothing
                record.state, record.fallback_reason = StayState.COMMITMENT_CONFLICT, result.key
                return result
            if not self._retire(record, "replaced by a new calculation"):
                record.state = StayState.COMMITTED
                return result
            result = self._priced(record, "CLC", case)  # once (ROC-FLT-014)
        if result.ok:
            self._adopt(record, result, case)
        elif record.state not in PATIENT_PAYS:
            if result.transient and may_have_been_processed(result.error):
                record.pending_clc = (result.url, result.request, case)
            if result.refused:
                record.refused_case = case
            self._fall_back_on(record, result)
        return result

    def _recover_pending(self, record: StayRecord) -> bool:
        """A CLC whose answer never came is sent again unchanged (same exchange id): the AMC answers it as it
        answered the first time, so the GAP learns the commitment it may hold (ROC-FLT-043/044)."""
        url, request, case = record.pending_clc
        result = self._attempts(record, "CLC", url, request)
        if result.transient:
            self._fall_back(record, StayState.PATIENT_BILLING, fallback_key(result.error))
            return False
        record.pending_clc = None
        if result.ok:
            self._adopt(record, result, case)
            if case != record.case:
                record.stale = True
                return self._cancel_stale(record, "stay changed")
        return True

    def _adopt(self, record: StayRecord, result: CallResult, case: StayCase) -> None:
        answer = result.answer
        number = answer.commitment_number
        if all(c.number != number for c in record.commitments):
            record.commitments.append(CommitmentRecord(
                number, "active", answer.quote.amc_cents, answer.quote.total_cents, answer.valid_from,
                answer.valid_to, result.request.header.exchange_id))
        record.active, record.committed_case, record.stale = number, case, False
        record.quote = QuoteView("CLC", result.request.header.exchange_id, answer.quote)
        record.state, record.fallback_reason = StayState.COMMITTED, None
        record.pending_clc = record.refused_case = None

    def _cancel_stale(self, record: StayRecord, reason: str) -> bool:
        """Cancel a commitment the stay outgrew; the stay then waits for a new CLC."""
        if not self._retire(record, reason):
            return False
        record.state = StayState.ADMITTED
        return True

    def _retire(self, record: StayRecord, reason: str) -> bool:
        """Cancel the active commitment; True when the AMC no longer holds it as active."""
        number = record.active
        result = self._call(record, "ANN", lambda header: CancelRequest(header, number, reason))
        if result.ok or result.key == "commitment.already_cancelled":  # ROC-FLT-012
            self._mark_cancelled(record, number, reason)
            return True
        if result.key == "commitment.unknown":  # ROC-FLT-011: stop quoting it
            record.set_commitment_status(number, "unknown", reason)
            record.active, record.stale = None, False
            return True
        if result.key == "commitment.already_invoiced":  # ROC-FLT-013/CNL-006: corrections go through invoicing
            record.set_commitment_status(number, "invoiced", None)
            record.stale = False  # nothing more to do through ROC: no new ANN, no new CLC
        return False

    def _apply_change(self, record: StayRecord, new_case: StayCase) -> bool:
        if new_case == record.case:
            return False
        record.case = new_case
        if record.active is not None and record.committed_case != new_case:
            record.stale = True
            self._replace_commitment(record, "stay changed")
        return True

    def _priced(self, record: StayRecord, operation: str, case: StayCase | None = None) -> CallResult:
        """SIM or CLC for the case; an unknown IDB reference gets one new IDB and one resend (ROC-FLT-010)."""
        case = case or record.case
        request_type = _PRICED[operation]

        def build(header: Header):
            return request_type(header, record.idb_reference, self._wire_beneficiary(case), case.attestation,
                                case.stay, self._wire_lines(case))

        result = self._call(record, operation, build)
        if result.refused and result.key == "idb.reference_unknown":
            if not self._identify(record):
                return result
            result = self._call(record, operation, build)
        return result

    def _fall_back(self, record: StayRecord, state: StayState, key: str) -> None:
        record.state, record.fallback_reason = state, key

    def _fall_back_on(self, record: StayRecord, result: CallResult) -> None:
        """Patient billing after a failed call; out-of-ROC when the annuaire said so (ROC-FBK-002/003)."""
        out_of_roc = result.operation == "ANNUAIRE" and result.refused and result.key in OUT_OF_ROC
        self._fall_back(record, StayState.NOT_IN_ROC if out_of_roc else StayState.PATIENT_BILLING,
                        fallback_key(result.error))

    # -- calls -------------------------------------------------------------------------------------------------
    def _call(self, record: StayRecord, operation: str, build: Callable[[Header], Any]) -> CallResult:
        """One operation at the AMC's endpoint for it: routing.unknown refreshes the route once (ROC-ANN-007),
        request.replayed_exchange gets one resend with a new exchange id (ROC-FLT-002)."""
        for refresh in (False, True):
            route = self._route(record, refresh=refresh)
            if isinstance(route, CallResult):
                return route
            url = route.endpoints.get(operation)
            if url is None:
                error = RocClientError("routing.unknown", f"the annuaire gave no {operation} endpoint")
                return CallResult("ANNUAIRE", None, error=error)
            result = self._send(record, operation, url, build)
            if result.refused and result.key == "request.replayed_exchange":
                result = self._send(record, operation, url, build)
            if not (result.refused and result.key == "routing.unknown"):
                return result
        return result

    def _send(self, record: StayRecord, operation: str, url: str, build: Callable[[Header], Any]) -> CallResult:
        return self._attempts(record, operation, url, build(self._header(record.case)))

    def _attempts(self, record: StayRecord, operation: str, url: str, request: Any) -> CallResult:
        result = self._calls.attempts(operation, url, request, record.exchanges.append)
        if not result.ok:
            record.last_problem = problem_of(operation, result.error)
        return result

    def _header(self, case: StayCase) -> Header:
        juridique, geographique = self._finess or (str(case.establishment.finess_juridique),
                                                   str(case.establishment.finess_geographique))
        return make_header(juridique, geographique, software=self.software, profile=self._profile.name,
                           exchange_id=self._new_exchange_id())

    def _today(self) -> date:
        if self._clock is None:
            return clock.today()
        now = self._clock()
        return now.date() if isinstance(now, datetime) else now

    def _record(self, venue: str) -> StayRecord:
        return self._stays.get(venue)

    # -- hooks: one behaviour each, bent by one broken variant ------------------------------------------------
    def _effective_policy(self, policy: GapPolicy) -> GapPolicy:
        return policy

    def _new_exchange_id(self) -> str:
        return self._ids()

    def _route(self, record: StayRecord, *, refresh: bool) -> CachedRoute | CallResult:
        """The AMC's endpoints from the annuaire, cached until valid_until (ROC-ANN-001..004)."""
        key = route_key(record.case.attestation)
        with self._routes.lock_for(key):
            if refresh:
                self._routes.drop(key)
            elif self.policy.cache_routes:
                cached = self._routes.get(key, self._today())
                if cached is not None:
                    return cached
            result = self._send(record, "ANNUAIRE", self.annuaire_url, lambda header: AnnuaireRequest(header, *key))
            if not result.ok:
                return result
            answer = result.answer
            route = CachedRoute(answer.numero_amc, answer.operator, dict(answer.endpoints), answer.valid_until)
            if self.policy.cache_routes:
                self._routes.put(key, route)
            return route

    def _identify(self, record: StayRecord) -> bool:
        """IDB for the stay; True when rights are open (ROC-IDB-001)."""
        case = record.case
        result = self._call(record, "IDB", lambda header: IdbRequest(header, self._wire_beneficiary(case),
                                                                      case.attestation, case.stay))
        if result.ok:
            answer = result.answer
            coverage = answer.coverage
            record.idb_reference, record.idb_context = answer.idb_reference, idb_context(case.stay)
            record.coverage = CoverageView(coverage.status.value, coverage.valid_from, coverage.valid_to,
                                           coverage.responsable, tuple(dict.fromkeys(r.family.value
                                                                                     for r in coverage.rules)))
            record.consignes = tuple(answer.consignes)
            record.state = StayState.COMMITTED if record.active else StayState.ADMITTED
            record.fallback_reason = None
            return True
        if result.operation == "IDB" and result.refused:
            return self._on_idb_refusal(record, result)
        self._fall_back_on(record, result)
        return False

    def _on_idb_refusal(self, record: StayRecord, result: CallResult) -> bool:
        """Tiers payant AMC refused: the patient pays, no SIM or CLC (ROC-FBK-001, ROC-FLT-006/007)."""
        self._fall_back(record, StayState.IDB_REFUSED, fallback_key(result.error))
        return False

    def _after_admission(self, record: StayRecord) -> None:
        """Nothing: the CLC waits for the discharge (ROC-CLC-001)."""

    def _replace_commitment(self, record: StayRecord, reason: str) -> None:
        """The stay changed after its CLC: cancel the commitment now (ROC-CNL-001/004)."""
        self._cancel_stale(record, reason)

    def _mark_cancelled(self, record: StayRecord, number: str, reason: str) -> None:
        """The commitment is cancelled: never quoted again (ROC-CNL-003)."""
        record.set_commitment_status(number, "cancelled", reason)
        if record.active == number:
            record.active, record.committed_case, record.stale = None, None, False

    def _wire_beneficiary(self, case: StayCase) -> Beneficiary:
        return case.beneficiary

    def _wire_lines(self, case: StayCase) -> tuple[PrestationLine, ...]:
        return case.lines
