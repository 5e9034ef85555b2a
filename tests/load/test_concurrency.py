"""The simulators under gunicorn (4 workers x 4 threads, one SQLite WAL file) under parallel CLC and cancellation:
no commitment lost, none given twice, never two active for a stay, and two sessions on the same stays never mix.
What the API answers is also read back from the database file by a fresh connection, as a restarted server would."""
from __future__ import annotations

import sqlite3
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from load.bundled import BundledSimulators
from simulators.gap.client import RocClient, RocFaultError
from simulators.roc import CancelRequest, ClcRequest, IdbRequest
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings

STAYS = 6
PARALLEL_CLC = 4
ROUNDS = 3
EXPECTED_REFUSALS = {"commitment.active_exists", "commitment.already_cancelled"}


@pytest.fixture(scope="module", params=[
    ("annuaire", "amc"),
    ("annuaire", "amc", "diapason"),
], ids=["roc-actors", "with-diapason"])
def bench(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("concurrency")
    with BundledSimulators(directory, workers=4, threads=4, actors=request.param) as url:
        yield url, directory / "simulators.sqlite"


def _stored_on_disk(path, session: str) -> list[tuple[str, str]]:
    with sqlite3.connect(path, timeout=30) as db:
        return sorted(db.execute("SELECT number, status FROM commitments WHERE session = ?", (session,)))


@dataclass(frozen=True)
class Outcome:
    """One call: `number` is the commitment given (CLC) or cancelled (ANN), `refusal` the fault key instead."""

    kind: str
    session: str
    venue: str
    number: str | None = None
    refusal: str | None = None


def _client(url: str, session: str, drawn) -> RocClient:
    establishment = drawn.establishment
    return RocClient(f"{url}/s/{session}/annuaire", timeout=30,
                     finess_juridique=str(establishment.finess_juridique),
                     finess_geographique=str(establishment.finess_geographique))


def _prepare(url: str, session: str, drawn) -> tuple[dict[str, str], str]:
    with _client(url, session, drawn) as client:
        a = drawn.attestation
        endpoints = client.annuaire(a.numero_amc, a.type_convention, a.critere_secondaire).endpoints
        idb = client.idb(endpoints["IDB"], IdbRequest(client.header(), drawn.beneficiary, a, drawn.stay))
        return endpoints, idb.idb_reference


def _clc(url, session, drawn, endpoints, reference):
    with _client(url, session, drawn) as client:
        request = ClcRequest(client.header(), reference, drawn.beneficiary, drawn.attestation, drawn.stay,
                             tuple(drawn.lines))
        venue = drawn.stay.venue_number
        try:
            return Outcome("clc", session, venue, number=client.clc(endpoints["CLC"], request).commitment_number)
        except RocFaultError as fault:
            return Outcome("clc", session, venue, refusal=fault.key)


def _cancel(url, session, drawn, endpoints, number):
    with _client(url, session, drawn) as client:
        venue = drawn.stay.venue_number
        try:
            answer = client.cancel(endpoints["ANN"], CancelRequest(client.header(), number, "stay corrected"))
            return Outcome("ann", session, venue, number=answer.commitment_number)
        except RocFaultError as fault:
            return Outcome("ann", session, venue, refusal=fault.key)


def test_parallel_clc_and_cancellation_lose_nothing_duplicate_nothing_and_keep_sessions_apart(bench):
    bench, database = bench
    stays = dataset_for_seed(Settings().seed).draw_stays(seed=7, n=STAYS, worker_index=42)
    sessions = [f"conc-{uuid.uuid4().hex[:8]}-{side}" for side in "ab"]
    for session in sessions:
        requests.post(f"{bench}/_bench/sessions", json={"id": session}, timeout=5).raise_for_status()
    # the same stays (same FINESS and venues) in both sessions: any mixing would collide on the unique index
    setup = {(s, d.stay.venue_number): _prepare(bench, s, d) for s in sessions for d in stays}
    outcomes: list[Outcome] = []

    with ThreadPoolExecutor(max_workers=32) as pool:
        # round 0: racing CLCs on stays without a commitment, exactly one wins per stay and session
        first = list(pool.map(lambda job: _clc(bench, job[0], job[1], *setup[(job[0], job[1].stay.venue_number)]),
                              [(s, d) for s in sessions for d in stays for _ in range(PARALLEL_CLC)]))
        outcomes += first
        winners = Counter((o.session, o.venue) for o in first if o.number)
        assert winners == {(s, d.stay.venue_number): 1 for s in sessions for d in stays}, first
        active = {(o.session, o.venue): o.number for o in first if o.number}

        # next rounds: two cancellations of the active commitment racing two new CLCs, for every stay at once
        for _ in range(ROUNDS):
            jobs = []
            for session in sessions:
                for drawn in stays:
                    key = (session, drawn.stay.venue_number)
                    endpoints, reference = setup[key]
                    number = active.get(key)
                    if number:
                        jobs += [pool.submit(_cancel, bench, session, drawn, endpoints, number) for _ in range(2)]
                    jobs += [pool.submit(_clc, bench, session, drawn, endpoints, reference) for _ in range(2)]
            round_outcomes = [job.result() for job in jobs]
            outcomes += round_outcomes
            active.update(((o.session, o.venue), o.number) for o in round_outcomes if o.kind == "clc" and o.number)

    assert {o.refusal for o in outcomes if o.refusal} <= EXPECTED_REFUSALS, "only concurrency refusals may happen"
    for session in sessions:
        stored = requests.get(f"{bench}/_bench/sessions/{session}/commitments", timeout=5).json()
        mine = [o for o in outcomes if o.session == session and o.number]
        given = [o.number for o in mine if o.kind == "clc"]
        cancelled = [o.number for o in mine if o.kind == "ann"]
        assert len(given) == len(set(given)), "a commitment number was given twice"
        assert sorted(c["number"] for c in stored) == sorted(given), "lost or phantom commitments"
        assert len(cancelled) == len(set(cancelled)), "one commitment cancelled twice"
        assert sorted(c["number"] for c in stored if c["status"] == "cancelled") == sorted(cancelled)
        venue_of = {o.number: o.venue for o in mine if o.kind == "clc"}
        assert all(c["venue"] == venue_of[c["number"]] for c in stored), "a commitment landed on another stay"
        per_stay = defaultdict(lambda: [0, 0, 0])  # CLCs given, cancellations, active in the store
        for outcome in mine:
            per_stay[outcome.venue][0 if outcome.kind == "clc" else 1] += 1
        for commitment in stored:
            per_stay[commitment["venue"]][2] += commitment["status"] == "active"
        for venue, (clcs, cancels, actives) in per_stay.items():
            assert actives <= 1 and actives == clcs - cancels, (venue, clcs, cancels, actives)
        assert _stored_on_disk(database, session) == sorted((c["number"], c["status"]) for c in stored)
