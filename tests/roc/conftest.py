"""Fixtures: the HTTP stub on port 0 (pytest-httpserver pattern), session-scoped, reset for every test."""
from __future__ import annotations

import pytest

from roc_stub import Stub, serve


@pytest.fixture(scope="session")
def stub_server():
    stub = Stub()
    server, thread = serve(stub)
    yield stub
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def stub(stub_server):
    stub_server.reset()
    yield stub_server
    stub_server.reset()
