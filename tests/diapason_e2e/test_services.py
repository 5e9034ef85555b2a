"""The bundled desk services: session behaviours for the terminal and the acquirer, per-session terminals
journaling into the store under their session."""
from __future__ import annotations

import pytest
import requests

from conformance.diapason_services import (CountedBehaviours, DeskTerminals, SessionBehaviours, SessionScript,
                                           fault_params)
from hardware_emulator.caisse_ap import client
from simulators.gap.diapason_actions import LANES
from simulators.store import Store


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.ensure_session("s1")
    yield store
    store.close()


@pytest.mark.parametrize("name", ["terminal:wrong_pin", "terminal_fault:late_answer:delay=2",
                                  "terminal_fault:nak_frame", "acquirer:decline:51", "acquirer:latency:1200ms"])
def test_the_control_api_takes_the_desk_behaviours(desk, name):
    requests.post(f"{desk.url}/_bench/sessions", json={"id": "beh-ok"}, timeout=5)
    answer = requests.post(f"{desk.url}/_bench/sessions/beh-ok/behaviours", json={"name": name}, timeout=5)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("name, hint", [("terminal:stolen", "wrong_pin"), ("terminal_fault:bogus", "nak_frame"),
                                        ("acquirer:decline:5", "decline:05")])
def test_bad_desk_behaviours_are_refused_with_the_valid_ones(desk, name, hint):
    requests.post(f"{desk.url}/_bench/sessions", json={"id": "beh-bad"}, timeout=5)
    answer = requests.post(f"{desk.url}/_bench/sessions/beh-bad/behaviours", json={"name": name}, timeout=5)
    assert answer.status_code == 400 and hint in answer.json()["error"]


def test_fault_parameters():
    assert fault_params("delay=2,data=00ff") == {"delay": 2.0, "data": "00ff"}
    assert fault_params("") == {}


def test_the_script_follows_the_session_behaviours_as_they_come(store):
    script = SessionScript(store, "s1")
    script.protocol = "concert"
    assert script.next_outcome(100).name == "approved"
    store.add_behaviour("s1", "terminal:wrong_pin", actor="terminal", remaining=2)
    store.add_behaviour("s1", "terminal_fault:corrupt_lrc", actor="terminal", remaining=1)
    store.add_behaviour("s1", "terminal_fault:bad_length", actor="terminal")  # Caisse-AP only: skipped
    store.add_behaviour("s1", "terminal:declined", actor="amc")  # another actor's: ignored
    assert [script.next_outcome(100).name for _ in range(3)] == ["wrong_pin", "wrong_pin", "approved"]
    assert script.take_fault("corrupt_lrc") is not None and script.take_fault("corrupt_lrc") is None
    assert script.skipped and "bad_length" in script.skipped[0]
    store.add_behaviour("s1", "terminal:input_timeout", actor="terminal")  # no count: from now on
    assert {script.next_outcome(100).name for _ in range(3)} == {"input_timeout"}


def test_acquirer_behaviours_answer_that_many_messages(store):
    counted = CountedBehaviours(SessionBehaviours(store, "s1", "acquirer", "acquirer:"))
    store.add_behaviour("s1", "acquirer:decline:51", actor="acquirer", remaining=2)
    assert [counted.next_name() for _ in range(3)] == ["decline:51", "decline:51", None]
    store.add_behaviour("s1", "acquirer:no_response", actor="acquirer")
    assert [counted.next_name() for _ in range(2)] == ["no_response", "no_response"]


def test_each_session_gets_its_own_terminal_journaling_under_it(store):
    lanes = DeskTerminals(store, seed=1)
    try:
        address = lanes.open("s1", "caisse-ap")
        assert lanes.open("s1", "caisse-ap") == address and lanes.open("s2", "caisse-ap") != address
        host, _, port = address.rpartition(":")
        store.add_behaviour("s1", "terminal:operator_abort", actor="terminal", remaining=1)
        answers = client.request(host, int(port), [("CZ", "0300"), ("CJ", "012345678901"), ("CA", "01"),
                                                   ("CB", "1500"), ("CD", "7"), ("CE", "978")], timeout=5)
        assert answers[-1]["AE"] == "01" and answers[-1]["AF"] == "11"
        (entry,) = [e for _, e in store.journal("s1") if e.actor == "terminal"]
        assert entry.session == "s1" and entry.outcome == "operator_abort"
        assert [e for _, e in store.journal("s2") if e.actor == "terminal"] == []
        assert lanes.open("s1", "concert").startswith("/dev/")
    finally:
        lanes.close()


def test_the_bundled_service_is_found_by_the_reference_actions(desk):
    assert desk.environment["diapason_terminals"] in LANES
    assert desk.environment["acquirer"].startswith("127.0.0.1:")
