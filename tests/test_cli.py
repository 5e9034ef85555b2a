"""The `simphonie` CLI as users run it: real processes for `serve`, CliRunner for the quick commands."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli import cli
from simulators.gap.client import RocClient
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "simulators" / "profiles" / "bench_roc_1" / "samples"


def test_personas_lists_at_least_fifteen_and_shows_a_card():
    runner = CliRunner()
    listed = runner.invoke(cli, ["personas", "--json"])
    assert listed.exit_code == 0
    cards = json.loads(listed.output)
    assert len(cards) >= 15
    shown = runner.invoke(cli, ["personas", "twins-rank-2"])
    assert shown.exit_code == 0 and '"rang_naissance": 2' in shown.output.replace("rang_de_naissance", "rang_naissance") \
        or "2" in shown.output
    unknown = runner.invoke(cli, ["personas", "nobody"])
    assert unknown.exit_code == 2 and "unknown persona 'nobody'" in unknown.output
    table = runner.invoke(cli, ["personas"])
    assert table.exit_code == 0 and "rights-closed" in table.output


def test_validate_accepts_a_sample_and_pinpoints_a_broken_message(tmp_path):
    runner = CliRunner()
    valid = sorted(p for p in SAMPLES.glob("*.xml"))[0]
    assert runner.invoke(cli, ["validate", str(valid)]).exit_code == 0
    broken = tmp_path / "broken.xml"
    text = (SAMPLES / "idb-request.xml").read_text(encoding="utf-8") if (SAMPLES / "idb-request.xml").exists() \
        else valid.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"<(\w+:)?NIR>[^<]*<", r"<\1NIR>XX<", text, count=1), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "/" in result.output
    not_xml = tmp_path / "nope.xml"
    not_xml.write_text("hello", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(not_xml)])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_pki_writes_the_negative_certificates_too(tmp_path):
    result = CliRunner().invoke(cli, ["pki", "--out", str(tmp_path / "pki"), "--finess", "750000010"])
    assert result.exit_code == 0, result.output
    for name in ("ca.pem", "server.pem", "clients/750000010.pem", "clients/expired.pem", "clients/wrong-ca.pem"):
        assert (tmp_path / "pki" / name).exists()
    bad = CliRunner().invoke(cli, ["pki", "--out", str(tmp_path / "x"), "--finess", "750000011"])
    assert bad.exit_code == 2 and "check digit" in bad.output


def test_bad_settings_are_usage_errors(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--actors", "amc,cashier"])
    assert result.exit_code == 2 and "unknown actor(s) ['cashier']" in result.output


@pytest.mark.slow
def test_serve_runs_gunicorn_with_two_workers_and_serves_the_flow(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "serve", "--port", "0", "--workers", "2",
         "--db", str(tmp_path / "state.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path)
    try:
        url = None
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline and url is None:
            line = process.stdout.readline()
            lines.append(line)
            match = re.search(r"serving annuaire, amc at (http://\S+)", line)
            if match:
                url = match.group(1)
        assert url, "".join(lines)
        persona = dataset_for_seed(Settings().seed).persona("rights-open")
        from tests.amc.flows import endpoints, idb_request

        with RocClient(f"{url}/annuaire") as client:
            urls = endpoints(client, persona)
            for _ in range(4):  # several requests: both workers answer from the same SQLite file
                assert client.idb(urls["IDB"], idb_request(client, persona)).coverage.status.value == "open"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.slow
def test_serve_tls_requires_the_right_client_certificate(tmp_path):
    """`simphonie serve --tls` under gunicorn: the PKI is generated on first use, the certificate of the
    request's FINESS is served, another FINESS's is refused with finess.not_authorised, an expired one at TLS."""
    import requests

    from simulators.gap.client import RocFaultError
    from simulators.pki import PkiPaths
    from tests.amc.flows import endpoints, idb_request

    process = subprocess.Popen(
        [sys.executable, "-m", "conformance.cli", "serve", "--tls", "--port", "0", "--workers", "2",
         "--db", str(tmp_path / "state.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=tmp_path)
    try:
        url, lines, deadline = None, [], time.monotonic() + 90
        while time.monotonic() < deadline and url is None:
            line = process.stdout.readline()
            lines.append(line)
            match = re.search(r"serving annuaire, amc at (https://\S+)", line)
            url = match.group(1) if match else None
        assert url, "".join(lines)
        pki = PkiPaths(tmp_path / "pki")
        dataset = dataset_for_seed(Settings().seed)
        persona = dataset.persona("rights-open")
        own = str(persona.establishment.finess_geographique)
        other = next(str(e.finess_geographique) for e in dataset.establishments if str(e.finess_geographique) != own)

        def client(finess: str) -> RocClient:
            return RocClient(f"{url}/annuaire", cert=tuple(map(str, pki.client(finess))), verify=str(pki.ca_cert),
                             finess_geographique=own, finess_juridique=str(persona.establishment.finess_juridique))

        with client(own) as roc:
            urls = endpoints(roc, persona)
            assert roc.idb(urls["IDB"], idb_request(roc, persona)).coverage.status.value == "open"
        with client(other) as roc, pytest.raises(RocFaultError) as caught:
            endpoints(roc, persona)
        assert caught.value.key == "finess.not_authorised"
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"{url}/_bench/health", cert=tuple(map(str, pki.client("expired"))),
                         verify=str(pki.ca_cert), timeout=5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
