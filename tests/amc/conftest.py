"""A real simulator (annuaire + AMC) on a free port, and a reference client per test session."""
from __future__ import annotations

import uuid

import pytest
import requests

from simulators.app import create_app
from simulators.gap.client import RocClient
from simulators.runtime import dataset_for_seed
from simulators.server import serve_in_thread
from simulators.settings import Settings


@pytest.fixture(scope="session")
def dataset():
    return dataset_for_seed(Settings().seed)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = Settings(db_path=str(tmp_path_factory.mktemp("amc") / "state.sqlite"), actors=("annuaire", "amc"),
                        timeout_behaviour_seconds=2.0)
    with serve_in_thread(create_app(settings)) as running:
        yield running


@pytest.fixture
def session(server):
    """A fresh test session for each test: no cross-talk between tests."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    requests.post(f"{server.url}/_bench/sessions", json={"id": name}, timeout=5).raise_for_status()
    return name


@pytest.fixture
def client(server, session):
    with RocClient(f"{server.url}/s/{session}/annuaire", timeout=5) as roc:
        yield roc
