"""ROC checks, both directions.

GAP under test: read the simulators' journal of the scenario's session (what the GAP sent, what the AMC
answered), the commitments the bench's AMC holds, and the stay status the driver reported.
AMC under test: read the *answers* (the bench's own calls to the SUT).
Messages are decoded with the profile; a message that cannot be decoded is skipped by domain checks (schema
validity has its own check).
"""
from __future__ import annotations

import functools
from typing import Any, Iterable
from urllib.parse import urlsplit

from conformance.checks import CheckContext, CheckFailed, CheckSkipped, check, params_schema
from conformance.checks.core import matches, select
from conformance.model import EntryRef
from simulators.journal import JournalEntry

PRICING = "SIM|CLC"


@functools.lru_cache(maxsize=8192)
def decoded(text: str) -> Any:
    """The ROC message in a journaled request/answer, None when it is not one (fault, garbage, HTTP error)."""
    from simulators.profiles import load_profile
    from simulators.roc.messages import decode
    from simulators.soap import parse_envelope

    try:
        message = parse_envelope(text.encode("utf-8"))
        if message.is_fault:
            return None
        return decode(message.body, load_profile())
    except Exception:  # noqa: BLE001 - anything undecodable is simply not a message for these checks
        return None


def _service(entry: JournalEntry, pattern: str) -> bool:
    return any(matches(entry.service, p) for p in pattern.split("|"))


def _roc(ctx: CheckContext, pattern: str, source: str = "journal") -> list[tuple[int, JournalEntry, Any]]:
    entries = ctx.journal if source == "journal" else ctx.answers
    return [(i, e, decoded(e.request)) for i, e in enumerate(entries) if _service(e, pattern)]


def _venue(message: Any) -> str | None:
    stay = getattr(message, "stay", None)
    return stay.venue_number if stay is not None else None


def _fail(what: str, expected: Any, received: Any, where: str, evidence: Iterable[int] = (),
          source: str = "journal") -> CheckFailed:
    return CheckFailed(what, expected=expected, received=received, where=where,
                       evidence=[EntryRef(source, i) for i in evidence])


# -- GAP under test ---------------------------------------------------------------------------------------------
@check("roc.gap.idb_before_pricing", verifies=["ROC-IDB-001", "ROC-IDB-002"],
       title="SIM and CLC quote an IDB reference the AMC gave for the same stay, earlier")
def idb_before_pricing(ctx: CheckContext) -> None:
    given: dict[str, str] = {}  # IDB reference -> venue
    for index, entry, message in _roc(ctx, "IDB|" + PRICING):
        if entry.service.upper() == "IDB":
            answer = decoded(entry.response)
            if entry.outcome == "ok" and answer is not None and message is not None:
                given[answer.idb_reference] = message.stay.venue_number
            continue
        if message is None:
            continue
        if message.idb_reference not in given:
            raise _fail(f"{entry.service} without IDB", "an IDB reference returned by an earlier IDB with open rights",
                        message.idb_reference, f"journal #{index} {entry.service}/ReferenceIDB", [index])
        if given[message.idb_reference] != message.stay.venue_number:
            raise _fail(f"{entry.service} IDB reference", f"the reference of venue {message.stay.venue_number}",
                        f"the reference of venue {given[message.idb_reference]}", f"journal #{index}", [index])


_STOPPING = ("fault:rights.*", "fault:coverage.domaine_not_covered", "fault:beneficiary.*")


@check("roc.gap.no_pricing_after_refusal",
       verifies=["ROC-IDB-005", "ROC-FLT-003", "ROC-FLT-006", "ROC-FLT-007", "ROC-FBK-001"],
       title="no SIM or CLC for a stay after the IDB refused it")
def no_pricing_after_refusal(ctx: CheckContext) -> None:
    refused: dict[str, int] = {}
    for index, entry, message in _roc(ctx, "IDB|" + PRICING):
        venue = _venue(message)
        if entry.service.upper() == "IDB":
            if any(matches(entry.outcome, p) for p in _STOPPING):
                refused[venue] = index
            elif entry.outcome == "ok":
                refused.pop(venue, None)
        elif venue in refused:
            raise _fail(f"{entry.service} after an IDB refusal", "no SIM/CLC once the AMC refused the stay",
                        f"{entry.service} at journal #{index}", f"IDB refused at journal #{refused[venue]}",
                        [refused[venue], index])


@check("roc.gap.no_amc_call_after_annuaire_refusal", verifies=["ROC-ANN-005", "ROC-FBK-003", "ROC-FLT-009"],
       title="no AMC service called once the annuaire said the AMC is unknown or not in ROC")
