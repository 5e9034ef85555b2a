"""A real simulator (annuaire + AMC) on a free port, a fresh bench session per test, and GAPs pointed at it."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import pytest

from tests.conftest import new_session, running_simulators
import requests

from simulators.gap.cases import StayCase
from simulators.gap.policy import GapPolicy
from simulators.gap.variants import build_gap
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings

# Tiny delays keep the suite fast; the behaviour (bounded, spaced, same request) is the conformant one.
FAST = GapPolicy(timeout_s=2.0, backoff_s=(0.01, 0.02))
HOLD_SECONDS = 1.0  # how long the simulator's `timeout` behaviour holds a request


@pytest.fixture(scope="session")
def dataset():
    return dataset_for_seed(Settings().seed)


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    with running_simulators(tmp_path_factory, "gap", actors=("annuaire", "amc"),
                            timeout_behaviour_seconds=HOLD_SECONDS) as running:
        yield running


@dataclass
class Bench:
    """The control API of one test session."""

    url: str
    session: str

    @property
    def annuaire_url(self) -> str:
        return f"{self.url}/s/{self.session}/annuaire"

    def _control(self, path: str) -> str:
        return f"{self.url}/_bench/sessions/{self.session}/{path}"

    def behave(self, name: str, **scope) -> None:
        requests.post(self._control("behaviours"), json={"name": name, **scope}, timeout=5).raise_for_status()

    def journal(self, service: str | None = None) -> list[dict]:
        entries = requests.get(self._control("journal"), timeout=5).json()
        return [e for e in entries if service is None or e["service"] == service]

    def wait_for(self, service: str, count: int, timeout: float = 5.0) -> list[dict]:
        """The journal once it holds `count` entries of `service` (a request still being served is not there)."""
        deadline = time.monotonic() + timeout
        while len(entries := self.journal(service)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return entries

    def services(self) -> list[str]:
        return [e["service"] for e in self.journal()]

    def commitments(self) -> list[dict]:
        return requests.get(self._control("commitments"), timeout=5).json()

    def active_commitments(self) -> list[str]:
        return [c["number"] for c in self.commitments() if c["status"] == "active"]

    def change_routing(self, persona: str) -> None:
        requests.post(self._control("routing-changes"), json={"persona": persona}, timeout=5).raise_for_status()


@pytest.fixture
def bench(server):
    return Bench(server.url, new_session(server))


@pytest.fixture
def make_gap(bench):
    """`make_gap(variant=None, clock=None, **policy_changes)`: a GAP on this test's session, closed afterwards."""
    made = []

    def make(variant: str | None = None, *, clock=None, **changes):
        gap = build_gap(variant, bench.annuaire_url, policy=replace(FAST, **changes), clock=clock)
        made.append(gap)
        return gap

    yield make
    for gap in made:
        gap.close()


@pytest.fixture
def case_of(dataset):
    def case(persona: str) -> StayCase:
        return StayCase.from_persona(dataset.persona(persona))
    return case
