"""A TCP server: one sans-IO core per connection (Caisse-AP: one request and one answer per connection)."""
from __future__ import annotations

import socket
import socketserver
import threading
from typing import Callable

from hardware_emulator.transports.pump import Core, pump


class SocketPort:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, timeout: float) -> bytes | None:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            data = self._sock.recv(4096)
        except socket.timeout:
            return b""
        except OSError:
            return None
        return data or None

    def write(self, data: bytes) -> None:
        self._sock.settimeout(5.0)
        self._sock.sendall(data)


class TcpServer:
    def __init__(self, core_factory: Callable[[], Core], host: str = "127.0.0.1", port: int = 8888) -> None:
        self._stop = threading.Event()
        stop, factory = self._stop, core_factory

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                pump(factory(), SocketPort(self.request), stop)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        try:
            self._server = Server((host, port), Handler)
        except OSError as error:
            raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"terminal-tcp-{self.port}", daemon=True)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
