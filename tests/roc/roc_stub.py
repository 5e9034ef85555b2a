"""A tiny HTTP stub for client tests: routes (method, path) to canned replies and records every request."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=utf-8"
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Stub:
    """Routes (method, path) to a Reply or to a function of the request; records every request."""

    host: str = "127.0.0.1"
    port: int = 0
    routes: dict[tuple[str, str], Reply | Callable[[Seen], Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def on(self, path: str, reply: Reply | Callable[[Seen], Reply], method: str = "POST") -> str:
        self.routes[(method, path)] = reply
        return self.url(path)

    def reset(self) -> None:
        self.routes.clear()
        self.seen.clear()


def _handler(stub: Stub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            seen = Seen(self.command, parts.path, query, dict(self.headers), body)
            stub.seen.append(seen)
            route = stub.routes.get((self.command, parts.path))
            reply = route(seen) if callable(route) else route or Reply(404, b"no route", "text/plain")
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            try:
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        do_GET = do_POST = _serve

    return Handler


def serve(stub: Stub) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """Start `stub` on a free port in a daemon thread."""
    server = ThreadingHTTPServer((stub.host, 0), _handler(stub))
    server.daemon_threads = True
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread
