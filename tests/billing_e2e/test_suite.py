"""The billing suite: the reference GAP passes all of it; each broken billing office (simulators/gap/billing.py
Variant, chosen through the run's environment) fails on the requirements it breaks, on the scenarios that expose
it (pattern of tests/conformance/test_variants.py)."""
from __future__ import annotations

import pytest

from conformance.runner import RunConfig, Runner
from conformance.scenarios import select
from simulators.gap.billing import Variant

from .conftest import SEED

CASES = {
    Variant.CANCELLED_COMMITMENT: (["billing.stay.rights-open", "billing.commitment.new-clc-after-cancel"],
                                   {"ROC-INV-001", "ROC-INV-003"}),
    Variant.WRONG_LOT_TOTALS: (["billing.stay.rights-open", "billing.arl.dre-es-totals"],
                               {"ROC-INV-005", "BIL-ARL-001", "ROC-FLT-021"}),
    Variant.DUPLICATE_INVOICE_NUMBER: (["billing.amo.several-organismes", "billing.reject.amc-duplicate-number"],
                                       {"ROC-INV-004", "BIL-REJ-001"}),
    Variant.PARTS_NOT_ADDING_UP: (["billing.stay.rights-open", "billing.arl.b2-parts"],
                                  {"BIL-PRT-001", "BIL-PRT-002", "BIL-ARL-001"}),
}


def _run(bench, suites, ids=None, variant=None, run_id="ref"):
    scenarios = [s for suite in suites for s in suite.scenarios]
    if ids is not None:
        scenarios = select(scenarios, ids=ids)
        assert len(scenarios) == len(ids)
    environment = {**bench.environment, **({"billing_variant": variant.value} if variant else {})}
    config = RunConfig(sut="gap", driver="reference", bench_url=bench.url, seed=SEED, run_id=run_id, parallel=8,
                       environment=environment)
    return Runner(config).run(list(suites), scenarios)


def not_passed(run) -> set[str]:
    return {v.requirement_id for v in run.requirements if v.status.value in ("fail", "error")}


def test_the_suite_is_large_and_names_known_requirements(suites):
    [suite] = suites
    assert (suite.id, suite.sut) == ("billing-gap", "gap")
    assert len(suite.scenarios) >= 25
    tags = {tag for scenario in suite.scenarios for tag in scenario.tags}
    assert {"stay", "amo", "arl", "rejects", "returns", "smtp", "commitments"} <= tags


def test_reference_gap_passes_the_whole_suite(bench, suites):
    run = _run(bench, suites)
    problems = [(s.id, c.check_id, c.message) for s in run.scenarios for st in s.steps for c in st.checks
                if c.outcome.value != "pass"]
    assert run.exit_code == 0 and not problems, problems
    verified = {v.requirement_id for v in run.requirements if v.status.value == "pass"}
    assert {f"ROC-INV-00{n}" for n in range(1, 6)} | {"ROC-FLT-021", "BIL-ARL-001", "BIL-REJ-001", "BIL-REJ-002",
                                                      "BIL-REC-002", "AMO-RGT-001", "AMO-EXO-001"} <= verified


def test_every_billing_variant_is_covered():
    assert set(CASES) == set(Variant)


@pytest.mark.parametrize("variant", sorted(CASES, key=lambda v: v.value), ids=lambda v: v.value)
def test_broken_office_fails_on_its_requirements(bench, suites, variant):
    ids, must_fail = CASES[variant]
    run = _run(bench, suites, ids, variant, run_id=f"v-{variant.value[:12]}")
    assert run.exit_code == 1, [(s.id, s.outcome, s.message) for s in run.scenarios]
    assert must_fail <= not_passed(run), not_passed(run)
