from __future__ import annotations

import threading

import pytest

from simulators.journal import JournalEntry
from simulators.store import Commitment, Store, StoreConflict


def _commitment(session: str, number: str, venue: str = "V1", status: str = "active") -> Commitment:
    return Commitment(session, number, "750000010", venue, "185057512345673", "123456789", status,
                      "2026-11-01", "2026-12-31", 1200, 5000, {"amc_cents": 1200})


def test_committed_state_survives_a_restart(db_path):
    first = Store(db_path)
    first.create_session("campaign-a", seed=7)
    first.add_commitment(_commitment("campaign-a", "ENG-1"))
    first.record(JournalEntry("campaign-a", "amc", "CLC", "2026-11-25T00:00:00Z", 1.0, "<req/>", "<ans/>"))
    first.close()

    second = Store(db_path)
    assert second.session("campaign-a").seed == 7
    assert second.commitment("campaign-a", "ENG-1").status == "active"
    assert [e.service for _, e in second.journal("campaign-a")] == ["CLC"]


def test_sessions_do_not_see_each_other(store):
    store.create_session("a")
    store.create_session("b")
    store.add_commitment(_commitment("a", "ENG-1"))
    store.add_behaviour("a", "http_503")
    store.record(JournalEntry("a", "amc", "IDB", "t", 1.0, "x", "y"))
    assert store.commitments("b") == []
    assert store.behaviours("b") == []
    assert store.journal("b") == []
    # same venue in another session is a different stay
    store.add_commitment(_commitment("b", "ENG-1"))
    assert store.commitment("b", "ENG-1").session == "b"


def test_second_active_commitment_for_a_stay_is_refused_until_cancelled(store):
    store.add_commitment(_commitment("default", "ENG-1"))
    with pytest.raises(StoreConflict) as caught:
        store.add_commitment(_commitment("default", "ENG-2"))
    assert caught.value.key == "commitment.active_exists"
    assert store.change_commitment_status("default", "ENG-1", expected="active", new="cancelled")
    assert not store.change_commitment_status("default", "ENG-1", expected="active", new="cancelled")
    store.add_commitment(_commitment("default", "ENG-2"))
    assert store.active_commitment("default", "750000010", "V1").number == "ENG-2"


def test_concurrent_commitments_for_one_stay_yield_exactly_one(db_path):
    stores = [Store(db_path) for _ in range(8)]
    results: list[str] = []
    barrier = threading.Barrier(len(stores))

    def attempt(index: int) -> None:
        barrier.wait()
        try:
            stores[index].add_commitment(_commitment("default", f"ENG-{index}"))
            results.append("ok")
        except StoreConflict:
            results.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["refused"] * 7


def test_counted_behaviours_apply_the_given_number_of_times(store):
    store.add_behaviour("default", "http_503", service="IDB", remaining=2)
    store.add_behaviour("default", "latency:10ms")
    seen = [[b.name for b in store.consume_behaviours("default", "amc", "IDB", ())] for _ in range(3)]
    assert seen == [["http_503", "latency:10ms"], ["http_503", "latency:10ms"], ["latency:10ms"]]
    assert [b.name for b in store.consume_behaviours("default", "amc", "CLC", ())] == ["latency:10ms"]


def test_targeted_behaviour_only_matches_its_target(store):
    store.add_behaviour("default", "timeout", target="123456789")
    assert store.consume_behaviours("default", "amc", "IDB", ("999999999",)) == []
    assert [b.name for b in store.consume_behaviours("default", "amc", "IDB", ("123456789",))] == ["timeout"]


def test_exchange_ids_remember_their_first_digest(store):
    assert store.remember_exchange("default", "X1", "d1") is None
    assert store.remember_exchange("default", "X1", "d2") == "d1"
    assert store.remember_exchange("other", "X1", "d3") is None


def test_reset_forgets_activity_but_keeps_the_seed(store):
    store.create_session("s", seed=42)
    store.add_commitment(_commitment("s", "ENG-1"))
    store.set_clock("s", "2027-01-01")
    store.reset_session("s")
    assert store.commitments("s") == []
    info = store.session("s")
    assert info.seed == 42 and info.clock is None
