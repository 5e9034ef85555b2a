"""Personas: stable names, the outcome each one leads to through the domain rules, and copy-pasteable cards."""
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from simulators.behaviours import parse_behaviour
from simulators.data.dataset import build_dataset
from simulators.data.datamatrix import decode_attestation
from simulators.data.personas import PERSONA_NAMES, persona_card
from simulators.domain import Nir
from simulators.domain.pricing import quote
from simulators.domain.rights import coverage_for
from simulators.domain.routing import apply_change, find_host

ERROR_KEYS = set(re.findall(r"^\| ([a-z_]+\.[a-z_]+) \|", (Path(__file__).parents[2] / "docs/error-keys.md")
                            .read_text(), re.M))
REQUIRED = {"rights-open", "rights-closed", "rights-opening-mid-stay", "unknown-beneficiary", "twins-rank-2",
            "corsica-nir", "lunar-birth-date", "domaine-not-covered", "ceiling-reached", "contract-suspended",
            "amc-not-in-roc", "amc-behind-operator", "routing-changed", "amc-slow", "amc-down",
            "chambre-particuliere-flat", "had-stay", "psy-stay", "amc-timeout"}
OUTCOMES = {  # where the exchange stops, and with which error key(s)
    "rights-open": ("sim", ()),
    "rights-closed": ("idb", "rights.closed"),
    "rights-opening-mid-stay": ("idb", "rights.not_yet_open"),
    "rights-closing-mid-stay": ("sim", ("rights.closed",)),
    "unknown-beneficiary": ("idb", "beneficiary.unknown"),
    "identity-mismatch": ("idb", "beneficiary.identity_mismatch"),
    "nir-key-invalid": ("idb", "beneficiary.nir_key_invalid"),
    "twins-rank-2": ("sim", ()),
    "corsica-nir": ("sim", ()),
    "lunar-birth-date": ("sim", ()),
    "domaine-not-covered": ("idb", "coverage.domaine_not_covered"),
    "line-not-covered": ("sim", ("coverage.line_not_covered",)),
    "ceiling-reached": ("sim", ("coverage.ceiling_reached",)),
    "contract-suspended": ("idb", "rights.suspended"),
    "amc-not-in-roc": ("annuaire", "amc.not_in_roc"),
    "amc-behind-operator": ("sim", ()),
    "routing-changed": ("sim", ()),
    "amc-slow": ("sim", ()),
    "amc-down": ("sim", ()),
    "amc-timeout": ("sim", ()),
    "amc-malformed-answer": ("sim", ()),
    "amc-connection-reset": ("sim", ()),
    "amc-soap-fault": ("sim", ()),
    "chambre-particuliere-flat": ("sim", ()),
    "had-stay": ("sim", ()),
    "psy-stay": ("sim", ()),
    "ace-visit": ("sim", ()),
    "rounding-half-up": ("sim", ()),
}


@pytest.fixture(scope="module")
def dataset():
    return build_dataset()


def outcome(dataset, persona):
    """Run a persona through annuaire → identification → rights → pricing with the bench's own rules."""
    attestation = persona.attestation
    route = dataset.resolve(attestation.numero_amc, attestation.type_convention, attestation.critere_secondaire)
    if isinstance(route, str):
        return "annuaire", route
    contract = dataset.identify(persona.beneficiary, attestation.numero_amc)
    if isinstance(contract, str):
        return "idb", contract
    assert contract == persona.contract
    coverage = coverage_for(contract, persona.stay)
    if coverage.refusal:
        return "idb", coverage.refusal
    priced = quote(contract, persona.stay, persona.lines)
    return "sim", tuple(sorted({line.refusal for line in priced.lines if line.refusal}))


def test_names_are_stable_and_unique(dataset):
    assert len(PERSONA_NAMES) >= 18 and len(set(PERSONA_NAMES)) == len(PERSONA_NAMES)
    assert REQUIRED <= set(PERSONA_NAMES) and tuple(dataset.personas) == PERSONA_NAMES
    assert set(OUTCOMES) == set(PERSONA_NAMES)
    assert all(name == persona.name for name, persona in dataset.personas.items())


@pytest.mark.parametrize("name", list(OUTCOMES))
def test_outcome(dataset, name):
    persona = dataset.persona(name)
    stage, keys = OUTCOMES[name]
    assert outcome(dataset, persona) == (stage, keys)
    for key in (keys,) if isinstance(keys, str) else keys:
        assert key in ERROR_KEYS and key in persona.expected


def test_expected_texts_only_name_catalogue_keys(dataset):
    for persona in dataset.personas.values():
        for key in re.findall(r"\b([a-z]+\.[a-z_]+)\b", persona.expected):
            assert key in ERROR_KEYS, (persona.name, key)


def test_behaviours_are_understood_by_the_simulator(dataset):
    behaviours = {p.name: p.behaviours for p in dataset.personas.values() if p.behaviours}
    assert behaviours["amc-slow"] == ("latency:1400ms",) and behaviours["amc-down"] == ("http_503",)
    assert behaviours["amc-timeout"] == ("timeout",)
    for names in behaviours.values():
        for behaviour in names:
            parse_behaviour(behaviour)


