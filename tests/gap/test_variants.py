"""Each broken GAP misbehaves in the journal the way its name says (and the reference does not)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from conformance.requirements import load_catalogue
from simulators.gap.reference import ReferenceGap
from simulators.gap.status import StayState
from simulators.gap.variants import VARIANTS, UnknownVariant, build_gap, catalogue, gap_class


def _outcomes(bench, service):
    return [e["outcome"] for e in bench.journal(service)]


def _shorter_stay(case):
    """The patient leaves a day earlier: lines end by then, daily lines (FJ, CP) count one day less."""
    discharge = case.stay.discharge_date - timedelta(days=1)

    def shortened(line):
        if line.end <= discharge:
            return line
        daily = line.code in ("FJ", "CP")
        return replace(line, end=discharge, quantity=line.quantity - 1 if daily else line.quantity)

    return replace(case.stay, discharge_date=discharge), tuple(shortened(line) for line in case.lines)


def _committed_then_changed(gap, case):
    gap.discharge(gap.admit(case).venue)
    stay, lines = _shorter_stay(case)
    gap.update(case.venue, stay=stay, lines=lines)
    return gap.discharge(case.venue)


# -- the registry ----------------------------------------------------------------------------------------------
def test_at_least_ten_variants_each_breaking_known_gap_requirements():
    assert len(VARIANTS) >= 10
    requirements = load_catalogue()
    for cls in VARIANTS.values():
        assert issubclass(cls, ReferenceGap) and cls.summary
        for requirement_id in cls.breaks:
            assert requirements.get(requirement_id).actor == "GAP", (cls.name, requirement_id)
    assert [row["name"] for row in catalogue()] == list(VARIANTS)


def test_names_resolve_and_unknown_names_list_the_known_ones():
    assert gap_class(None) is gap_class("reference") is ReferenceGap
    with pytest.raises(UnknownVariant, match="skips-idb"):
        gap_class("skip-idb")
    with build_gap("no-timeout", "http://127.0.0.1:9/annuaire") as gap:
        assert gap.policy.timeout_s is None


# -- each variant on a real simulator ----------------------------------------------------------------------------
def test_skips_idb(make_gap, bench, case_of):
    gap = make_gap("skips-idb")
    status = gap.discharge(gap.admit(case_of("rights-open")).venue)
    assert "IDB" not in bench.services() and "SIM" in bench.services()
    assert _outcomes(bench, "SIM")[0] == "fault:idb.reference_unknown"
    assert status.state is StayState.PATIENT_BILLING


def test_wrong_nir_key(make_gap, bench, case_of):
    status = make_gap("wrong-nir-key").admit(case_of("rights-open"))
    assert _outcomes(bench, "IDB") == ["fault:beneficiary.nir_key_invalid"]
    assert status.state is StayState.IDB_REFUSED


def test_clc_twice(make_gap, bench, case_of):
    status = _committed_then_changed(make_gap("clc-twice"), case_of("rights-open"))
    services = bench.services()
    assert "ANN" not in services and services.count("CLC") == 2
    assert _outcomes(bench, "CLC") == ["ok", "fault:commitment.active_exists"]
    assert status.state is StayState.COMMITMENT_CONFLICT


def test_reference_cancels_where_clc_twice_does_not(make_gap, bench, case_of):
    status = _committed_then_changed(make_gap(), case_of("rights-open"))
    assert status.state is StayState.COMMITTED
    assert bench.services()[-3:] == ["ANN", "SIM", "CLC"] and _outcomes(bench, "CLC") == ["ok", "ok"]


def test_ignores_refusals(make_gap, bench, case_of):
    gap = make_gap("ignores-refusals")
    admitted = gap.admit(case_of("contract-suspended"))
    assert admitted.state is StayState.ADMITTED  # as if the refusal never came
    gap.discharge(admitted.venue)
    services = bench.services()
    assert _outcomes(bench, "IDB")[0] == "fault:rights.suspended"
    assert "CLC" in services and services.index("CLC") > services.index("IDB")


def test_retries_without_bound(make_gap, bench, case_of):
    status = make_gap("retries-without-bound").admit(case_of("amc-down"))
    assert _outcomes(bench, "IDB") == ["http_503"] * 20
    assert status.state is StayState.PATIENT_BILLING


def test_wrong_amounts(make_gap, bench, case_of):
    case = case_of("rights-open")
    gap = make_gap("wrong-amounts")
    status = gap.discharge(gap.admit(case).venue)
    assert _outcomes(bench, "SIM") == ["fault:amounts.incoherent"] and "CLC" not in bench.services()
    assert (status.state, status.fallback_reason) == (StayState.PATIENT_BILLING, "amounts.incoherent")


def test_ignores_annuaire_after_a_routing_change(make_gap, bench, case_of):
    gap = make_gap("ignores-annuaire")
    venue = gap.admit(case_of("routing-changed")).venue
    bench.change_routing("routing-changed")
    status = gap.discharge(venue)
    assert bench.services().count("ANNUAIRE") == 1
    assert set(_outcomes(bench, "SIM")) == {"fault:routing.unknown"}
    assert (status.state, status.fallback_reason) == (StayState.PATIENT_BILLING, "routing.unknown")


def test_ignores_annuaire_for_another_amc(make_gap, bench, case_of):
    gap = make_gap("ignores-annuaire")
    gap.admit(case_of("rights-open"))
    other = gap.admit(case_of("amc-behind-operator"))
    assert bench.services().count("ANNUAIRE") == 1
    assert other.exchanges_of("IDB")[0].outcome == "fault:routing.unknown"


def test_uses_cancelled_commitment(make_gap, bench, case_of):
    status = _committed_then_changed(make_gap("uses-cancelled-commitment"), case_of("rights-open"))
    cancels = bench.journal("ANN")
    first = status.commitments[0].number
    assert [e["outcome"] for e in cancels] == ["ok", "fault:commitment.already_cancelled"]
    assert all(first in e["request"] for e in cancels)
    assert status.commitments[0].status == "active"  # it still believes the cancelled one is live


def test_duplicate_exchange_ids(make_gap, bench, case_of):
    status = make_gap("duplicate-exchange-ids").admit(case_of("rights-open"))
    journal = bench.journal()
    assert len({e["meta"]["exchange_id"] for e in journal}) == 1 and len({e["service"] for e in journal}) == 2
    assert _outcomes(bench, "IDB")[0] == "fault:request.replayed_exchange"
    assert status.state is StayState.IDB_REFUSED


def test_no_timeout_waits_for_a_held_request(make_gap, bench, case_of):
    bench.behave("timeout", service="IDB", count=1)
    status = make_gap("no-timeout", timeout_s=0.2).admit(case_of("rights-open"))
    # it waited until the simulator let the request go, instead of timing out at its own limit
    assert [e.outcome for e in status.exchanges_of("IDB")] == ["fault:service.unavailable", "ok"]


def test_reference_times_out_where_no_timeout_waits(make_gap, bench, case_of):
    bench.behave("timeout", service="IDB", count=1)
    status = make_gap(timeout_s=0.2).admit(case_of("rights-open"))
    assert [e.outcome for e in status.exchanges_of("IDB")] == ["timeout", "ok"]


def test_clc_before_discharge(make_gap, bench, case_of):
    gap = make_gap("clc-before-discharge")
    venue = gap.admit(case_of("rights-open")).venue
    assert bench.services() == ["ANNUAIRE", "IDB", "CLC"]
    assert _outcomes(bench, "CLC") == ["fault:dates.incoherent"]
    assert gap.discharge(venue).state is StayState.COMMITTED


def test_docs_table_lists_every_variant_with_its_requirements():
    from pathlib import Path

    rows = {}
    for line in (Path(__file__).parents[2] / "docs" / "reference-gap.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            rows[cells[0].strip("`")] = (cells[1], tuple(cells[2].split(", ")))
    assert rows == {cls.name: (cls.summary, cls.breaks) for cls in VARIANTS.values()}
