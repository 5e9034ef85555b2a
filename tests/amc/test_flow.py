"""The whole ROC flow against a real server: annuaire → IDB → SIM → CLC → cancellation → CLC."""
from __future__ import annotations

import pytest
import requests

from simulators.domain.pricing import quote
from simulators.gap.client import RocFaultError
from tests.amc.flows import cancel_request, clc_request, discharged, endpoints, idb_request, sim_request


def test_full_flow_gives_consistent_amounts_and_one_active_commitment(client, dataset, server, session):
    persona = discharged(dataset.persona("rights-open"))
    urls = endpoints(client, persona)
    assert set(urls) == {"IDB", "SIM", "CLC", "ANN"}
    idb = client.idb(urls["IDB"], idb_request(client, persona))
    assert idb.coverage.status.value == "open"
    sim = client.sim(urls["SIM"], sim_request(client, persona, idb.idb_reference))
    clc = client.clc(urls["CLC"], clc_request(client, persona, idb.idb_reference))
    expected = quote(persona.contract, persona.stay, persona.lines)
    assert sim.quote == clc.quote == expected
    assert clc.quote.amo_cents + clc.quote.amc_cents + clc.quote.patient_cents == clc.quote.total_cents

    with pytest.raises(RocFaultError) as second:
        client.clc(urls["CLC"], clc_request(client, persona, idb.idb_reference))
    assert second.value.key == "commitment.active_exists"

    cancelled = client.cancel(urls["ANN"], cancel_request(client, clc.commitment_number))
    assert cancelled.commitment_number == clc.commitment_number
    with pytest.raises(RocFaultError) as again:
        client.cancel(urls["ANN"], cancel_request(client, clc.commitment_number))
    assert again.value.key == "commitment.already_cancelled"

    renewed = client.clc(urls["CLC"], clc_request(client, persona, idb.idb_reference))
    assert renewed.commitment_number != clc.commitment_number
    assert renewed.quote == clc.quote
    commitments = requests.get(f"{server.url}/_bench/sessions/{session}/commitments", timeout=5).json()
    assert [(c["number"], c["status"]) for c in commitments] == [
        (clc.commitment_number, "cancelled"), (renewed.commitment_number, "active")]


def test_every_exchange_is_journaled_with_its_validation(client, dataset, server, session):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    client.idb(urls["IDB"], idb_request(client, persona))
    journal = requests.get(f"{server.url}/_bench/sessions/{session}/journal", timeout=5).json()
    assert [(e["actor"], e["service"], e["outcome"]) for e in journal] == [("annuaire", "ANNUAIRE", "ok"),
                                                                          ("amc", "IDB", "ok")]
    assert journal[1]["request"].count("IDBRequete") >= 1 and journal[1]["validation"] == []


@pytest.mark.parametrize("name, operation, key", [
    ("rights-closed", "IDB", "rights.closed"),
    ("rights-opening-mid-stay", "IDB", "rights.not_yet_open"),
    ("unknown-beneficiary", "IDB", "beneficiary.unknown"),
    ("contract-suspended", "IDB", "rights.suspended"),
    ("domaine-not-covered", "IDB", "coverage.domaine_not_covered"),
    ("nir-key-invalid", "IDB", "beneficiary.nir_key_invalid"),
    ("identity-mismatch", "IDB", "beneficiary.identity_mismatch"),
])
def test_refusals_are_catalogue_faults(client, dataset, name, operation, key):
    persona = dataset.persona(name)
    urls = endpoints(client, persona)
    with pytest.raises(RocFaultError) as caught:
        client.idb(urls["IDB"], idb_request(client, persona))
    assert caught.value.key == key
    assert caught.value.fault.error.code == client.profile.errors.by_key(key).code


@pytest.mark.parametrize("name, key", [("amc-not-in-roc", "amc.not_in_roc")])
def test_annuaire_refusals(client, dataset, name, key):
    persona = dataset.persona(name)
    with pytest.raises(RocFaultError) as caught:
        endpoints(client, persona)
    assert caught.value.key == key


def test_twins_are_told_apart_by_rang(client, dataset):
    persona = dataset.persona("twins-rank-2")
    urls = endpoints(client, persona)
    assert client.idb(urls["IDB"], idb_request(client, persona)).coverage.status.value == "open"


def test_sim_without_idb_is_refused(client, dataset):
    persona = dataset.persona("rights-open")
    urls = endpoints(client, persona)
    with pytest.raises(RocFaultError) as caught:
        client.sim(urls["SIM"], sim_request(client, persona, "IDB-NEVER-GIVEN"))
    assert caught.value.key == "idb.reference_unknown"


def test_line_refusals_come_back_per_line(client, dataset):
    persona = dataset.persona("line-not-covered")
    urls = endpoints(client, persona)
    idb = client.idb(urls["IDB"], idb_request(client, persona))
    sim = client.sim(urls["SIM"], sim_request(client, persona, idb.idb_reference))
    assert any(line.refusal == "coverage.line_not_covered" for line in sim.quote.lines)


def test_routing_change_moves_the_amc(client, dataset, server, session):
    persona = dataset.persona("routing-changed")
    before = endpoints(client, persona)
    requests.post(f"{server.url}/_bench/sessions/{session}/routing-changes", json={"persona": persona.name},
                  timeout=5).raise_for_status()
    after = endpoints(client, persona)
    assert after["IDB"] != before["IDB"]
    with pytest.raises(RocFaultError) as caught:
        client.idb(before["IDB"], idb_request(client, persona))
    assert caught.value.key == "routing.unknown"
    assert client.idb(after["IDB"], idb_request(client, persona)).coverage.status.value == "open"


def test_amc_behind_an_operator_shares_the_operator_host(client, dataset):
    persona = dataset.persona("amc-behind-operator")
    urls = endpoints(client, persona)
    host = urls["IDB"].rsplit("/", 2)[-2]
    assert len(dataset.host(host).numeros_amc) > 1
    assert client.idb(urls["IDB"], idb_request(client, persona)).coverage.status.value == "open"
