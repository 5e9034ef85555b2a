import json

from conformance.model import Outcome
from reports.json_report import dumps
from reports.serialize import masked, run_from_dict, run_to_dict

from report_samples import MASKED_PAN, PAN


def test_round_trip_through_the_canonical_form(sample_run):
    document = run_to_dict(sample_run)
    again = run_from_dict(json.loads(json.dumps(document)))
    assert run_to_dict(again) == document
    assert again.outcome is sample_run.outcome and again.counts() == sample_run.counts()
    assert again.scenarios[1].checks[0].evidence == sample_run.scenarios[1].checks[0].evidence


def test_masking_keeps_types_and_hides_card_numbers(sample_run):
    clean = masked(sample_run)
    request = clean.scenarios[1].journal[1].request
    assert PAN not in request and MASKED_PAN in request
    assert clean.scenarios[1].outcome is Outcome.FAIL and isinstance(clean.scenarios[1].status, Outcome)
    assert masked({"k": [PAN, 3, None]}) == {"k": [MASKED_PAN, 3, None]}


def test_output_is_deterministic(sample_run):
    assert dumps(sample_run) == dumps(sample_run)
    assert PAN not in dumps(sample_run)


def test_unknown_schema_version_is_refused(sample_run):
    document = run_to_dict(sample_run)
    document["schema_version"] = "2.0"
    try:
        run_from_dict(document)
    except ValueError as exc:
        assert "unsupported report schema_version '2.0'" in str(exc)
    else:
        raise AssertionError("accepted a 2.0 report")


def test_a_1_0_report_without_run_day_still_reads_and_validates(sample_run):
    from reports.json_report import schema_problems
    document = run_to_dict(sample_run)
    document["schema_version"] = "1.0"
    del document["info"]["reference_day"]  # 1.0 had no run day
    assert schema_problems(document) == []
    assert run_from_dict(document).info.reference_day == ""
