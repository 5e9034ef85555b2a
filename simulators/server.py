"""Running the simulators: a threaded server for tests and the demo, gunicorn for production-like runs."""
from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """No access log on stdout: the journal is the record of every exchange."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class RunningServer:
    """A server listening on a real socket in a background thread; `url` has the port actually bound."""

    server: BaseWSGIServer
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve_in_thread(app: Callable[..., Any], *, host: str = "127.0.0.1", port: int = 0,
                    ssl_context: ssl.SSLContext | None = None) -> RunningServer:
    """Start `app` on `host:port` (0 = any free port) in a daemon thread."""
    server = make_server(host, port, app, threaded=True, ssl_context=ssl_context,
                         request_handler=QuietRequestHandler)
    server.daemon_threads = True  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name=f"simphonie-{server.port}", daemon=True)
    thread.start()
    scheme = "https" if ssl_context else "http"
    shown_host = f"[{host}]" if ":" in host else host
    return RunningServer(server, thread, f"{scheme}://{shown_host}:{server.port}")


def serve_production(app_loader: Callable[[], Any], *, host: str, port: int, workers: int, threads: int = 1,
                     tls_paths=None, require_client_cert: bool = True,
                     on_ready: Callable[[str], None] | None = None) -> None:
    """Run under gunicorn (sync workers): the production WSGI server, several processes sharing SQLite WAL."""
    from gunicorn.app.base import BaseApplication

    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "accesslog": None,
        "loglevel": "warning",
        "timeout": 120,
        "keepalive": 5,
    }
    if tls_paths is not None:
        options.update(certfile=str(tls_paths.server_cert), keyfile=str(tls_paths.server_key),
                       ca_certs=str(tls_paths.ca_cert),
                       cert_reqs=ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL)

    def when_ready(server: Any) -> None:
        scheme = "https" if tls_paths is not None else "http"
        for listener in server.LISTENERS:
            sock_host, sock_port = listener.sock.getsockname()[:2]
            shown = f"[{sock_host}]" if ":" in sock_host else sock_host
            if on_ready:
                on_ready(f"{scheme}://{shown}:{sock_port}")

    options["when_ready"] = when_ready

    class _Application(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app_loader()  # called in each worker after the fork: one SQLite connection per process

    _Application().run()
