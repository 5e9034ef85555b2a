"""A GAP outside the bench's process asks the control API for its session's terminal and pays on it; the
terminal's frames land in that session's journal."""
from __future__ import annotations

import requests

from conformance.session_bench import bundled_simulators
from hardware_emulator.caisse_ap import client, tlv

PAYMENT = "CZ0040300CJ012012345678901CA00201CB0041250CD0010CE003978"  # protocol 0300, 12.50 EUR, debit


def test_session_terminal_is_handed_out_and_journals_in_its_session():
    with bundled_simulators(seed=20261125, services=("diapason-desk",)) as bench:
        requests.post(f"{bench.url}/_bench/sessions", json={"id": "desk-1"}, timeout=5).raise_for_status()
        answer = requests.post(f"{bench.url}/_bench/sessions/desk-1/terminal", json={"protocol": "caisse-ap"},
                               timeout=10)
        assert answer.status_code == 200, answer.text
        host, port = answer.json()["address"].rsplit(":", 1)
        (result,) = client.request(host, int(port), tlv.split(PAYMENT.encode())[0])
        assert result["AE"] == "10"
        journal = requests.get(f"{bench.url}/_bench/sessions/desk-1/journal", timeout=5).json()
        assert any(entry["actor"] == "terminal" for entry in journal)
        bad = requests.post(f"{bench.url}/_bench/sessions/desk-1/terminal", json={"protocol": "nexo"}, timeout=5)
        assert bad.status_code == 400 and "caisse-ap or concert" in bad.json()["error"]


def test_no_bundled_terminals_is_a_clear_404():
    with bundled_simulators(seed=20261125, services=()) as bench:
        answer = requests.post(f"{bench.url}/_bench/sessions/default/terminal", json={}, timeout=5)
        assert answer.status_code == 404 and "simphonie terminal" in answer.json()["error"]
