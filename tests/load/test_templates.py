"""Pre-encoded requests: filled templates are valid requests of the profile (ROC and CDRi), venues never repeat
across workers."""
from __future__ import annotations

import pytest

from load.templates import (CDRI, CDRI_PROFILE, SLOT_MARKERS, Clock, StayPool, Template, TemplateError,
                            encode_cdri, encode_stay, establishment_for, soap_headers)
from simulators.amo.messages import CdriRequest
from simulators.amo.rights import amo_directory
from simulators.profiles import load_profile
from simulators.roc import decode
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings
from simulators.soap import parse_envelope

VALUES = {"exchange": b"GAP-0000abcd-000001", "timestamp": b"2026-11-25T08:00:00+00:00",
          "reference": b"IDB0123456789ABCDEF", "commitment": b"ENG0123456789ABCDEF", "venue": b"0071234567"}


@pytest.fixture(scope="module")
def profile():
    return load_profile()


@pytest.fixture(scope="module")
def dataset():
    return dataset_for_seed(Settings().seed)


@pytest.mark.parametrize("soap_version", ["1.1", "1.2"])
def test_filled_templates_are_schema_valid_requests_carrying_the_slot_values(profile, dataset, soap_version):
    drawn = dataset.draw_stays(seed=3, n=1, worker_index=7)[0]
    templates = encode_stay(drawn, profile, soap_version)
    assert set(templates.requests) == {"ANNUAIRE", "IDB", "SIM", "CLC", "ANN"}
    for operation, template in templates.requests.items():
        body = template.render(VALUES)
        assert not any(marker[1:-1] in body for marker in SLOT_MARKERS.values()), operation
        envelope = parse_envelope(body, soap_headers(profile, soap_version)[operation]["Content-Type"])
        assert envelope.version.value == soap_version and profile.validate(envelope.body) == [], operation
        message = decode(envelope.body, profile)
        assert message.header.exchange_id == "GAP-0000abcd-000001"
        assert message.header.timestamp.isoformat() == "2026-11-25T08:00:00+00:00"
        assert message.header.finess_geographique == str(drawn.establishment.finess_geographique)
        if hasattr(message, "stay"):
            assert message.stay.venue_number == "0071234567"
            assert message.beneficiary == drawn.beneficiary and message.stay.admission_date == drawn.stay.admission_date
        if hasattr(message, "idb_reference"):
            assert message.idb_reference == "IDB0123456789ABCDEF"
    assert decode(parse_envelope(templates.requests["ANN"].render(VALUES)).body, profile).commitment_number == \
        "ENG0123456789ABCDEF"


def test_pools_hand_out_distinct_venues_across_workers_and_reuse_templates(profile, dataset):
    pools = [StayPool(dataset, profile, seed=1, worker_index=w, offset=10, size=4) for w in (0, 1)]
    visits = [pool.next_visit() for pool in pools for _ in range(10)]
    assert len({v.venue for v in visits}) == 20
    assert [v.venue for v in visits[:3]] == ["0000000010", "0000000011", "0000000012"]
    assert visits[10].venue == "0010000010"
    # the first `size` visits are the stays draw_stays gives, later ones reuse them with their own venue
    drawn = dataset.draw_stays(1, 4, 1, 10)
    assert [v.templates.drawn for v in visits[10:14]] == list(drawn)
    assert visits[14].templates is visits[10].templates and visits[14].venue == "0010000014"


def test_a_template_refuses_a_marker_missing_or_repeated():
    with pytest.raises(TemplateError, match="found 0"):
        Template.cut(b"<a>x</a>", {"exchange": b">LOADSLOTEXCHANGE<"})
    with pytest.raises(TemplateError, match="found 2"):
        Template.cut(b"<a>V</a><b>V</b>", {"venue": b">V<"})
    template = Template.cut(b"<a>V</a><b>R</b>", {"venue": b">V<", "reference": b">R<"})
    assert template.render({"venue": b"1", "reference": b"2"}) == b"<a>1</a><b>2</b>"


def test_the_clock_formats_once_per_second():
    now = [1_700_000_000.2]
    clock = Clock(lambda: now[0])
    first = clock()
    now[0] += 0.5
    assert clock() is first and first == b"2023-11-14T22:13:20+00:00"
    now[0] += 1
    assert clock() == b"2023-11-14T22:13:21+00:00"


def test_a_run_can_speak_for_one_finess(profile, dataset):
    chu = dataset.establishment("chu")
    assert establishment_for(dataset, str(chu.finess_juridique)) is chu
    alone = establishment_for(dataset, "750000010")
    assert str(alone.finess_juridique) == str(alone.finess_geographique) == "750000010"
    pool = StayPool(dataset, profile, seed=1, worker_index=0, size=3, establishment=alone)
    assert {v.templates.drawn.establishment for v in (pool.next_visit() for _ in range(3))} == {alone}
    body = pool.templates[0].requests["CLC"].render(VALUES)
    assert b">750000010<" in body and str(chu.finess_geographique).encode() not in body


@pytest.mark.parametrize("soap_version", ["1.1", "1.2"])
def test_the_cdri_request_asks_the_rights_of_the_stays_beneficiary_on_its_admission_date(dataset, soap_version):
    cdri = load_profile(CDRI_PROFILE)
    drawn = dataset.draw_stays(seed=3, n=1, worker_index=7)[0]
    template = encode_cdri(drawn, cdri, soap_version)
    assert template.slots == ("exchange", "timestamp")
    body = template.render(VALUES)
    envelope = parse_envelope(body, soap_headers(cdri, soap_version, (CDRI,))[CDRI]["Content-Type"])
    assert envelope.version.value == soap_version and cdri.validate(envelope.body) == []
    message = decode(envelope.body, cdri)
    assert isinstance(message, CdriRequest) and message.header.exchange_id == "GAP-0000abcd-000001"
    assert message.header.profile == CDRI_PROFILE
    assert message.beneficiary == drawn.beneficiary and message.care_date == drawn.stay.admission_date
    # the AMO of the simulators knows the person (the same dataset)
    assert not isinstance(amo_directory(dataset).identify(message.beneficiary), str)


def test_a_pool_with_the_cdri_profile_adds_each_stays_cdri_request(profile, dataset):
    cdri = load_profile(CDRI_PROFILE)
    pool = StayPool(dataset, profile, seed=1, worker_index=2, size=3, cdri_profile=cdri)
    visit = pool.next_visit()
    assert set(visit.templates.requests) == {"ANNUAIRE", "IDB", "SIM", "CLC", "ANN", CDRI}
    assert visit.templates.requests[CDRI] == encode_cdri(visit.templates.drawn, cdri)
    assert CDRI not in StayPool(dataset, profile, seed=1, worker_index=2, size=1).next_visit().templates.requests
    assert soap_headers(cdri, "1.1", (CDRI,))[CDRI]["SOAPAction"] == \
        '"urn:simphonie-bench:bench-cdri-1:CDRI:ConsulterDroits"'
