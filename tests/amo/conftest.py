"""A real simulator with the `amo` actor (CDRi + billing intakes) on a free port, and a CDRi client per session."""
from __future__ import annotations

import uuid

import pytest
import requests

from simulators.amo.cases import amo_cases
from simulators.amo.client import CdriClient
from simulators.app import create_app
from simulators.runtime import dataset_for_seed
from simulators.server import serve_in_thread
from simulators.settings import Settings


@pytest.fixture(scope="session")
def dataset():
    return dataset_for_seed(Settings().seed)


@pytest.fixture(scope="session")
def cases(dataset):
    return amo_cases(dataset)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = Settings(db_path=str(tmp_path_factory.mktemp("amo") / "state.sqlite"), actors=("annuaire", "amc", "amo"),
                        timeout_behaviour_seconds=2.0)
    with serve_in_thread(create_app(settings)) as running:
        yield running


@pytest.fixture
def session(server):
    name = f"t-{uuid.uuid4().hex[:10]}"
    requests.post(f"{server.url}/_bench/sessions", json={"id": name}, timeout=5).raise_for_status()
    return name


@pytest.fixture
def cdri(server, session):
    with CdriClient(f"{server.url}/s/{session}/amo/cdri", timeout=5) as client:
        yield client


def journal(server, session):
    return requests.get(f"{server.url}/_bench/sessions/{session}/journal", timeout=5).json()
