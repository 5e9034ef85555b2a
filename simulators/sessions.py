"""Which test session a request belongs to: URL prefix `/s/<session>/…`, a header, or the client certificate.

Done as WSGI middleware so every blueprint sees plain paths and `environ["simphonie.session"]`; the prefix
moves into SCRIPT_NAME, so URLs the app builds (WSDL locations, annuaire endpoints) keep the session.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping

SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_PREFIX = re.compile(r"^/s/([^/]+)(/.*)?$")


class SessionMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]], *, header: str = "X-Bench-Session",
                 finess_sessions: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.header_key = "HTTP_" + header.upper().replace("-", "_")
        self.finess_sessions = dict(finess_sessions or {})

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        match = _PREFIX.match(path)
        session = None
        if match:
            session = match.group(1)
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/s/{session}"
            environ["PATH_INFO"] = match.group(2) or "/"
        elif environ.get(self.header_key):
            session = environ[self.header_key]
        if session is not None and not SESSION_ID.match(session):
            body = (f"invalid test session id {session!r}: 1-64 characters, letters, digits, '.', '_' or '-'\n").encode()
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        environ["simphonie.session"] = session
        return self.app(environ, start_response)
