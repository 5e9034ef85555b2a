"""The provider over a real socket with mutual TLS: the certificate's FINESS must be the establishment's."""
from __future__ import annotations

import pytest
import requests

from simulators.app import create_app
from simulators.diapason.service import install_debitor
from simulators.masking import find_pans
from simulators.pki import generate_pki
from simulators.server import serve_in_thread
from simulators.settings import Settings
from simulators.tls import server_ssl_context

from .conftest import FINESS, OTHER_FINESS, FakeDebitor, consent_body


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return generate_pki(tmp_path_factory.mktemp("pki"), [FINESS, OTHER_FINESS])


@pytest.fixture(scope="module")
def server(pki, tmp_path_factory):
    app = create_app(Settings(db_path=str(tmp_path_factory.mktemp("db") / "s.sqlite"), actors=("diapason",),
                              tls=True))
    debitor = FakeDebitor()
    install_debitor(app, debitor)
    with serve_in_thread(app, ssl_context=server_ssl_context(pki)) as running:
        running.debitor = debitor  # type: ignore[attr-defined]
        yield running


def _as(pki, finess: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override `verify`
    session.cert = tuple(map(str, pki.client(finess)))
    session.verify = str(pki.ca_cert)
    session.headers["X-Bench-Session"] = "tls-campaign"
    return session


def test_full_flow_over_mutual_tls(pki, server):
    desk = _as(pki, FINESS)
    base = f"{server.url}/diapason/v1"
    desk.post(f"{server.url}/_bench/sessions", json={"id": "tls-campaign"}, timeout=5)
    desk.put(f"{server.url}/_bench/sessions/tls-campaign/clock", json={"date": "2026-03-02"}, timeout=5)
    consent = desk.post(f"{base}/consents", json=consent_body(), timeout=5)
    assert consent.status_code == 201, consent.text
    consent_id = consent.json()["id"]
    assert desk.post(f"{base}/consents/{consent_id}/notifications", json={"amount_cents": 1_990}, timeout=5).ok
    desk.put(f"{server.url}/_bench/sessions/tls-campaign/clock", json={"date": "2026-03-05"}, timeout=5)
    debit = desk.post(f"{base}/consents/{consent_id}/debits", json={"amount_cents": 1_990, "invoice_ref": "F-1"},
                      headers={"Idempotency-Key": "tls-1"}, timeout=5)
    assert debit.status_code == 201 and debit.json()["status"] == "captured"
    again = desk.post(f"{base}/consents/{consent_id}/debits", json={"amount_cents": 1_990, "invoice_ref": "F-1"},
                      headers={"Idempotency-Key": "tls-1"}, timeout=5)
    assert again.json() == debit.json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(server.debitor.orders) == 1

    other = _as(pki, OTHER_FINESS)
    refused = other.get(f"{base}/consents/{consent_id}", timeout=5)
    assert refused.status_code == 403 and refused.json()["code"] == "finess.not_authorised"
    assert other.get(f"{base}/consents", timeout=5).json() == []
    wrong_establishment = other.post(f"{base}/consents", json=consent_body(venue="V-OTHER"), timeout=5)
    assert wrong_establishment.json()["code"] == "finess.not_authorised"

    journal = desk.get(f"{server.url}/_bench/sessions/tls-campaign/journal", timeout=5).text
    assert '"actor": "diapason"' in journal.replace('":"', '": "') and not find_pans(journal)


def test_without_a_client_certificate_the_handshake_fails(pki, server):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{server.url}/diapason/v1/consents", verify=str(pki.ca_cert), timeout=5)
