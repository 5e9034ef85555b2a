"""Acquirer fixtures: a core on a fixed clock, its TCP server on port 0, a client; all stopped after each test."""
from __future__ import annotations

import socket
from datetime import datetime, timezone

import pytest

from simulators.acquirer import AcquirerClient, AcquirerCore, AcquirerServer
from simulators.acquirer.framing import make_framing
from simulators.journal import ListJournal

NOW = datetime(2026, 3, 2, 10, 30, 0, tzinfo=timezone.utc)


@pytest.fixture
def journal():
    return ListJournal()


@pytest.fixture
def core(journal):
    return AcquirerCore(journal=journal, clock=lambda: NOW)


@pytest.fixture
def server(core):
    with AcquirerServer(core, "127.0.0.1", 0, idle_timeout=5) as running:
        yield running


@pytest.fixture
def client(server):
    with AcquirerClient("127.0.0.1", server.port, timeout=3, clock=lambda: NOW) as connected:
        yield connected


class RawConnection:
    """A plain socket speaking the server's framing, for messages the client would never send."""

    def __init__(self, port: int, header: str = "2b", spec=None) -> None:
        from iso8583.specs import default_ascii
        self.framing = make_framing(header, spec or default_ascii)
        self.deframer = self.framing.deframer()
        self.queue: list[bytes] = []
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=3)

    def send(self, message: bytes) -> None:
        self.sock.sendall(self.framing.frame(message))

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self) -> bytes | None:
        """The next message, or None when the server closed the connection."""
        while not self.queue:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.queue.extend(self.deframer.feed(data))
        return self.queue.pop(0)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(server):
    connections = []

    def connect(header: str = "2b") -> RawConnection:
        connection = RawConnection(server.port, header)
        connections.append(connection)
        return connection

    yield connect
    for connection in connections:
        connection.close()