def no_amc_call_after_annuaire_refusal(ctx: CheckContext) -> None:
    refusal = next(((i, e) for i, e in select(ctx.journal, service="ANNUAIRE")
                    if matches(e.outcome, "fault:amc.*") or e.outcome == "fault:routing.unknown"), None)
    if refusal is None:
        raise CheckSkipped("the annuaire refused nothing in this scenario")
    later = [(i, e) for i, e in select(ctx.journal, actor="amc") if i > refusal[0]]
    if later:
        i, e = later[0]
        raise _fail("AMC call", f"no AMC call after {refusal[1].outcome}", f"{e.service} at journal #{i}",
                    f"journal #{i}", [refusal[0], i])


@check("roc.gap.uses_annuaire_endpoints", verifies=["ROC-ANN-001", "ROC-ANN-002", "ROC-ANN-006"],
       title="every AMC call goes to an endpoint the annuaire returned earlier")
def uses_annuaire_endpoints(ctx: CheckContext) -> None:
    known: set[str] = set()
    for index, entry in enumerate(ctx.journal):
        if entry.actor == "annuaire" and entry.outcome == "ok":
            answer = decoded(entry.response)
            if answer is not None:
                known.update(urlsplit(url).path for url in answer.endpoints.values())
        elif entry.actor == "amc":
            path = entry.meta.get("path", "")
            if not any(p.endswith(path) for p in known):
                raise _fail("AMC endpoint", "an endpoint answered by the annuaire earlier in the stay",
                            path or "?", f"journal #{index} {entry.service}", [index])


@check("roc.gap.clc_at_discharge", verifies=["ROC-CLC-001", "ROC-CLC-002"],
       title="every CLC carries the discharge date and mode")
def clc_at_discharge(ctx: CheckContext) -> None:
    clcs = [(i, e, m) for i, e, m in _roc(ctx, "CLC") if m is not None]
    if not clcs:
        raise CheckSkipped("no CLC in this scenario")
    for index, entry, message in clcs:
        if message.stay.discharge_date is None or not message.stay.discharge_mode:
            raise _fail("CLC stay", "a discharge date and mode", f"discharge {message.stay.discharge_date}, "
                        f"mode {message.stay.discharge_mode!r}", f"journal #{index} CLC/Sejour", [index])


def _line_key(line: Any) -> tuple:
    return (line.code, line.start, line.end, line.quantity, line.unit_price_cents, line.base_cents)


@check("roc.gap.clc_lines_match_stay", verifies=["ROC-CLC-003", "ROC-CLC-008", "ROC-DAT-008"],
       title="the last CLC carries the stay's prestation lines (codes, dates, quantities, prices)")
def clc_lines_match_stay(ctx: CheckContext) -> None:
    case = ctx.facts.get("case")
    clcs = [(i, e, m) for i, e, m in _roc(ctx, "CLC") if m is not None]
    if case is None or not clcs:
        raise CheckSkipped("no CLC (or no known stay) in this scenario")
    index, entry, message = clcs[-1]
    expected = sorted(_line_key(line) for line in case.lines)
    received = sorted(_line_key(line) for line in message.lines)
    if expected != received:
        missing = [k for k in expected if k not in received]
        extra = [k for k in received if k not in expected]
        raise _fail("CLC lines", f"the stay's {len(expected)} line(s)" + (f"; missing {missing[:2]}" if missing else ""),
                    f"{len(received)} line(s)" + (f"; unexpected {extra[:2]}" if extra else ""),
                    f"journal #{index} CLC/Lignes", [index])


@check("roc.gap.single_active_commitment", verifies=["ROC-CLC-006", "ROC-FLT-043"],
       title="the stay ends with at most one active commitment")
def single_active_commitment(ctx: CheckContext) -> None:
    commitments = ctx.facts.get("commitments")
    if commitments is None:
        raise CheckSkipped("the bench's commitments are not available")
    active: dict[str, list[str]] = {}
    for c in commitments:
        if c["status"] == "active":
            active.setdefault(c["venue"], []).append(c["number"])
    for venue, numbers in active.items():
        if len(numbers) > 1:
            raise _fail("active commitments", f"at most 1 for venue {venue}", f"{len(numbers)}: {numbers}",
                        "bench commitments")


@check("roc.gap.cancel_before_second_clc", verifies=["ROC-CNL-001", "ROC-CLC-007"],
       title="no CLC on a stay that still has an active commitment")
