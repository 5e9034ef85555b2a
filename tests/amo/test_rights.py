"""AMO rights derived from the dataset: deterministic, every person known, statuses on the boundaries."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from simulators.amo.cases import amo_cases
from simulators.amo.rights import (AmoStatus, ExonerationReason, Quality, RightsPeriod, amo_directory,
                                   default_record)
from simulators.data.dataset import build_dataset
from simulators.domain import Nir


def test_directory_is_a_pure_function_of_the_seed(dataset):
    again = build_dataset(dataset.seed)
    first, second = amo_directory(dataset), amo_directory(again)
    for person in dataset.beneficiaries[:50]:
        assert first.identify(person) == second.identify(person)
    assert {n: c.card() for n, c in amo_cases(dataset).items()} == {n: c.card() for n, c in amo_cases(again).items()}


def test_another_seed_gives_other_organismes(dataset):
    other = build_dataset(dataset.seed + 1)
    codes = {amo_directory(dataset).identify(p).organisme.code for p in dataset.beneficiaries[:30]}
    other_codes = {amo_directory(other).identify(p).organisme.code for p in other.beneficiaries[:30]}
    assert codes != other_codes


def test_every_person_with_an_amc_contract_is_known_to_the_amo_on_their_stay(dataset):
    """AMO and AMC views agree: every persona the AMC knows has open AMO rights on the admission date."""
    directory = amo_directory(dataset)
    for persona in dataset.personas.values():
        if persona.contract is None:
            continue
        person = persona.beneficiary
        if persona.name == "nir-key-invalid":
            assert directory.identify(person) == "beneficiary.nir_key_invalid"
            person = replace(person, nir=Nir.with_key(person.nir.body))
        record = directory.identify(person)
        assert not isinstance(record, str), persona.name
        assert record.status_on(persona.stay.admission_date) is AmoStatus.OPEN, persona.name


def test_household_shares_an_organisme_and_dependants_are_rang_2(dataset):
    directory = amo_directory(dataset)
    twin = dataset.persona("twins-rank-2").beneficiary
    record = directory.identify(twin)
    parent = next(b for b in dataset.beneficiaries if b.nir == twin.insured_nir and b.insured_nir is None)
    parent_record = directory.identify(parent)
    assert (record.quality, record.rang_beneficiaire, parent_record.quality, parent_record.rang_beneficiaire) == (
        Quality.DEPENDANT, 2, Quality.INSURED, 1)
    assert record.organisme == parent_record.organisme
    assert record.beneficiary.insured_nir == parent.nir


def test_identify_tells_unknown_mismatch_and_bad_key_apart(dataset, cases):
    directory = amo_directory(dataset)
    person = cases["amo-open"].beneficiary
    assert directory.identify(cases["amo-unknown"].beneficiary) == "beneficiary.unknown"
    assert directory.identify(replace(person, rang_naissance=2)) == "beneficiary.identity_mismatch"
    assert directory.identify(replace(person, nir=Nir(person.nir.body, person.nir.key % 97 + 1))) == \
        "beneficiary.nir_key_invalid"


def test_status_on_the_period_boundaries(dataset):
    person = dataset.persona("rights-open").beneficiary
    record = replace(default_record(dataset.seed, dataset.reference_date, person),
                     periods=(RightsPeriod(date(2026, 1, 1), date(2026, 6, 30)),
                              RightsPeriod(date(2026, 9, 1), date(2026, 12, 31))))
    assert record.status_on(date(2025, 12, 31)) is AmoStatus.NOT_YET_OPEN
    assert record.status_on(date(2026, 1, 1)) is AmoStatus.OPEN
    assert record.status_on(date(2026, 6, 30)) is AmoStatus.OPEN
    assert record.status_on(date(2026, 7, 1)) is AmoStatus.CLOSED  # a gap between periods
    assert record.status_on(date(2027, 1, 1)) is AmoStatus.CLOSED
    assert record.covers(date(2026, 9, 1), date(2026, 12, 31)) and not record.covers(date(2026, 6, 30),
                                                                                     date(2026, 9, 1))


@pytest.mark.parametrize("name, reason", [("amo-ald", ExonerationReason.ALD),
                                          ("amo-maternity", ExonerationReason.MATERNITY),
                                          ("amo-work-accident", ExonerationReason.WORK_ACCIDENT)])
def test_exoneration_cases_apply_on_their_stay_and_not_before(cases, name, reason):
    case = cases[name]
    admitted = case.stay.admission_date
    assert [e.reason for e in case.record.exonerations_on(admitted)] == [reason]
    assert case.record.exonerations_on(case.record.exonerations[0].start - timedelta(days=1)) == ()


def test_cases_pick_distinct_people_fitting_their_story(cases, dataset):
    people = [(c.beneficiary.nir.body, str(c.beneficiary.birth_date)) for c in cases.values()]
    assert len(set(people)) == len(people)
    maternity = cases["amo-maternity"].beneficiary
    assert maternity.nir.body[0] == "2"
    assert cases["amo-msa"].record.organisme.regime == "02"
    assert cases["amo-css"].record.css_on(dataset.reference_date) is not None
    assert all(c.contract is not None for n, c in cases.items() if n != "amo-unknown")
