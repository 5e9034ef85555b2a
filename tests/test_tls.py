"""Mutual TLS on a real socket: good client certificate accepted; none, expired or foreign refused."""
from __future__ import annotations

import pytest
import requests

from simulators.app import create_app
from simulators.pki import finess_from_certificate, generate_pki
from simulators.server import serve_in_thread
from simulators.settings import Settings
from simulators.tls import server_ssl_context

FINESS = "750000010"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return generate_pki(tmp_path_factory.mktemp("pki"), [FINESS])


@pytest.fixture(scope="module")
def tls_server(pki, tmp_path_factory):
    app = create_app(Settings(db_path=str(tmp_path_factory.mktemp("db") / "s.sqlite"), actors=(), tls=True))
    with serve_in_thread(app, ssl_context=server_ssl_context(pki)) as server:
        yield server


def test_client_certificate_carries_the_finess(pki):
    assert finess_from_certificate(pki.client(FINESS)[0].read_bytes()) == FINESS


def test_good_client_certificate_is_accepted(pki, tls_server):
    answer = requests.get(f"{tls_server.url}/_bench/health", cert=tuple(map(str, pki.client(FINESS))),
                          verify=str(pki.ca_cert), timeout=5)
    assert answer.json()["status"] == "ok"


@pytest.mark.parametrize("client", [None, "expired", "wrong-ca"])
def test_missing_expired_or_foreign_certificates_are_refused(pki, tls_server, client):
    cert = tuple(map(str, pki.client(client))) if client else None
    with pytest.raises(requests.exceptions.ConnectionError):  # SSLError, or a reset under TLS 1.3
        requests.get(f"{tls_server.url}/_bench/health", cert=cert, verify=str(pki.ca_cert), timeout=5)
