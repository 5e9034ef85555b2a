"""The reference GAP over whole stays against a real AMC simulator: what it sends, what it concludes."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta

import pytest

from simulators.domain.pricing import quote
from simulators.gap.cases import StayCase
from simulators.gap.client import RocClient
from simulators.gap.reference import UnknownStay
from simulators.gap.status import StayState
from simulators.roc.messages import ClcRequest, IdbRequest


def _exchange_ids(entries):
    return [e["meta"].get("exchange_id") for e in entries]


def test_rights_open_stay_is_committed_with_consistent_amounts(make_gap, bench, dataset, case_of):
    persona = dataset.persona("rights-open")
    gap = make_gap()
    admitted = gap.admit(case_of("rights-open"))
    assert admitted.state is StayState.ADMITTED and admitted.billing == "pending"
    assert admitted.coverage.status == "open" and admitted.idb_reference
    status = gap.discharge(persona.stay.venue_number)
    assert status.state is StayState.COMMITTED and status.billing == "amc"
    expected = quote(persona.contract, persona.stay, persona.lines)
    assert status.quote.source == "CLC" and status.quote.quote == expected
    assert expected.amo_cents + expected.amc_cents + expected.patient_cents == expected.total_cents
    assert bench.services() == ["ANNUAIRE", "IDB", "SIM", "CLC"]
    assert bench.active_commitments() == [status.commitment_number]
    assert [e.exchange_id for e in status.exchanges] == _exchange_ids(bench.journal())
    assert all(not e["validation"] for e in bench.journal())
    json.dumps(status.to_dict())  # JSON-able as is


def test_discharging_an_unchanged_committed_stay_sends_nothing(make_gap, bench, case_of):
    gap = make_gap()
    venue = gap.admit(case_of("rights-open")).venue
    first = gap.discharge(venue)
    again = gap.discharge(venue)
    assert again.commitment_number == first.commitment_number
    assert bench.services().count("CLC") == 1
    assert gap.admit(case_of("rights-open")).state is StayState.COMMITTED  # same case: no new IDB
    assert bench.services().count("IDB") == 1


@pytest.mark.parametrize("name, key", [
    ("unknown-beneficiary", "beneficiary.unknown"),
    ("identity-mismatch", "beneficiary.identity_mismatch"),
    ("contract-suspended", "rights.suspended"),
    ("domaine-not-covered", "coverage.domaine_not_covered"),
])
def test_idb_refusals_fall_back_to_patient_billing(make_gap, bench, case_of, name, key):
    gap = make_gap()
    status = gap.admit(case_of(name))
    assert (status.state, status.fallback_reason, status.billing) == (StayState.IDB_REFUSED, key, "patient")
    assert status.last_problem.key == key
    gap.discharge(status.venue)
    assert bench.services() == ["ANNUAIRE", "IDB"]


def test_gap_refuses_a_wrong_nir_key_without_calling_anyone(make_gap, bench, case_of):
    status = make_gap().admit(case_of("nir-key-invalid"))
    assert (status.state, status.fallback_reason) == (StayState.REFUSED_BY_GAP, "beneficiary.nir_key_invalid")
    assert bench.journal() == [] and status.exchanges == ()


def test_expired_attestation_is_refused_locally_unless_the_policy_says_ask(make_gap, bench, case_of):
    local = make_gap().admit(case_of("rights-closed"))
    assert (local.state, local.fallback_reason) == (StayState.REFUSED_BY_GAP, "rights.closed")
    assert bench.journal() == []
    asked = make_gap(check_attestation_dates=False).admit(case_of("rights-closed"))
    assert (asked.state, asked.fallback_reason) == (StayState.IDB_REFUSED, "rights.closed")
    assert bench.services() == ["ANNUAIRE", "IDB"]


def test_amc_not_in_roc_calls_no_amc_service(make_gap, bench, case_of):
    gap = make_gap()
    status = gap.admit(case_of("amc-not-in-roc"))
    gap.discharge(status.venue)
    assert (status.state, status.fallback_reason) == (StayState.NOT_IN_ROC, "amc.not_in_roc")
    assert bench.services() == ["ANNUAIRE"]


def test_slow_amc_is_waited_for_without_resending(make_gap, bench, case_of):
    bench.behave("latency:300ms", actor="amc")
    gap = make_gap(timeout_s=2.0)
    status = gap.discharge(gap.admit(case_of("rights-open")).venue)
    assert status.state is StayState.COMMITTED
    assert bench.services() == ["ANNUAIRE", "IDB", "SIM", "CLC"]
    assert all(e.attempt == 1 for e in status.exchanges)


def test_amc_down_gets_bounded_retries_of_the_same_request_then_patient_billing(make_gap, bench, case_of):
    gap = make_gap()
    status = gap.admit(case_of("amc-down"))
    assert (status.state, status.fallback_reason) == (StayState.PATIENT_BILLING, "service.unavailable")
    idb = bench.journal("IDB")
    assert len(idb) == gap.policy.max_attempts == 3
    assert len(set(_exchange_ids(idb))) == 1 and len({e["request"] for e in idb}) == 1
    assert [e.outcome for e in status.exchanges_of("IDB")] == ["http_503"] * 3
    after = gap.discharge(status.venue)  # tried again before the CLC (ROC-FLT-045), as bounded
    assert after.state is StayState.PATIENT_BILLING
    second = bench.journal("IDB")[3:]
    assert len(second) == 3 and set(_exchange_ids(second)).isdisjoint(_exchange_ids(idb))
    assert "CLC" not in bench.services()


def test_stay_returns_to_roc_when_the_amc_comes_back(make_gap, bench, case_of):
    bench.behave("http_503", service="IDB", count=3)
    gap = make_gap()
    status = gap.admit(case_of("rights-open"))
    assert status.state is StayState.PATIENT_BILLING
    status = gap.discharge(status.venue)
    assert status.state is StayState.COMMITTED and status.fallback_reason is None
    assert bench.services() == ["ANNUAIRE"] + ["IDB"] * 4 + ["SIM", "CLC"]


def test_one_503_then_success_reuses_the_exchange_id(make_gap, bench, case_of):
    bench.behave("http_503", service="IDB", count=1)
    status = make_gap().admit(case_of("rights-open"))
    assert status.state is StayState.ADMITTED
    assert [(e.attempt, e.outcome) for e in status.exchanges_of("IDB")] == [(1, "http_503"), (2, "ok")]
    assert len(set(_exchange_ids(bench.journal("IDB")))) == 1


@pytest.mark.parametrize("persona, outcome, key", [
    ("amc-soap-fault", "fault:service.unavailable", "service.unavailable"),
    ("amc-malformed-answer", "malformed_answer", "service.unavailable"),
    ("amc-connection-reset", "unreachable", "service.unavailable"),
])
def test_transient_failures_fall_back_after_three_attempts(make_gap, bench, case_of, persona, outcome, key):
    status = make_gap().admit(case_of(persona))
    assert (status.state, status.fallback_reason) == (StayState.PATIENT_BILLING, key)
    assert [e.outcome for e in status.exchanges_of("IDB")] == [outcome] * 3


def test_amc_contact_of_a_refusal_is_kept_for_the_staff(make_gap, case_of, dataset):
    status = make_gap().admit(case_of("contract-suspended"))
    contact = dataset.persona("contract-suspended").organisation.contact
    assert status.last_problem.contact == {"name": contact.name, "phone": contact.phone, "email": contact.email}


def test_amc_never_answering_times_out_then_falls_back(make_gap, case_of):
    status = make_gap(timeout_s=0.2).admit(case_of("amc-timeout"))
    assert (status.state, status.fallback_reason) == (StayState.PATIENT_BILLING, "service.timeout")
    assert [e.outcome for e in status.exchanges_of("IDB")] == ["timeout"] * 3


def test_clc_timeout_is_retried_with_the_same_exchange_id_and_one_commitment(make_gap, bench, case_of):
    gap = make_gap(timeout_s=0.3)
    venue = gap.admit(case_of("rights-open")).venue
    bench.behave("timeout", service="CLC", count=1)
    status = gap.discharge(venue)
    assert status.state is StayState.COMMITTED
    clc = bench.wait_for("CLC", 2)  # the held attempt is journaled when the simulator lets it go
    assert len(clc) == 2 and len(set(_exchange_ids(clc))) == 1
    assert [e.outcome for e in status.exchanges_of("CLC")][0] == "timeout"
    assert bench.active_commitments() == [status.commitment_number]


def test_lost_clc_answer_is_learned_by_resending_it_unchanged(make_gap, bench, case_of):
    gap = make_gap(timeout_s=0.3, max_attempts=1)
    venue = gap.admit(case_of("rights-open")).venue
    bench.behave("latency:600ms", service="CLC", count=1)  # the AMC commits, the GAP has given up
    lost = gap.discharge(venue)
    assert (lost.state, lost.fallback_reason) == (StayState.PATIENT_BILLING, "service.timeout")
    assert len(bench.wait_for("CLC", 1)) == 1  # the AMC has answered (to nobody) and committed
    status = gap.discharge(venue)
    assert status.state is StayState.COMMITTED
    assert bench.services() == ["ANNUAIRE", "IDB", "SIM", "CLC", "CLC"]
    clc = bench.journal("CLC")
    assert len(set(_exchange_ids(clc))) == 1 and clc[1]["meta"].get("replayed") is True
    assert bench.active_commitments() == [status.commitment_number]


def _shorter_private_room(case: StayCase):
    lines = list(case.lines)
    room = next(i for i, line in enumerate(lines) if line.code == "CP")
    lines[room] = replace(lines[room], quantity=lines[room].quantity - 1, end=lines[room].end - timedelta(days=1))
    return tuple(lines)


def test_update_after_commitment_cancels_then_discharge_commits_again(make_gap, bench, case_of):
    gap = make_gap()
    case = case_of("rights-open")
    first = gap.discharge(gap.admit(case).venue)
    updated = gap.update(case.venue, lines=_shorter_private_room(case))
    assert updated.state is StayState.ADMITTED and updated.commitment_number is None
    assert [(c.number, c.status) for c in updated.commitments] == [(first.commitment_number, "cancelled")]
    final = gap.discharge(case.venue)
    assert final.state is StayState.COMMITTED and final.commitment_number != first.commitment_number
    assert final.quote.quote.total_cents < first.quote.quote.total_cents
    assert bench.services() == ["ANNUAIRE", "IDB", "SIM", "CLC", "ANN", "SIM", "CLC"]
    assert [(c["number"], c["status"]) for c in bench.commitments()] == [
        (first.commitment_number, "cancelled"), (final.commitment_number, "active")]


def test_update_without_change_sends_nothing_and_context_change_sends_a_new_idb(make_gap, bench, case_of):
    gap = make_gap()
    case = case_of("rights-open")
    gap.admit(case)
    gap.update(case.venue, stay=case.stay, lines=case.lines)
    assert bench.services() == ["ANNUAIRE", "IDB"]
    moved = gap.update(case.venue, stay=replace(case.stay, dmt="323"))
    assert moved.state is StayState.ADMITTED and bench.services() == ["ANNUAIRE", "IDB", "IDB"]


def test_cancel_cancels_once(make_gap, bench, case_of):
    gap = make_gap()
    venue = gap.admit(case_of("rights-open")).venue
    committed = gap.discharge(venue)
    cancelled = gap.cancel(venue, "stay cancelled")
    assert cancelled.state is StayState.CANCELLED and cancelled.commitments[0].cancel_reason == "stay cancelled"
    gap.cancel(venue, "again")
    assert bench.services().count("ANN") == 1 and bench.active_commitments() == []
    assert committed.commitment_number not in bench.active_commitments()


def test_commitment_the_gap_never_made_is_reported_not_cancelled(make_gap, bench, case_of, server):
    case = case_of("rights-open")
    gap = make_gap()
    gap.admit(case)
    establishment = case.establishment
    with RocClient(bench.annuaire_url, finess_juridique=str(establishment.finess_juridique),
                   finess_geographique=str(establishment.finess_geographique)) as other:
        attestation = case.attestation
        urls = other.annuaire(attestation.numero_amc, attestation.type_convention,
                              attestation.critere_secondaire).endpoints
        idb = other.idb(urls["IDB"], IdbRequest(other.header(), case.beneficiary, attestation, case.stay))
        other.clc(urls["CLC"], ClcRequest(other.header(), idb.idb_reference, case.beneficiary, attestation,
                                          case.stay, case.lines))
    status = gap.discharge(case.venue)
    assert (status.state, status.fallback_reason) == (StayState.COMMITMENT_CONFLICT, "commitment.active_exists")
    assert "ANN" not in bench.services()


def test_routing_change_makes_the_gap_ask_the_annuaire_again(make_gap, bench, case_of):
    gap = make_gap()
    venue = gap.admit(case_of("routing-changed")).venue
    bench.change_routing("routing-changed")
    status = gap.discharge(venue)
    assert status.state is StayState.COMMITTED
    assert bench.services() == ["ANNUAIRE", "IDB", "SIM", "ANNUAIRE", "SIM", "CLC"]
    sims = status.exchanges_of("SIM")
    assert sims[0].outcome == "fault:routing.unknown" and sims[0].url != sims[1].url


def test_routes_are_cached_until_valid_until(make_gap, bench, case_of):
    today = [date.today()]
    gap = make_gap(clock=lambda: today[0])
    case = case_of("rights-open")
    other_venue = replace(case, stay=replace(case.stay, venue_number="9900009991"))
    gap.admit(case)
    gap.admit(other_venue)
    assert bench.services().count("ANNUAIRE") == 1
    today[0] += timedelta(days=2)  # past the answer's valid_until (the bench gives one day)
    gap.admit(replace(case, stay=replace(case.stay, venue_number="9900009992")))
    assert bench.services().count("ANNUAIRE") == 2


def test_one_gap_serves_many_stays_from_many_threads(make_gap, bench, dataset):
    gap = make_gap()
    cases = [StayCase.from_drawn(d) for d in dataset.draw_stays(seed=7, n=8)]

    def stay(case):
        gap.admit(case)
        return gap.discharge(case.venue)

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(stay, cases))
    assert [s.state for s in statuses] == [StayState.COMMITTED] * len(cases)
    assert sorted(bench.active_commitments()) == sorted(s.commitment_number for s in statuses)
    assert {s.venue for s in gap.stays()} == {c.venue for c in cases}
    routes = {(c.attestation.numero_amc, c.attestation.type_convention, c.attestation.critere_secondaire)
              for c in cases}
    assert bench.services().count("ANNUAIRE") == len(routes)


@pytest.mark.parametrize("name", ["twins-rank-2", "corsica-nir", "lunar-birth-date", "had-stay", "ace-visit",
                                  "amc-behind-operator"])
def test_edge_personas_are_committed(make_gap, case_of, name):
    gap = make_gap()
    assert gap.discharge(gap.admit(case_of(name)).venue).state is StayState.COMMITTED


def test_refused_line_is_billed_to_the_patient(make_gap, case_of):
    gap = make_gap()
    status = gap.discharge(gap.admit(case_of("line-not-covered")).venue)
    refused = [line for line in status.quote.quote.lines if line.refusal == "coverage.line_not_covered"]
    assert status.state is StayState.COMMITTED and refused
    assert all(line.amc_cents == 0 and line.patient_cents > 0 for line in refused)


def test_unknown_venue_is_a_caller_error(make_gap):
    with pytest.raises(UnknownStay, match="admit it first"):
        make_gap().status("0000000000")


def test_cancellation_that_failed_is_retried_before_the_next_clc(make_gap, bench, case_of):
    gap = make_gap()
    case = case_of("rights-open")
    first = gap.discharge(gap.admit(case).venue)
    bench.behave("http_503", service="ANN", count=3)
    pending = gap.update(case.venue, lines=_shorter_private_room(case))
    assert pending.state is StayState.COMMITTED and pending.commitment_stale
    assert pending.commitment_number == first.commitment_number
    final = gap.discharge(case.venue)
    assert final.state is StayState.COMMITTED and not final.commitment_stale
    assert bench.services()[-4:] == ["ANN", "ANN", "SIM", "CLC"]  # 3 failed ANN, then one more before the CLC
    assert bench.active_commitments() == [final.commitment_number] != [first.commitment_number]


def test_lost_clc_of_a_since_changed_stay_is_learned_then_cancelled(make_gap, bench, case_of):
    gap = make_gap(timeout_s=0.3, max_attempts=1)
    case = case_of("rights-open")
    gap.admit(case)
    bench.behave("latency:600ms", service="CLC", count=1)
    gap.discharge(case.venue)
    bench.wait_for("CLC", 1)
    gap.update(case.venue, lines=_shorter_private_room(case))
    status = gap.discharge(case.venue)
    assert status.state is StayState.COMMITTED
    assert bench.services()[3:] == ["CLC", "CLC", "ANN", "SIM", "CLC"]
    lost = status.commitments[0]
    assert (lost.status, len(status.commitments)) == ("cancelled", 2)
    assert bench.active_commitments() == [status.commitment_number] != [lost.number]
