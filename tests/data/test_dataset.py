"""The seeded dataset: determinism (also across processes), consistency, look-ups and drawn stays."""
import functools
import os
import pickle
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest

from simulators.data.dataset import Dataset, build_dataset
from simulators.domain.pricing import check_lines
from simulators.domain.quotes import RightsStatus
from simulators.domain.rights import rights_status
from simulators.domain.routing import ACTIVE, Route


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build_dataset()


def test_same_seed_same_dataset(dataset):
    again = build_dataset()
    assert again == dataset and again.fingerprint() == dataset.fingerprint() and hash(again) == hash(dataset)


def test_other_seed_other_dataset(dataset):
    other = build_dataset(seed=dataset.seed + 1)
    assert other != dataset
    assert {str(b.nir) for b in other.beneficiaries}.isdisjoint({str(b.nir) for b in dataset.beneficiaries})
    assert set(other.personas) == set(dataset.personas)  # names are stable, contents follow the seed


def test_same_seed_same_dataset_across_processes(dataset):
    code = "from simulators.data.dataset import build_dataset; print(build_dataset().fingerprint())"
    prints = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                                check=True)
        prints.add(result.stdout.strip())
    assert prints == {dataset.fingerprint()}


def test_size_and_reference_date():
    small = build_dataset(seed=5, beneficiaries=12, reference_date=date(2027, 3, 1))
    assert len(small.population_contracts) == 12
    assert small.persona("rights-open").stay.admission_date == date(2027, 3, 1)
    with pytest.raises(ValueError, match="beneficiaries must be"):
        build_dataset(beneficiaries=0)


def test_hashable_for_caches(dataset):
    calls = []

    @functools.lru_cache(maxsize=2)
    def index(ds):
        calls.append(1)
        return len(ds.contracts)

    assert index(dataset) == index(dataset) and len(calls) == 1
    assert pickle.loads(pickle.dumps(dataset)) == dataset  # e.g. handed to worker processes


def test_persona_catalogue_is_a_read_only_dict(dataset):
    assert isinstance(dataset.personas, dict)
    assert list(dataset.personas.values())[0].name == "rights-open"
    with pytest.raises(TypeError, match="read-only"):
        dataset.personas["x"] = None
    with pytest.raises(KeyError, match="unknown persona 'nope'; known: rights-open"):
        dataset.persona("nope")


def test_identifiers_are_unique_and_valid(dataset):
    contract_ids = [c.contract_id for c in dataset.contracts]
    assert len(contract_ids) == len(set(contract_ids))
    numbers = [o.numero_amc for o in dataset.organisations]
    assert len(numbers) == len(set(numbers)) and all(len(n) == 9 for n in numbers)
    finess = [str(f) for e in dataset.establishments for f in (e.finess_juridique, e.finess_geographique)]
    assert len(finess) == len(set(finess))
    host_ids = [h.host_id for h in dataset.hosts]
    assert len(host_ids) == len(set(host_ids))
    identities = Counter((str(b.nir), str(b.birth_date), b.rang_naissance) for b in dataset.beneficiaries)
    assert max(identities.values()) == 1


def test_population_is_varied(dataset):
    population = [dataset.beneficiary_of(c) for c in dataset.population_contracts]
    assert any(b.birth_date.is_lunar for b in population)
    assert any(b.nir.is_corsican for b in population)
    assert any(b.rang_naissance == 2 for b in population)  # twins
    assert sum(b.insured_nir is not None for b in population) > 20  # children under a parent's NIR
    assert len({c.attestation.numero_amc for c in dataset.population_contracts}) >= 5


def test_every_contract_is_routable_and_identifiable(dataset):
    for contract in dataset.population_contracts:
        attestation = contract.attestation
        route = dataset.resolve(attestation.numero_amc, attestation.type_convention, attestation.critere_secondaire)
        assert isinstance(route, Route) and route.status == ACTIVE
        assert dataset.host(route.host_id).serves(attestation.numero_amc)
        assert dataset.identify(dataset.beneficiary_of(contract), attestation.numero_amc) is contract
    served = {n for h in dataset.hosts for n in h.numeros_amc}
    assert served == {o.numero_amc for o in dataset.organisations if o.in_roc}


def test_draw_stays(dataset):
    first = dataset.draw_stays(seed=1, n=40, worker_index=0)
    assert first == dataset.draw_stays(seed=1, n=40, worker_index=0)
    assert dataset.draw_stays(seed=1, n=10, worker_index=0, start=30) == first[30:]
    second = dataset.draw_stays(seed=1, n=40, worker_index=1)
    venues = [d.stay.venue_number for d in first + second]
    assert len(venues) == len(set(venues)) and venues[0] == "0000000000" and second[0].stay.venue_number == "0010000000"
    assert len({d.contract.contract_id for d in first}) == 40  # distinct patients within a worker's first draws
    assert len({(d.stay.domaine, d.stay.stay_type) for d in first + second}) >= 4  # the morning mix, not one kind
    for drawn in first + second:
        assert check_lines(drawn.stay, drawn.lines) is None
        assert rights_status(drawn.contract, drawn.stay) is RightsStatus.OPEN
        assert drawn.attestation == drawn.contract.attestation and drawn.beneficiary.rang_naissance in (1, 2)
    with pytest.raises(ValueError, match="worker_index"):
        dataset.draw_stays(seed=1, n=1, worker_index=900)
