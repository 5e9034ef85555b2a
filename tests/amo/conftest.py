"""A real simulator with the `amo` actor (CDRi + billing intakes) on a free port, and a CDRi client per session."""
from __future__ import annotations


import pytest

from tests.conftest import new_session, running_simulators
import requests

from simulators.amo.cases import amo_cases
from simulators.amo.client import CdriClient
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings


@pytest.fixture(scope="session")
def dataset():
    return dataset_for_seed(Settings().seed)


@pytest.fixture(scope="session")
def cases(dataset):
    return amo_cases(dataset)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_simulators(tmp_path_factory, "amo", actors=("annuaire", "amc", "amo"),
                            timeout_behaviour_seconds=2.0) as running:
        yield running


@pytest.fixture
def session(server):
    return new_session(server)


@pytest.fixture
def cdri(server, session):
    with CdriClient(f"{server.url}/s/{session}/amo/cdri", timeout=5) as client:
        yield client


def journal(server, session):
    return requests.get(f"{server.url}/_bench/sessions/{session}/journal", timeout=5).json()
