"""In-memory state: session routing, behaviour queues, and a JSON snapshot that survives a restart."""
from __future__ import annotations

import json

import pytest

from simulators.acquirer.state import InMemoryAcquirerState, StanRecord, Transaction

HOLD = Transaction(id="000000000001", session="s1", kind="authorisation", mti="0100", stan="000001",
                   terminal_id="TERM0001", merchant_id="", original_key="0100" + "0" * 38, day="2026-03-02",
                   amount=1_000, currency="978", response_code="00", status="authorised", auth_id="007919",
                   card_token="tok_x", masked_pan="497010******1234", hold=1_000)


def test_routing_by_terminal_then_merchant_then_default():
    state = InMemoryAcquirerState()
    state.bind("by-terminal", terminal_id="TERM0001")
    state.bind("by-merchant", merchant_id="SHOP")
    assert state.session_for("TERM0001", "SHOP") == "by-terminal"
    assert state.session_for("TERM0002", "SHOP") == "by-merchant"
    assert state.session_for("TERM0002", "OTHER") == "default"


def test_snapshot_round_trips_through_json():
    state = InMemoryAcquirerState()
    state.bind("s1", terminal_id="TERM0001")
    state.put(HOLD)
    state.remember_stan("s1", StanRecord("1|TERM0001|2026-03-02|000001", "00", "007919", HOLD.id))
    state.script("s1", ["decline:05", "duplicate"])
    state.next_sequence("s1")
    revived = InMemoryAcquirerState()
    revived.restore(json.loads(json.dumps(state.snapshot())))
    assert revived.snapshot() == state.snapshot()
    assert revived.find_original("s1", "TERM0001", HOLD.original_key) == HOLD
    assert [revived.next_behaviour("s1"), revived.next_behaviour("s1"), revived.next_behaviour("s1")] == [
        "decline:05", "duplicate", None]
    assert revived.next_sequence("s1") == 2
    assert revived.next_sequence("s2") == 1  # numbered per session


@pytest.mark.parametrize(("data", "message"), [
    ({"version": 9}, "expected version 1 or 2, received 9"),
    ({"version": 1, "sequence": 0, "terminals": {}, "merchants": {}}, "malformed"),
    ({"version": 1, "sequence": 0, "terminals": {}, "merchants": {},
      "sessions": {"s": {"transactions": [{"id": "1", "pan": "x"}], "stans": [], "behaviours": []}}}, "malformed"),
])
def test_bad_snapshots_are_refused_and_leave_the_state_alone(data, message):
    state = InMemoryAcquirerState()
    state.put(HOLD)
    with pytest.raises(ValueError, match=message):
        state.restore(data)
    assert state.transactions("s1") == [HOLD]


def test_reset_forgets_one_session():
    state = InMemoryAcquirerState()
    state.put(HOLD)
    state.reset("s1")
    assert state.transactions("s1") == []
