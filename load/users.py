"""Locust user classes: simulated GAP traffic. Imports Locust (and so gevent's patching): only the locustfile
imports this module.

A `RocGapUser` walks stays the way a hospital's GAP does: annuaire (unless its route is cached), IDB at
admission, sometimes a SIM, the CLC at discharge, and now and then a cancellation followed by a new CLC. Request
bodies come pre-encoded from the process's `StayPool`; answers are read with patterns, a sampled share validated.
Each request is named by its operation (ANNUAIRE, IDB, SIM, CLC, ANN) in Locust's statistics.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import ClassVar

from locust import FastHttpUser, task

from load.answers import AnswerReader, SampledValidation
from load.loadprofile import LoadProfile
from load.templates import Clock, StayPool, Visit
from simulators.gap.client import ExchangeIds


@dataclass
class RunContext:
    """What every user of one load process shares; built once per process when the test starts."""

    plan: LoadProfile
    annuaire_url: str
    pool: StayPool
    reader: AnswerReader
    validation: SampledValidation
    headers: dict[str, dict[str, str]]
    clock: Clock
    ids: ExchangeIds


class RocGapUser(FastHttpUser):
    """Base of the ROC users: sending one pre-encoded request and judging its answer."""

    abstract = True
    shared: ClassVar[RunContext | None] = None
    _serials: ClassVar[itertools.count] = itertools.count()

    def on_start(self) -> None:
        if self.shared is None:
            raise RuntimeError("the load context is not set: run the users through load/locustfile.py")
        plan = self.shared.plan
        self.rng = random.Random(f"{plan.seed}:{self.shared.pool.worker_index}:{next(self._serials)}")
        self.routes: dict[tuple[str, str, str], dict[str, str]] = {}

    def wait_time(self) -> float:
        low, high = self.shared.plan.think_time
        return self.rng.uniform(low, high) if high else 0.0

    def send(self, operation: str, url: str, visit: Visit, **values: str) -> bytes | None:
        """POST one request of the visit; the answer's bytes when it succeeded, None when it failed."""
        shared = self.shared
        slots = {"exchange": shared.ids().encode(), "timestamp": shared.clock(), "venue": visit.venue.encode()}
        slots.update((key, value.encode()) for key, value in values.items())
        body = visit.templates.requests[operation].render(slots)
        with self.client.post(url, data=body, headers=shared.headers[operation], name=operation,
                              catch_response=True) as response:
            content = response.content or b""
            content_type = response.headers.get("Content-Type") if response.headers else None
            problem = shared.reader.failure(response.status_code, content, content_type)
            if problem is None:
                problem = shared.validation.check(operation, content, content_type)
            if problem is not None:
                response.failure(problem)
                return None
            response.success()
            return content

    def endpoints(self, visit: Visit) -> dict[str, str] | None:
        """The AMC's service URLs: from the route cache, or (always for a new AMC) from the annuaire."""
        cached = self.routes.get(visit.route_key)
        if cached is not None and self.rng.random() >= self.shared.plan.flow.annuaire:
            return cached
        answer = self.send("ANNUAIRE", self.shared.annuaire_url, visit)
        if answer is None:
            return None
        found = self.shared.reader.endpoints(answer, None)
        if found:
            self.routes[visit.route_key] = found
        return found


class HospitalGapUser(RocGapUser):
    """A GAP at an admission desk: one task is one stay, from admission to discharge."""

    @task
    def stay(self) -> None:
        shared = self.shared
        flow = shared.plan.flow
        visit = shared.pool.next_visit()
        urls = self.endpoints(visit)
        if not urls:
            return
        answer = self.send("IDB", urls["IDB"], visit)
        reference = shared.reader.idb_reference(answer) if answer else None
        if reference is None:
            return
        if self.rng.random() < flow.sim:
            self.send("SIM", urls["SIM"], visit, reference=reference)
        if self.rng.random() >= flow.clc:
            return  # still in the hospital when the run ends
        number = self.commit(urls, visit, reference)
        if number and self.rng.random() < flow.cancel:
            if self.send("ANN", urls["ANN"], visit, commitment=number) is not None:
                self.commit(urls, visit, reference)

    def commit(self, urls: dict[str, str], visit: Visit, reference: str) -> str | None:
        answer = self.send("CLC", urls["CLC"], visit, reference=reference)
        return self.shared.reader.commitment_number(answer) if answer else None
