"""Mutual TLS: the server context, and the middleware that reads the client certificate's FINESS."""
from __future__ import annotations

import ssl
from typing import Any, Callable, Iterable

from simulators.pki import PkiPaths, finess_from_certificate


def server_ssl_context(paths: PkiPaths, *, require_client_cert: bool = True) -> ssl.SSLContext:
    """TLS 1.2+ server context trusting only the bench CA; unknown or expired client certs fail the handshake."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(paths.server_cert, paths.server_key)
    context.load_verify_locations(paths.ca_cert)
    context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return context


def _peer_certificate(environ: dict[str, Any]) -> bytes | None:
    pem = environ.get("SSL_CLIENT_CERT")  # werkzeug's server sets it
    if pem:
        return pem.encode() if isinstance(pem, str) else pem
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, ssl.SSLSocket):
        return sock.getpeercert(binary_form=True)
    return None


class ClientCertificateMiddleware:
    """Puts the client certificate's FINESS in `environ["simphonie.client_finess"]` (None without TLS)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], *, enabled: bool) -> None:
        self.app = app
        self.enabled = enabled

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        finess = None
        if self.enabled:
            der = _peer_certificate(environ)
            if der:
                try:
                    finess = finess_from_certificate(der)
                except ValueError:
                    finess = None
        environ["simphonie.client_finess"] = finess
        environ["simphonie.tls"] = self.enabled
        return self.app(environ, start_response)
