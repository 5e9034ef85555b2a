"""Shared fixtures: a fresh store per test, apps built by the factory, servers on real sockets (port 0)."""
from __future__ import annotations

import pytest

from simulators.settings import Settings
from simulators.store import Store


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "state.sqlite")


@pytest.fixture
def store(db_path):
    store = Store(db_path)
    yield store
    store.close()