def cancel_before_second_clc(ctx: CheckContext) -> None:
    for index, entry in select(ctx.journal, service="CLC", outcome="fault:commitment.active_exists"):
        raise _fail("second CLC", "a cancellation of the active commitment before a new CLC",
                    "a CLC refused with commitment.active_exists", f"journal #{index} CLC", [index])


@check("roc.gap.no_cancelled_commitment_use", verifies=["ROC-CNL-003", "ROC-FLT-011", "ROC-FLT-012"],
       title="a cancelled or unknown commitment is never quoted again")
def no_cancelled_commitment_use(ctx: CheckContext) -> None:
    for index, entry in select(ctx.journal, service="ANN"):
        if entry.outcome in ("fault:commitment.already_cancelled", "fault:commitment.unknown"):
            raise _fail("cancellation", "only active commitments are cancelled", entry.outcome,
                        f"journal #{index} ANN/NumeroEngagement", [index])
    status = ctx.facts.get("status") or {}
    number = status.get("commitment_number")
    cancelled = {c["number"] for c in ctx.facts.get("commitments") or [] if c["status"] == "cancelled"}
    if number and number in cancelled:
        raise _fail("commitment kept by the GAP", "the active commitment of the stay", f"{number} (cancelled)",
                    "GAP stay status")


@check("roc.gap.requests_coherent",
       verifies=["ROC-DAT-001", "ROC-DAT-004", "ROC-DAT-006", "ROC-DAT-008", "ROC-DAT-009", "ROC-FLT-020",
                 "ROC-MSG-006"],
       title="the AMC refused nothing because of the GAP's own data (NIR key, FINESS, amounts, dates, XML)")
def requests_coherent(ctx: CheckContext) -> None:
    own = ("fault:beneficiary.nir_key_invalid", "fault:finess.invalid", "fault:amounts.incoherent",
           "fault:dates.incoherent", "fault:request.*")
    for index, entry in enumerate(ctx.journal):
        if any(matches(entry.outcome, p) for p in own):
            problem = entry.validation[0] if entry.validation else entry.outcome
            raise _fail(f"{entry.service} request", "a request the AMC can process", problem,
                        f"journal #{index} {entry.service}", [index])


@check("roc.gap.fallback_to_patient", verifies=["ROC-FBK-001", "ROC-FBK-002"],
       title="the stay fell back to patient billing, for the expected reason",
       params=params_schema({"reason": {"type": "string"}}))
def fallback_to_patient(ctx: CheckContext) -> None:
    status = ctx.facts.get("status")
    if not status:
        raise CheckSkipped("the driver reported no stay status")
    if status.get("billing", "patient" if status.get("state") == "patient_billing" else None) != "patient":
        raise _fail("stay billing", "the patient (ROC abandoned for this stay)",
                    f"{status.get('billing')} (state {status.get('state')})", "GAP stay status")
    reason = ctx.params.get("reason")
    if reason and not matches(str(status.get("fallback_reason") or ""), reason):
        raise _fail("fallback reason", reason, status.get("fallback_reason"), "GAP stay status")


@check("roc.gap.committed", verifies=["ROC-CLC-005", "ROC-CLC-011", "ROC-FBK-006"],
       title="the GAP keeps the active commitment and the CLC's amounts")
def committed(ctx: CheckContext) -> None:
    status = ctx.facts.get("status")
    if not status:
        raise CheckSkipped("the driver reported no stay status")
    clcs = [(i, e) for i, e in select(ctx.journal, service="CLC", outcome="ok")]
    if not clcs:
        raise _fail("CLC", "a successful CLC for the stay", "none", "journal")
    index, last = clcs[-1]
    answer = decoded(last.response)
    if status.get("state") != "committed" or status.get("commitment_number") != answer.commitment_number:
        raise _fail("commitment kept by the GAP", f"committed with {answer.commitment_number}",
                    f"{status.get('state')} with {status.get('commitment_number')}", "GAP stay status", [index])
    amc = (status.get("quote") or {}).get("amc_cents")
    if amc is not None and amc != answer.quote.amc_cents:
        raise _fail("AMC amount kept by the GAP", answer.quote.amc_cents, amc, "GAP stay status", [index])


# -- AMC under test -------------------------------------------------------------------------------------------
def _answered(ctx: CheckContext, service: str) -> list[tuple[int, JournalEntry, Any, Any]]:
    return [(i, e, decoded(e.request), decoded(e.response)) for i, e in enumerate(ctx.answers)
            if _service(e, service) and e.outcome == "ok"]


