"""The acquirer's TCP transport: a threaded socketserver that only moves framed bytes to and from a handler.

One daemon thread per connection; `stop()` shuts every open connection down so no thread outlives it. A bad
length header or a truncated frame is journaled through the handler and ends that connection only; the
listening socket keeps serving.
"""
from __future__ import annotations

import logging
import socket
import socketserver
import threading
from typing import Any, Mapping, Protocol

from simulators.acquirer.core import Reply
from simulators.acquirer.framing import DEFAULT_MAX_MESSAGE, FramingError, make_framing

log = logging.getLogger(__name__)

DEFAULT_PORT = 8583


class MessageHandler(Protocol):
    """What the server drives: AcquirerCore, or the bench's fixed-answer baseline."""

    spec: Mapping[str, Mapping[str, Any]]

    def handle(self, message: bytes, *, peer: str = "") -> Reply: ...
    def record_fault(self, fault: str, detail: str, *, peer: str = "") -> None: ...


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], owner: "AcquirerServer") -> None:
        self.owner = owner
        super().__init__(address, _ConnectionHandler)


class _ConnectionHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.owner._serve_connection(self.request, self.client_address)  # type: ignore[attr-defined]


class AcquirerServer:
    def __init__(self, handler: MessageHandler, host: str = "127.0.0.1", port: int = 0, *, header: str = "2b",
                 idle_timeout: float = 300.0, max_message: int = DEFAULT_MAX_MESSAGE) -> None:
        self.handler = handler
        self.framing = make_framing(header, handler.spec, max_message)
        self.idle_timeout = idle_timeout
        self._server = _ThreadingServer((host, port), self)
        self._thread: threading.Thread | None = None
        self._served = False  # socketserver's shutdown() waits forever unless serve_forever() ran
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    def start(self) -> "AcquirerServer":
        """Serve in a background daemon thread."""
        self._served = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"acquirer:{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until stop() (from another thread) or KeyboardInterrupt."""
        self._served = True
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._close_connections()

    def stop(self) -> None:
        self._stopping.set()
        if self._served:
            self._server.shutdown()
        self._server.server_close()
        self._close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "AcquirerServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # --- one connection -----------------------------------------------------------------------------------

    def _serve_connection(self, connection: socket.socket, client: tuple[str, int]) -> None:
        peer = f"{client[0]}:{client[1]}"
        with self._connections_lock:
            self._connections.add(connection)
        try:
            connection.settimeout(self.idle_timeout)
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._converse(connection, peer)
        finally:
            with self._connections_lock:
                self._connections.discard(connection)

    def _converse(self, connection: socket.socket, peer: str) -> None:
        deframer = self.framing.deframer()
        while not self._stopping.is_set():
            try:
                data = connection.recv(65536)
            except socket.timeout:
                if deframer.pending:
                    self._fault("truncated_frame", f"{deframer.pending} bytes of an incomplete message, then "
                                                   f"nothing for {self.idle_timeout:g} s", peer)
                return
            except OSError:
                return
            if not data:
                if deframer.pending:
                    self._fault("truncated_frame", f"connection closed with {deframer.pending} bytes of an "
                                                   f"incomplete message", peer)
                return
            try:
                messages = deframer.feed(data)
            except FramingError as error:
                self._fault("bad_length_header", str(error), peer)
                return
            for message in messages:
                if not self._reply(connection, self.handler.handle(message, peer=peer)):
                    return

    def _reply(self, connection: socket.socket, reply: Reply) -> bool:
        """Send the reply; False when the connection must end (close asked, stop, peer gone)."""
        if reply.delay_seconds and self._stopping.wait(reply.delay_seconds):
            return False
        try:
            for answer in reply.answers:
                connection.sendall(self.framing.frame(answer))
        except (OSError, FramingError):
            return False
        return not reply.close

    def _fault(self, fault: str, detail: str, peer: str) -> None:
        log.warning("acquirer %s: %s, closing the connection (%s)", peer, fault, detail)
        self.handler.record_fault(fault, detail, peer=peer)
