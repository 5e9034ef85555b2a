"""IDB rights: statuses from validity, suspension and context; rule selection; identity checks."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from simulators.domain import Beneficiary, BirthDate, CoverageRule, Domaine, Nir
from simulators.domain.quotes import RightsStatus
from simulators.domain.rights import check_identity, coverage_for, effective_rules, identify, rule_for

from .factories import ADMISSION, CP, DISCHARGE, FJ, GHS, NIR, contract, standard_rules, stay


@pytest.mark.parametrize("valid_from, valid_to, status, refusal", [
    (date(2026, 1, 1), ADMISSION, RightsStatus.OPEN, None),  # closes on admission day: still open that day
    (date(2026, 1, 1), ADMISSION - timedelta(days=1), RightsStatus.CLOSED, "rights.closed"),
    (ADMISSION, date(2027, 1, 1), RightsStatus.OPEN, None),
    (ADMISSION + timedelta(days=2), date(2027, 1, 1), RightsStatus.NOT_YET_OPEN, "rights.not_yet_open"),
    (DISCHARGE + timedelta(days=30), date(2027, 1, 1), RightsStatus.NOT_YET_OPEN, "rights.not_yet_open"),
    (date(2026, 1, 1), ADMISSION + timedelta(days=1), RightsStatus.OPEN, None),  # closes mid-stay
])
def test_status_from_validity(valid_from, valid_to, status, refusal):
    coverage = coverage_for(contract(*standard_rules(), valid_from=valid_from, valid_to=valid_to), stay())
    assert (coverage.status, coverage.refusal) == (status, refusal)
    assert (coverage.valid_from, coverage.valid_to) == (valid_from, valid_to)  # the GAP learns the dates
    assert bool(coverage.rules) == (status is RightsStatus.OPEN)


def test_suspended_and_precedence():
    suspended = contract(*standard_rules(), suspended=True)
    assert coverage_for(suspended, stay()).refusal == "rights.suspended"
    closed_and_suspended = replace(suspended, valid_to=ADMISSION - timedelta(days=1))
    assert coverage_for(closed_and_suspended, stay()).refusal == "rights.closed"


def test_domaine_not_covered():
    mco_only = contract(CoverageRule(GHS, domaine="MCO", rate_pct=100), CoverageRule(FJ, domaine="MCO", rate_pct=100))
    assert coverage_for(mco_only, stay()).status is RightsStatus.OPEN
    for domaine in (Domaine.SSR, Domaine.PSY, Domaine.HAD):
        coverage = coverage_for(mco_only, stay(domaine))
        assert coverage.status is RightsStatus.DOMAINE_NOT_COVERED
        assert coverage.refusal == "coverage.domaine_not_covered"


def test_dmt_and_mode_narrow_the_context():
    rules = (CoverageRule(GHS, dmt="100", rate_pct=100), CoverageRule(FJ, mode_traitement="03", rate_pct=100))
    assert coverage_for(contract(*rules), stay(dmt="999", mode_traitement="19")).status is \
        RightsStatus.DOMAINE_NOT_COVERED
    assert [r.family for r in coverage_for(contract(*rules), stay(dmt="999")).rules] == [FJ]


def test_most_specific_rule_wins_and_effective_rules_keep_one_per_family():
    general = CoverageRule(FJ, rate_pct=100)
    psy = CoverageRule(FJ, domaine="PSY", rate_pct=100, ceiling_cents=135_000)
    psy_dmt = CoverageRule(FJ, domaine="PSY", dmt="100", rate_pct=50)
    rules = (general, psy, CoverageRule(CP, flat_cents=5_000), psy_dmt)
    assert rule_for(rules, FJ, stay()) == general
    assert rule_for(rules, FJ, stay(Domaine.PSY, dmt="200")) == psy
    assert rule_for(rules, FJ, stay(Domaine.PSY)) == psy_dmt
    assert rule_for(rules, GHS, stay()) is None
    assert effective_rules(rules, stay(Domaine.PSY)) == (psy_dmt, CoverageRule(CP, flat_cents=5_000))
    tie = CoverageRule(FJ, rate_pct=10)
    assert rule_for((general, tie), FJ, stay()) == general


def test_responsable_flag_is_the_attestation_s():
    c = contract(*standard_rules())
    c = replace(c, attestation=replace(c.attestation, responsable=False))
    assert coverage_for(c, stay()).responsable is False


MOTHER = Beneficiary(Nir.parse(NIR), BirthDate.parse("1969-05-12"), 1, "MARTIN", "Claire")
TWIN_1 = Beneficiary(Nir.parse(NIR), BirthDate.parse("2015-03-00"), 1, "MARTIN", "Léa", insured_nir=Nir.parse(NIR))
TWIN_2 = replace(TWIN_1, rang_naissance=2, first_name="Zoé")


def _family():
    return (contract(contract_id="M", birth_date=MOTHER.birth_date),
            contract(contract_id="T1", birth_date=TWIN_1.birth_date),
            contract(contract_id="T2", birth_date=TWIN_2.birth_date, rang_naissance=2))


def test_identify_twins_by_rang():
    contracts = _family()
    assert identify(contracts, TWIN_2, "123456782").contract_id == "T2"
    assert identify(contracts, TWIN_1, "123456782").contract_id == "T1"
    assert identify(contracts, MOTHER, "123456782").contract_id == "M"
    assert identify(contracts, replace(TWIN_2, rang_naissance=3), "123456782") == "beneficiary.identity_mismatch"
    assert identify(contracts, TWIN_2, "999999999") == "beneficiary.unknown"


def test_identity_errors():
    c = _family()[2]
    assert check_identity(c, TWIN_2) is None
    assert check_identity(c, TWIN_1) == "beneficiary.identity_mismatch"  # rang 1
    assert check_identity(c, replace(TWIN_2, birth_date=BirthDate.parse("2015-03-01"))) == \
        "beneficiary.identity_mismatch"
    assert check_identity(c, replace(TWIN_2, last_name="MARTIN-DURAND")) is None  # names are not compared
    other = replace(TWIN_2, nir=Nir.parse("255081416802538"))
    assert check_identity(c, other) == "beneficiary.unknown"
    bad_key = replace(TWIN_2, nir=Nir(Nir.parse(NIR).body, 81))
    assert check_identity(c, bad_key) == "beneficiary.nir_key_invalid"
    assert identify([c], bad_key, "123456782") == "beneficiary.nir_key_invalid"
    assert check_identity(replace(c, birth_date=None), replace(TWIN_2, birth_date=BirthDate.parse("2015-03-01"))) \
        is None
