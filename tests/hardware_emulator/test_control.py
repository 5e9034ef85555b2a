"""The /_terminal control blueprint, mounted in a bare Flask app."""
from __future__ import annotations

import pytest
from flask import Flask

from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.control import create_control_blueprint
from hardware_emulator.emulator import TerminalEmulator
from hardware_emulator.registry import TerminalRegistry

from .conftest import FakeClock, concert_request, shuttle


@pytest.fixture
def registry():
    return TerminalRegistry()


@pytest.fixture
def emulator(registry):
    return TerminalEmulator("concert", "pty", registry=registry, name="desk1")  # not started: cores in memory


@pytest.fixture
def http(registry, emulator):
    app = Flask(__name__)
    app.register_blueprint(create_control_blueprint(registry))
    return app.test_client()


def test_list_shows_terminals_and_catalogues(http):
    body = http.get("/_terminal/").get_json()
    assert [t["name"] for t in body["terminals"]] == ["desk1"]
    assert body["terminals"][0]["protocol"] == "concert"
    assert "wrong_pin" in [o["name"] for o in body["outcomes"]]
    assert "corrupt_lrc" in [f["kind"] for f in body["faults"]]


def test_put_outcomes_replaces_and_post_appends(http, emulator):
    http.put("/_terminal/desk1/outcomes", json={"outcomes": ["wrong_pin"], "default": "declined"})
    response = http.post("/_terminal/desk1/outcomes", json={"outcomes": [{"name": "approved", "delay": 2}]})
    assert response.status_code == 200
    script = response.get_json()["script"]
    assert [o["name"] for o in script["outcomes"]] == ["wrong_pin", "approved"]
    assert script["default_outcome"] == "declined"
    assert emulator.script.next_outcome(1).name == "wrong_pin"


def test_scripted_outcome_reaches_the_terminal(http, emulator):
    http.put("/_terminal/desk1/outcomes", json={"outcomes": ["expired_card"]})
    http.put("/_terminal/desk1/faults", json={"faults": [{"kind": "wrong_echo"}]})
    clock = FakeClock()
    result = shuttle(emulator.new_core(), ConcertCashRegister(concert_request(), clock=clock), clock)
    assert result.answer.status == "7" and result.echo_errors
    body = http.get("/_terminal/desk1/journal").get_json()
    assert body["next"] == 1
    (entry,) = body["entries"]
    assert entry["actor"] == "terminal" and entry["outcome"] == "expired_card"
    assert entry["meta"]["faults"] == ["wrong_echo"]
    assert http.get("/_terminal/desk1/journal?since=1").get_json()["entries"] == []


def test_faults_put_post_delete(http):
    http.put("/_terminal/desk1/faults", json={"faults": [{"kind": "nak_frame", "count": 2}]})
    body = http.post("/_terminal/desk1/faults", json={"faults": [{"kind": "split_write", "gap": 3.1}]}).get_json()
    assert [f["kind"] for f in body["script"]["faults"]] == ["nak_frame", "split_write"]
    assert http.delete("/_terminal/desk1/faults").get_json()["script"]["faults"] == []


def test_reset(http, emulator):
    http.put("/_terminal/desk1/outcomes", json={"outcomes": ["wrong_pin"], "amount_rules": {"5100": "declined"}})
    script = http.post("/_terminal/desk1/reset").get_json()["script"]
    assert script == {"default_outcome": "approved", "outcomes": [], "amount_rules": {}, "faults": []}


@pytest.mark.parametrize("method, url, body, status, message", [
    ("put", "/_terminal/desk1/outcomes", {"outcomes": ["stolen"]}, 400, "unknown outcome 'stolen'"),
    ("put", "/_terminal/desk1/outcomes", {}, 400, "expected at least one of"),
    ("put", "/_terminal/desk1/outcomes", ["wrong_pin"], 400, "must be a JSON object"),
    ("put", "/_terminal/desk1/faults", {"faults": [{"kind": "bad_length"}]}, 400, "does not apply to concert"),
    ("put", "/_terminal/desk1/faults", {}, 400, "missing key(s): faults"),
    ("put", "/_terminal/desk1/faults", {"faults": "nak"}, 400, "'faults' must be a list"),
    ("get", "/_terminal/nope", None, 404, "unknown terminal 'nope'; known: desk1"),
    ("get", "/_terminal/desk1/journal?since=-1", None, 400, "'since' must be a non-negative integer"),
    ("get", "/_terminal/bad%20name", None, 400, "invalid terminal name"),
])
def test_bad_requests_get_clear_json_errors(http, method, url, body, status, message):
    response = getattr(http, method)(url, json=body) if body is not None else getattr(http, method)(url)
    assert response.status_code == status
    assert message in response.get_json()["error"]


def test_scripting_a_terminal_before_it_exists_creates_its_slot(http, registry):
    assert http.put("/_terminal/desk2/outcomes", json={"outcomes": ["declined"]}).status_code == 200
    assert registry.slot("desk2").script.next_outcome(1).name == "declined"