def test_fault_personas_have_an_amc_of_their_own(dataset):
    """The simulator applies a persona's behaviours to its whole AMC: no other contract may sit there."""
    for persona in dataset.personas.values():
        if persona.behaviours:
            numero = persona.attestation.numero_amc
            holders = [c for c in dataset.contracts if c.attestation.numero_amc == numero]
            assert holders == [persona.contract]
            route = dataset.resolve(numero, persona.attestation.type_convention, persona.attestation.critere_secondaire)
            assert dataset.host(route.host_id).numeros_amc == (numero,)


def test_twin_rank_1_is_in_the_dataset(dataset):
    twin_2 = dataset.persona("twins-rank-2").beneficiary
    assert twin_2.rang_naissance == 2 and twin_2.insured_nir == twin_2.nir
    twin_1 = next(b for b in dataset.beneficiaries
                  if b.nir == twin_2.nir and b.birth_date == twin_2.birth_date and b.rang_naissance == 1)
    contract_1 = dataset.identify(twin_1, dataset.persona("twins-rank-2").attestation.numero_amc)
    assert contract_1.contract_id != dataset.persona("twins-rank-2").contract.contract_id
    mother = [b for b in dataset.beneficiaries if b.nir == twin_2.nir and b.insured_nir is None]
    assert len(mother) == 1 and mother[0].birth_date != twin_2.birth_date


def test_special_identities(dataset):
    assert dataset.persona("corsica-nir").beneficiary.nir.is_corsican
    assert dataset.persona("corsica-nir").establishment.finess_geographique.value[:2] in ("2A", "2B")
    assert dataset.persona("lunar-birth-date").beneficiary.birth_date.is_lunar
    typed = dataset.persona("nir-key-invalid").beneficiary.nir
    assert Nir.compute_key(typed.body) != typed.key
    assert dataset.persona("unknown-beneficiary").contract is None
    assert not dataset.persona("amc-not-in-roc").organisation.in_roc


def test_mid_stay_rights_give_the_gap_the_dates(dataset):
    opening = dataset.persona("rights-opening-mid-stay")
    coverage = coverage_for(opening.contract, opening.stay)
    assert opening.stay.admission_date < coverage.valid_from <= opening.stay.discharge_date
    assert str(coverage.valid_from) in opening.expected


def test_operator_host_serves_several_amcs(dataset):
    persona = dataset.persona("amc-behind-operator")
    route = dataset.resolve(persona.attestation.numero_amc, persona.attestation.type_convention, "ZZ")  # wildcard
    assert len(dataset.host(route.host_id).numeros_amc) >= 3 and persona.organisation.operator


def test_routing_change(dataset):
    persona = dataset.persona("routing-changed")
    change, attestation = persona.routing_change, persona.attestation
    before = dataset.resolve(attestation.numero_amc, attestation.type_convention, attestation.critere_secondaire)
    assert before.host_id == change.from_host_id
    assert before.valid_until == dataset.reference_date + timedelta(days=1)  # a GAP honouring it asks again soon
    routes, hosts = apply_change(dataset.routes, dataset.hosts, change)
    after = [r for r in routes if r.numero_amc == attestation.numero_amc]
    assert {r.host_id for r in after} == {change.to_host_id}
    assert not find_host(hosts, change.from_host_id).serves(attestation.numero_amc)
    assert find_host(hosts, change.to_host_id).serves(attestation.numero_amc)


def test_cards_are_json_and_copy_pasteable(dataset):
    for persona in dataset.personas.values():
        card = persona_card(persona)
        text = json.dumps(card, ensure_ascii=False)  # no default=: everything is JSON already
        assert json.loads(text) == card
        assert decode_attestation(card["datamatrix"]) == persona.attestation
        assert card["patient"]["nir"] == str(persona.beneficiary.nir)
        assert card["patient"]["nir_display"].replace(" ", "") == card["patient"]["nir"]
        assert len(card["lines"]) == len(persona.lines) and card["expected"] == persona.expected
    lunar = persona_card(dataset.persona("lunar-birth-date"))
    assert lunar["patient"]["birth_date"].endswith("-00-00") and lunar["patient"]["birth_date_is_lunar"]
    ceiling = persona_card(dataset.persona("ceiling-reached"))
    assert [line["unit_price"] for line in ceiling["lines"] if line["family"] == "CP"] == ["70.00", "70.00"]
    assert persona_card(dataset.persona("routing-changed"))["routing_change"]["to_host_id"]
    assert persona_card(dataset.persona("unknown-beneficiary"))["amc"]["knows_patient"] is False


def test_personas_are_part_of_the_dataset(dataset):
    contracts = set(dataset.contracts)
    beneficiaries = set(dataset.beneficiaries)
    for persona in dataset.personas.values():
        assert persona.beneficiary in beneficiaries
        assert persona.contract is None or persona.contract in contracts
        assert persona.establishment in dataset.establishments
        assert dataset.organisation(persona.attestation.numero_amc) == persona.organisation
    assert len({p.stay.venue_number for p in dataset.personas.values()}) == len(dataset.personas)


def test_personas_differ_by_seed_but_not_by_name():
    one, two = build_dataset(seed=1, beneficiaries=5), build_dataset(seed=2, beneficiaries=5)
    assert tuple(one.personas) == tuple(two.personas)
    assert one.persona("rights-open").beneficiary != two.persona("rights-open").beneficiary
    assert replace(one.persona("rights-open"), beneficiary=None) != replace(two.persona("rights-open"),
                                                                              beneficiary=None)
