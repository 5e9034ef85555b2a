import json

import pytest

from reports.json_report import read_json, schema_problems, write_json


def test_run_json_validates_against_its_schema(sample_run, tmp_path):
    path = write_json(sample_run, tmp_path / "run.json")
    document = json.loads(path.read_text())
    assert document["schema_version"] == "1.1"
    assert schema_problems(document) == []
    assert document["verdict"] == "bench error" and document["exit_code"] == 3
    assert document["counts"] == {"pass": 1, "fail": 1, "error": 1, "skip": 1}
    assert read_json(path).info.seed == 42


def test_schema_catches_a_broken_document(sample_run, tmp_path):
    path = write_json(sample_run, tmp_path / "run.json")
    document = json.loads(path.read_text())
    document["scenarios"][0]["outcome"] = "maybe"
    del document["info"]["seed"]
    problems = schema_problems(document)
    assert any(p.startswith("info: 'seed' is a required property") for p in problems), problems
    assert any(p.startswith("scenarios/0/outcome: 'maybe' is not one of") for p in problems), problems
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="is not a valid run report"):
        read_json(path)
