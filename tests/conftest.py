"""Shared fixtures: a fresh store per test, apps built by the factory, servers on real sockets (port 0)."""
from __future__ import annotations

import contextlib

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


@contextlib.contextmanager
def running_simulators(tmp_path_factory, name: str, **settings):
    """The simulators on a free port with their own SQLite file (the integration tests' server fixtures)."""
    from simulators.app import create_app
    from simulators.server import serve_in_thread

    db_path = str(tmp_path_factory.mktemp(name) / "state.sqlite")
    with serve_in_thread(create_app(Settings(db_path=db_path, **settings))) as running:
        yield running


def new_session(server, **body) -> str:
    """A fresh test session on `server`: no cross-talk between tests."""
    import uuid

    import requests

    name = f"t-{uuid.uuid4().hex[:10]}"
    requests.post(f"{server.url}/_bench/sessions", json={"id": name, **body}, timeout=5).raise_for_status()
    return name
