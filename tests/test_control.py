from __future__ import annotations

import pytest

from simulators.app import create_app
from simulators.settings import Settings


@pytest.fixture
def client(db_path):
    app = create_app(Settings(db_path=db_path, actors=()))
    return app.test_client()


def test_session_lifecycle(client):
    created = client.post("/_bench/sessions", json={"id": "editor-a", "seed": 5, "behaviours": ["latency:10ms"]})
    assert created.status_code == 201 and created.json["seed"] == 5
    session = client.get("/_bench/sessions/editor-a").json
    assert [b["name"] for b in session["behaviours"]] == ["latency:10ms"]
    assert client.post("/_bench/sessions/editor-a/behaviours", json={"name": "http_503", "service": "IDB",
                                                                       "count": 2}).status_code == 201
    assert [b["name"] for b in client.get("/_bench/sessions/editor-a/behaviours").json] == ["latency:10ms", "http_503"]
    assert client.put("/_bench/sessions/editor-a/clock", json={"date": "2027-02-01"}).json["clock"] == "2027-02-01"
    assert client.post("/_bench/sessions/editor-a/reset").status_code == 200
    assert client.get("/_bench/sessions/editor-a").json["clock"] is None
    assert client.delete("/_bench/sessions/editor-a").status_code == 200
    assert client.get("/_bench/sessions/editor-a").status_code == 404


def test_generated_session_ids_are_unique(client):
    first = client.post("/_bench/sessions").json["id"]
    second = client.post("/_bench/sessions").json["id"]
    assert first != second


@pytest.mark.parametrize("path, body, message", [
    ("/_bench/sessions", {"id": "bad id!"}, "invalid session id"),
    ("/_bench/sessions", {"seed": "x"}, "'seed' must be an integer"),
    ("/_bench/sessions/default/behaviours", {"name": "explode"}, "unknown behaviour 'explode'; valid: latency:1400ms"),
    ("/_bench/sessions/default/behaviours", {"name": "http_503", "count": 0}, "'count' must be a positive integer"),
    ("/_bench/sessions/default/behaviours", {"name": "soap_fault:no.such_key"}, "unknown error key 'no.such_key'"),
    ("/_bench/sessions/default/behaviours", ["http_503"], "request body must be a JSON object"),
])
def test_bad_control_requests_get_clear_errors(client, path, body, message):
    answer = client.post(path, json=body)
    assert answer.status_code == 400
    assert message in answer.json["error"]


def test_unknown_session_and_bad_clock(client):
    assert "unknown session 'nope'" in client.get("/_bench/sessions/nope/journal").json["error"]
    answer = client.put("/_bench/sessions/default/clock", json={"date": "2027-13-01"})
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.json["error"]
    assert client.get("/_bench/sessions/default/journal?since=x").status_code == 400


def test_unknown_paths_and_bad_session_prefix_are_clean_errors(client):
    assert client.get("/nowhere").status_code == 404
    answer = client.get("/s/bad%20id/_bench/health")
    assert answer.status_code == 400 and b"invalid test session id" in answer.data
    assert client.get("/s/ok-id/_bench/health").json["status"] == "ok"


def test_behaviour_catalogue_lists_every_kind(client):
    examples = {item["example"] for item in client.get("/_bench/behaviours").json}
    assert {"latency:1400ms", "timeout", "http_503", "soap_fault:rights.closed", "malformed_answer",
            "connection_reset"} <= examples


def test_a_session_pinned_on_a_day_moves_relative_to_it(client):
    from simulators import clock

    created = client.post("/_bench/sessions", json={"id": "campaign", "reference_day": "2028-02-29", "clock": "+0d"})
    assert created.status_code == 201
    assert (created.json["reference_day"], created.json["today"], created.json["reference_day_pinned"]) == (
        "2028-02-29", "2028-02-29", True)
    assert client.put("/_bench/sessions/campaign/clock", json={"date": "+1d"}).json["clock"] == "2028-03-01"
    assert client.get("/_bench/sessions/campaign").json["today"] == "2028-03-01"
    client.put("/_bench/sessions/campaign/clock", json={"date": None})
    assert client.get("/_bench/sessions/campaign").json["today"] == clock.today().isoformat()
    personas = client.get("/_bench/sessions/campaign").json
    assert personas["reference_day"] == "2028-02-29"  # the clock moved, the dataset's anchor did not


def test_a_floating_session_follows_the_process_clock(client):
    from simulators import clock

    client.post("/_bench/sessions", json={"id": "walk-in"})
    with clock.pinned("2031-07-14T12:00"):
        shown = client.get("/_bench/sessions/walk-in").json
        assert (shown["reference_day"], shown["today"], shown["reference_day_pinned"]) == (
            "2031-07-14", "2031-07-14", False)


@pytest.mark.parametrize("body", [{"id": "x", "reference_day": "29/02/2028"}, {"id": "x", "clock": "tomorrow"}])
def test_bad_days_are_refused_with_the_accepted_forms(client, body):
    answer = client.post("/_bench/sessions", json=body)
    assert answer.status_code == 400 and "+Nd" in answer.json["error"]
    assert client.get("/_bench/sessions/x").status_code == 404  # nothing half-created
