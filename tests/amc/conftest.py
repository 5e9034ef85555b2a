"""A real simulator (annuaire + AMC) on a free port, and a reference client per test session."""
from __future__ import annotations


import pytest

from tests.conftest import new_session, running_simulators

from simulators.gap.client import RocClient
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings


@pytest.fixture(scope="session")
def dataset():
    return dataset_for_seed(Settings().seed)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_simulators(tmp_path_factory, "amc", actors=("annuaire", "amc"), timeout_behaviour_seconds=2.0) as running:
        yield running


@pytest.fixture
def session(server):
    """A fresh test session for each test: no cross-talk between tests."""
    return new_session(server)


@pytest.fixture
def client(server, session):
    with RocClient(f"{server.url}/s/{session}/annuaire", timeout=5) as roc:
        yield roc
