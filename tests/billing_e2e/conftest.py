"""The bundled simulators (every actor, the SMTP intake and the GAP's mailbox) once per package, the billing suite,
and real billing flows played through the reference driver: their journals and bill statuses are the good
exchanges the check tests start from (and mutate into bad ones)."""
from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import pytest

from conformance.bench_api import BenchApi
from conformance.checks import CheckContext, builtin
from conformance.drivers.reference import ReferenceDriver
from conformance.scenarios import load_suites
from conformance.session_bench import bundled_simulators
from simulators.gap.cases import StayCase
from simulators.journal import JournalEntry
from simulators.runtime import dataset_for_seed

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261125
BILLING_DAY = "2026-12-20"


@pytest.fixture(scope="package")
def dataset():
    return dataset_for_seed(SEED)


@pytest.fixture(scope="package")
def bench():
    with bundled_simulators(seed=SEED) as running:
        yield running


@pytest.fixture(scope="package")
def suites(dataset):
    loaded = load_suites([ROOT / "scenarios" / "billing"], registry=builtin(), personas=list(dataset.personas))
    assert not loaded.errors, loaded.errors
    return loaded.suites


@dataclasses.dataclass
class Flow:
    """One scenario played by hand: the session's journal and the statuses the driver returned."""

    journal: tuple[JournalEntry, ...]
    statuses: list[dict[str, Any]]
    case: Any = None

    @property
    def status(self) -> dict[str, Any]:
        return self.statuses[-1]

    def context(self, params: dict[str, Any] | None = None, *, journal=None, statuses=None) -> CheckContext:
        return CheckContext(journal=tuple(self.journal if journal is None else journal), params=params or {},
                            scenario_id="billing-test", step_index=1, session="s",
                            facts={"statuses": self.statuses if statuses is None else statuses})

    def where(self, actor: str, service: str, outcome: str | None = None) -> list[int]:
        return [i for i, e in enumerate(self.journal) if e.actor == actor and e.service == service
                and (outcome is None or e.outcome == outcome)]


@pytest.fixture(scope="package")
def play(bench, dataset):
    """play(steps, environment=None) -> Flow. Steps: ("persona", name), ("behaviour", name, scope),
    ("clock", day), or (action, params) for the driver."""
    api = BenchApi(bench.url)

    def run(steps, environment: dict[str, Any] | None = None) -> Flow:
        session = f"t-{uuid.uuid4().hex[:10]}"
        api.create_session(session, seed=SEED)
        driver = ReferenceDriver(environment={**bench.environment, **(environment or {})})
        driver.open(session, f"{bench.url}/s/{session}/annuaire")
        case, statuses = None, []
        try:
            for step in steps:
                kind = step[0]
                if kind == "persona":
                    case = StayCase.from_persona(dataset.persona(step[1]))
                elif kind == "behaviour":
                    api.add_behaviour(session, step[1], **(step[2] if len(step) > 2 else {}))
                elif kind == "clock":
                    api.set_clock(session, step[1])
                else:
                    statuses.append({"action": kind, **driver.act(kind, case, step[1] if len(step) > 1 else {})})
        finally:
            driver.close()
        return Flow(tuple(entry for _, entry in api.journal(session)), statuses, case)

    yield run
    api.close()


def stay(persona: str = "rights-open") -> list[tuple]:
    return [("persona", persona), ("admit",), ("discharge",), ("clock", BILLING_DAY)]


@pytest.fixture(scope="package")
def flows(play):
    """Good (and deliberately bad) exchanges, each played once for the package."""
    def reject(key: str, actor: str, kind: str = "billing_reject") -> tuple:
        return "behaviour", f"{kind}:100:{key}", {"actor": actor, "count": 1}

    return {
        "paid": play(stay() + [("bill", {})]),
        "ald": play([("clock", BILLING_DAY), ("bill", {"cases": ["amo-ald"]})]),
        "dependant": play([("clock", BILLING_DAY), ("bill", {"cases": ["amo-dependant"]})]),
        "closed": play([("clock", BILLING_DAY), ("bill", {"cases": ["amo-rights-closed"]})]),
        "defect": play(stay() + [("bill", {"first_lot_defect": "wrong_lot_totals"})]),
        "curable": play(stay()[:1] + [reject("amounts.incoherent", "amc-billing")] + stay()[1:] + [("bill", {})]),
        "final": play(stay()[:1] + [reject("rights.closed", "amc-billing")] + stay()[1:] + [("bill", {})]),
        "partial": play(stay()[:1] + [reject("amounts.incoherent", "amo-billing", "billing_partial_reject")]
                        + stay()[1:] + [("bill", {})]),
        "late": play(stay()[:1] + [("behaviour", "billing_return_delay:30d")] + stay()[1:] + [("bill", {})]),
        "cancelled": play(stay()[:3] + [("cancel", {"reason": "stay cancelled"}), ("clock", BILLING_DAY),
                                        ("bill", {})]),
        "smtp": play(stay() + [("bill", {"channel": "smtp"})]),
        "cancelled_variant": play(stay() + [("bill", {"billing_variant": "cancelled_commitment"})]),
        "totals_variant": play(stay() + [("bill", {"billing_variant": "wrong_lot_totals"})]),
        "parts_variant": play(stay() + [("bill", {"billing_variant": "parts_not_adding_up"})]),
        "duplicate_variant": play([("clock", BILLING_DAY), ("bill", {"cases": ["amo-open", "amo-ald"],
                                                                     "billing_variant": "duplicate_invoice_number"})]),
    }
