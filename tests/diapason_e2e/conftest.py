"""DIAPASON end-to-end fixtures: the simulators (annuaire, AMC, DIAPASON provider) on port 0 with the bundled
desk services (acquirer, per-session terminals), once per package; and a runner over scenarios/diapason."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import builtin
from conformance.diapason_services import diapason_desk
from conformance.runner import RunConfig, Runner
from conformance.scenarios import load_suites, select
from simulators.app import create_app
from simulators.runtime import dataset_for_seed
from simulators.server import serve_in_thread
from simulators.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "scenarios" / "diapason"
SEED = 20261125


@dataclass
class DeskBench:
    url: str
    environment: dict[str, Any]
    app: Any

    def run(self, ids: list[str] | None = None, *, variant: str | None = None, run_id: str = "t"):
        loaded = load_suites([SUITE], registry=builtin(), personas=list(dataset_for_seed(SEED).personas))
        assert not loaded.errors, loaded.errors
        scenarios = [s for suite in loaded.suites for s in suite.scenarios]
        if ids is not None:
            scenarios = select(scenarios, ids=ids)
            assert len(scenarios) == len(ids), ids
        environment = {**self.environment, **({"diapason_variant": variant} if variant else {})}
        config = RunConfig(sut="gap", driver="reference", bench_url=self.url, seed=SEED,
                           run_id=f"{run_id}-{variant or 'reference'}", parallel=8, environment=environment)
        return Runner(config).run(list(loaded.suites), scenarios)


@pytest.fixture(scope="package")
def desk(tmp_path_factory) -> DeskBench:
    settings = Settings(db_path=str(tmp_path_factory.mktemp("diapason-e2e") / "state.sqlite"), seed=SEED,
                        actors=("annuaire", "amc", "diapason"), timeout_behaviour_seconds=2.0)
    app = create_app(settings)
    with serve_in_thread(app) as server, diapason_desk(settings, server, app) as facts:
        yield DeskBench(server.url, {"bench_url": server.url, **facts}, app)