@check("roc.amc.sim_equals_clc", verifies=["AMC-CLC-001"], title="CLC gives the amounts SIM gave for the same input")
def sim_equals_clc(ctx: CheckContext) -> None:
    sims, clcs = _answered(ctx, "SIM"), _answered(ctx, "CLC")
    if not sims or not clcs:
        raise CheckSkipped("no SIM and CLC answered in this scenario")
    (si, _, _, sim), (ci, _, _, clc) = sims[-1], clcs[-1]
    if sim.quote != clc.quote:
        raise _fail("CLC amounts", f"the SIM's (AMC {sim.quote.amc_cents}, patient {sim.quote.patient_cents})",
                    f"AMC {clc.quote.amc_cents}, patient {clc.quote.patient_cents}", f"answers #{ci} CLC",
                    [si, ci], "answers")


@check("roc.amc.parts_add_up", verifies=["AMC-SIM-001", "AMC-SIM-003"],
       title="per line and in total, AMO + AMC + reste à charge = amount")
def parts_add_up(ctx: CheckContext) -> None:
    priced = _answered(ctx, PRICING)
    if not priced:
        raise CheckSkipped("no SIM or CLC answered")
    for index, entry, _, answer in priced:
        q = answer.quote
        for line in q.lines:
            if line.amo_cents + line.amc_cents + line.patient_cents != line.total_cents or min(
                    line.amo_cents, line.amc_cents, line.patient_cents) < 0:
                raise _fail(f"line {line.line_number} parts", f"AMO + AMC + patient = {line.total_cents}",
                            f"{line.amo_cents} + {line.amc_cents} + {line.patient_cents}",
                            f"answers #{index} {entry.service}/Ligne[{line.line_number}]", [index], "answers")
        if (q.amo_cents, q.amc_cents, q.patient_cents) != (sum(l.amo_cents for l in q.lines),
                                                              sum(l.amc_cents for l in q.lines),
                                                              sum(l.patient_cents for l in q.lines)):
            raise _fail("totals", "the sums of the lines", f"AMO {q.amo_cents}, AMC {q.amc_cents}",
                        f"answers #{index} {entry.service}/Totaux", [index], "answers")


@check("roc.amc.commitments_unique", verifies=["AMC-CLC-003", "AMC-CNL-005"],
       title="every CLC answered a new commitment number")
def commitments_unique(ctx: CheckContext) -> None:
    clcs = _answered(ctx, "CLC")
    if not clcs:
        raise CheckSkipped("no CLC answered")
    seen: dict[str, int] = {}
    for index, _, request, answer in clcs:
        if answer.commitment_number in seen and request.header.exchange_id != \
                decoded(ctx.answers[seen[answer.commitment_number]].request).header.exchange_id:
            raise _fail("commitment number", "a new number for each CLC", f"{answer.commitment_number} again",
                        f"answers #{index} CLC", [seen[answer.commitment_number], index], "answers")
        seen[answer.commitment_number] = index


@check("roc.amc.echoes_exchange_id", verifies=["AMC-MSG-002"], title="answers echo the request's exchange id")
def echoes_exchange_id(ctx: CheckContext) -> None:
    answered = _answered(ctx, "*")
    if not answered:
        raise CheckSkipped("nothing answered")
    for index, entry, request, answer in answered:
        if request is None or answer is None:
            continue
        if answer.header.exchange_id != request.header.exchange_id:
            raise _fail("exchange id", request.header.exchange_id, answer.header.exchange_id,
                        f"answers #{index} {entry.service}/Entete", [index], "answers")


@check("roc.amc.commitment_covers_stay", verifies=["AMC-CLC-002"],
       title="the commitment's validity covers the stay")
def commitment_covers_stay(ctx: CheckContext) -> None:
    clcs = _answered(ctx, "CLC")
    if not clcs:
        raise CheckSkipped("no CLC answered")
    for index, _, request, answer in clcs:
        stay = request.stay
        if not answer.commitment_number or answer.valid_from > stay.admission_date or \
                answer.valid_to < (stay.discharge_date or stay.admission_date):
            raise _fail("commitment validity", f"from ≤ {stay.admission_date} and to ≥ {stay.discharge_date}",
                        f"{answer.valid_from}..{answer.valid_to}", f"answers #{index} CLC", [index], "answers")


@check("roc.amc.idb_answer_complete", verifies=["AMC-IDB-001", "AMC-IDB-007"],
       title="an IDB answer gives a reference, open rights and coverage rules")
