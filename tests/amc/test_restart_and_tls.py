"""Committed state survives a restart; under mutual TLS the certificate's FINESS must be the request's."""
from __future__ import annotations

import pytest

from simulators.app import create_app
from simulators.gap.client import RocClient, RocFaultError
from simulators.pki import generate_pki
from simulators.server import serve_in_thread
from simulators.settings import Settings
from simulators.tls import server_ssl_context
from tests.amc.flows import cancel_request, clc_request, discharged, endpoints, idb_request


def test_commitment_survives_a_server_restart(tmp_path, dataset):
    settings = Settings(db_path=str(tmp_path / "state.sqlite"), actors=("annuaire", "amc"))
    persona = discharged(dataset.persona("rights-open"))
    with serve_in_thread(create_app(settings)) as first:
        with RocClient(f"{first.url}/s/restart/annuaire") as client:
            urls = endpoints(client, persona)
            idb = client.idb(urls["IDB"], idb_request(client, persona))
            clc = client.clc(urls["CLC"], clc_request(client, persona, idb.idb_reference))
    with serve_in_thread(create_app(settings)) as second:  # a new process would see the same file
        with RocClient(f"{second.url}/s/restart/annuaire") as client:
            urls = endpoints(client, persona)
            with pytest.raises(RocFaultError) as caught:
                client.clc(urls["CLC"], clc_request(client, persona, idb.idb_reference))
            assert caught.value.key == "commitment.active_exists"
            assert client.cancel(urls["ANN"], cancel_request(client, clc.commitment_number)).commitment_number \
                == clc.commitment_number


@pytest.fixture(scope="module")
def tls_setup(tmp_path_factory, dataset):
    persona = dataset.persona("rights-open")
    finess = str(persona.establishment.finess_geographique)
    other = str(dataset.persona("psy-stay").establishment.finess_geographique)
    assert finess != other
    pki = generate_pki(tmp_path_factory.mktemp("pki"), [finess, other])
    settings = Settings(db_path=str(tmp_path_factory.mktemp("db") / "s.sqlite"), actors=("annuaire", "amc"), tls=True)
    with serve_in_thread(create_app(settings), ssl_context=server_ssl_context(pki)) as server:
        yield server, pki, persona, finess, other


def _client(server, pki, cert_finess, persona):
    return RocClient(f"{server.url}/annuaire", cert=tuple(map(str, pki.client(cert_finess))),
                     verify=str(pki.ca_cert), finess_geographique=str(persona.establishment.finess_geographique),
                     finess_juridique=str(persona.establishment.finess_juridique))


def test_matching_certificate_and_finess_are_served(tls_setup):
    server, pki, persona, finess, _ = tls_setup
    with _client(server, pki, finess, persona) as client:
        urls = endpoints(client, persona)
        assert urls["IDB"].startswith("https://")
        assert client.idb(urls["IDB"], idb_request(client, persona)).coverage.status.value == "open"


def test_certificate_of_another_finess_is_refused(tls_setup):
    server, pki, persona, _, other = tls_setup
    with _client(server, pki, other, persona) as client:
        with pytest.raises(RocFaultError) as caught:
            endpoints(client, persona)
    assert caught.value.key == "finess.not_authorised"


def test_client_certificate_selects_the_session_bound_to_its_finess(tls_setup):
    """One editor, one certificate, one session: no URL prefix or header needed (design §4)."""
    import requests

    server, pki, persona, finess, _ = tls_setup
    tls = {"cert": tuple(map(str, pki.client(finess))), "verify": str(pki.ca_cert), "timeout": 5}
    created = requests.post(f"{server.url}/_bench/sessions", json={"id": "editor-a", "finess": [finess]}, **tls)
    assert created.status_code == 201 and created.json()["finess"] == [finess]
    assert requests.get(f"{server.url}/_bench/finess", **tls).json()[finess] == "editor-a"
    with _client(server, pki, finess, persona) as client:
        endpoints(client, persona)
    journal = requests.get(f"{server.url}/_bench/sessions/editor-a/journal", **tls).json()
    assert [e["service"] for e in journal] == ["ANNUAIRE"]
    bad = requests.post(f"{server.url}/_bench/sessions", json={"id": "x", "finess": ["750000011"]}, **tls)
    assert bad.status_code == 400 and "check digit" in bad.json()["error"]


def test_run_judges_an_amc_behind_mutual_tls(tls_setup, tmp_path):
    """`simphonie run --sut amc` with the client certificate: the bench speaks for the certificate's FINESS."""
    from click.testing import CliRunner

    from conformance.cli import cli

    server, pki, _, finess, _ = tls_setup
    cert, key = pki.client(finess)
    result = CliRunner().invoke(cli, ["run", "--sut", "amc", "--bench", server.url, "--tags", "smoke",
                                      "--ca-cert", str(pki.ca_cert), "--client-cert", str(cert), "--client-key",
                                      str(key), "--report-dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "conformant:" in result.output
