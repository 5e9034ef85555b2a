"""StayCase: built from personas and drawn stays, and its plain JSON (the HTTP driver's admit payload)."""
from __future__ import annotations

import json

import jsonschema
import pytest

from simulators.gap.cases import CASE_SCHEMA, CaseError, StayCase


def test_every_persona_survives_json(dataset):
    for persona in dataset.personas.values():
        case = StayCase.from_persona(persona)
        assert StayCase.from_json(case.to_json()) == case, persona.name


def test_json_is_plain_for_other_languages(dataset):
    data = json.loads(StayCase.from_persona(dataset.persona("rights-open")).to_json())
    assert len(data["beneficiary"]["nir"]) == 15 and isinstance(data["beneficiary"]["nir"], str)
    assert data["stay"]["admission_date"] == dataset.reference_date.isoformat()
    line = data["lines"][0]
    assert isinstance(line["unit_price_cents"], int) and line["family"] == "GHS"
    jsonschema.Draft202012Validator.check_schema(CASE_SCHEMA)
    jsonschema.validate(data, CASE_SCHEMA)


def test_edge_identities_travel_as_typed(dataset):
    lunar = StayCase.from_json(StayCase.from_persona(dataset.persona("lunar-birth-date")).to_json())
    assert lunar.beneficiary.birth_date.is_lunar
    wrong = dataset.persona("nir-key-invalid")
    assert StayCase.from_json(StayCase.from_persona(wrong).to_json()).beneficiary.nir == wrong.beneficiary.nir
    corsica = StayCase.from_persona(dataset.persona("corsica-nir"))
    assert StayCase.from_json(corsica.to_json()).beneficiary.nir.is_corsican


def test_drawn_stays_make_cases(dataset):
    drawn = dataset.draw_stays(seed=1, n=3)
    cases = [StayCase.from_drawn(d) for d in drawn]
    assert [c.venue for c in cases] == [d.stay.venue_number for d in drawn]
    assert all(StayCase.from_json(c.to_dict()) == c for c in cases)


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["stay"].update(admission_date="2026/11/25"), "stay.admission_date"),
    (lambda d: d["stay"].update(admission_date="2026-02-30"), "stay.admission_date"),
    (lambda d: d["beneficiary"].update(nir="12345"), "beneficiary.nir"),
    (lambda d: d["lines"][0].update(family="XX"), "lines.0.family"),
    (lambda d: d.pop("attestation"), "(case)"),
    (lambda d: d["stay"].update(colour="blue"), "stay"),
])
def test_bad_cases_name_the_field(dataset, mutate, where):
    data = StayCase.from_persona(dataset.persona("rights-open")).to_dict()
    mutate(data)
    with pytest.raises(CaseError) as caught:
        StayCase.from_json(data)
    assert str(caught.value).startswith(where)


def test_not_json_is_a_case_error():
    with pytest.raises(CaseError, match="not JSON"):
        StayCase.from_json("{admit")