def idb_answer_complete(ctx: CheckContext) -> None:
    idbs = _answered(ctx, "IDB")
    if not idbs:
        raise CheckSkipped("no IDB answered")
    for index, _, _, answer in idbs:
        if not answer.idb_reference or answer.coverage.status.value != "open" or not answer.coverage.rules:
            raise _fail("IDB answer", "a reference, status open and at least one coverage rule",
                        f"reference {answer.idb_reference!r}, status {answer.coverage.status.value}, "
                        f"{len(answer.coverage.rules)} rule(s)", f"answers #{index} IDB", [index], "answers")


@check("roc.amc.faults_from_catalogue", verifies=["AMC-FLT-008", "AMC-MSG-005"],
       title="every fault carries Erreur/Erreur2 with a code, group and label of the catalogue")
def faults_from_catalogue(ctx: CheckContext) -> None:
    from simulators.profiles import load_profile

    catalogue = load_profile().errors
    faults = [(i, e) for i, e in enumerate(ctx.answers) if e.outcome.startswith("fault:")]
    if not faults:
        raise CheckSkipped("no fault answered")
    for index, entry in faults:
        key = entry.outcome.split(":", 1)[1]
        if key.startswith("code:"):
            raise _fail("fault code", "a code of the profile's catalogue", key[5:], f"answers #{index}",
                        [index], "answers")
        try:
            catalogue.by_key(key)
        except KeyError:
            raise _fail("fault", "a catalogue error", key, f"answers #{index}", [index], "answers") from None


@check("roc.amc.answers_in_request_version", verifies=["AMC-MSG-003"],
       title="the server answers in the SOAP version of the request")
def answers_in_request_version(ctx: CheckContext) -> None:
    from simulators.soap import parse_envelope

    checked = 0
    for index, entry in enumerate(ctx.answers):
        try:
            sent = parse_envelope(entry.request.encode()).version
            received = parse_envelope(entry.response.encode()).version
        except Exception:  # noqa: BLE001 - not SOAP on one side: other checks judge that
            continue
        checked += 1
        if sent != received:
            raise _fail("SOAP version", sent.value, received.value, f"answers #{index} {entry.service}",
                        [index], "answers")
    if not checked:
        raise CheckSkipped("no SOAP exchange to compare")


@check("roc.amc.line_refused", verifies=["AMC-CLC-007"],
       title="a line that is not covered or over its ceiling is refused at line level, the others priced",
       params=params_schema({"reason": {"type": "string"}}))
def line_refused(ctx: CheckContext) -> None:
    priced = _answered(ctx, PRICING)
    if not priced:
        raise CheckSkipped("no SIM or CLC answered")
    index, entry, _, answer = priced[-1]
    reason = ctx.params.get("reason", "coverage.*")
    refused = [line for line in answer.quote.lines if line.refusal and matches(line.refusal, reason)]
    if not refused:
        raise _fail("line refusal", f"at least one line refused with {reason}",
                    [line.refusal for line in answer.quote.lines], f"answers #{index} {entry.service}/Lignes",
                    [index], "answers")
    for line in refused:
        if line.amc_cents and matches(line.refusal, "coverage.line_not_covered"):
            raise _fail(f"line {line.line_number} AMC amount", 0, line.amc_cents,
                        f"answers #{index} {entry.service}/Ligne[{line.line_number}]", [index], "answers")


@check("roc.gap.client_timeout", verifies=["ROC-FLT-042"],
       title="on an AMC that holds the request, the GAP gives up within the maximal timeout",
       params=params_schema({"max_wait_s": {"type": "number", "minimum": 0}}))
def client_timeout(ctx: CheckContext) -> None:
    """Held attempts (timeout behaviour) record whether the GAP closed the connection before the hold ended.
    Only the upper bound is judged here: the server sees a request after its queueing delay, so it cannot
    measure a client's wait from below; a too-short timeout shows on the slow-AMC scenarios instead (the GAP
    resends a request the AMC answers in 1.4 s)."""
    high = float(ctx.params.get("max_wait_s", 60.0)) * 1000
    held = [(i, e) for i, e in enumerate(ctx.journal) if e.meta.get("held")]
    if not held:
        raise CheckSkipped("the AMC held no request in this scenario")
    for index, entry in held:
        if not entry.meta.get("client_gave_up") and entry.duration_ms >= high:
            raise _fail("client timeout", f"at most {high / 1000:g} s",
                        f"still waiting after {entry.duration_ms / 1000:.1f} s", f"journal #{index} {entry.service}",
                        [index])
