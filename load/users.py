"""Locust user classes: simulated desk traffic. Imports Locust (and so gevent's patching): only the locustfile
imports this module.

A `HospitalGapUser` walks stays the way a hospital's GAP does: annuaire (unless its route is cached), IDB at
admission, sometimes a SIM, the CLC at discharge, and now and then a cancellation followed by a new CLC. Request
bodies come pre-encoded from the process's `StayPool`; answers are read with patterns, a sampled share validated.
Each request is named by its operation (ANNUAIRE, IDB, SIM, CLC, ANN) in Locust's statistics.

A `CdriUser` is the same desk asking the AMO for the patient's rights (CDRi, bench-cdri-1) once per stay, at
admission: one `CDRI` request, pre-encoded too, its answers read and sampled the same way with the CDRi profile.

A `DiapasonDeskUser` registers a consent with the DIAPASON provider, notifies the amount, debits it, and
sometimes refunds part of it. A `PaymentTerminalUser` speaks Caisse-AP over TCP to a payment terminal (a
payment, or a DIAPASON consent) and reports each exchange through Locust's request event. All of them take
their stays (FINESS, venue) from the same pool, so no two users of a run share one.
"""
from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from locust import FastHttpUser, User, task

from simulators import clock as bench_clock
from load.answers import AnswerReader, FaultReader, SampledValidation
from load.loadprofile import LoadProfile
from load.templates import CDRI, Clock, StayPool, Visit
from simulators.gap.client import ExchangeIds


@dataclass(frozen=True)
class CdriService:
    """The CDRi endpoint of the run and how its answers are judged (bench-cdri-1 faults and schema)."""

    url: str
    reader: FaultReader
    validation: SampledValidation


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
    diapason_url: str | None = None  # .../diapason/v1, session prefix included
    terminal: tuple[str, int] | None = None  # Caisse-AP terminal over TCP
    cdri: CdriService | None = None  # CDRi users only; the pool then carries each stay's CDRI request


class DeskUser:
    """What every user class shares: the run context, a seeded random per user, the profile's think time."""

    shared: ClassVar[RunContext | None] = None
    _serials: ClassVar[itertools.count] = itertools.count()

    def on_start(self) -> None:
        if self.shared is None:
            raise RuntimeError("the load context is not set: run the users through load/locustfile.py")
        plan = self.shared.plan
        self.rng = random.Random(f"{plan.seed}:{self.shared.pool.worker_index}:{next(DeskUser._serials)}")

    def wait_time(self) -> float:
        low, high = self.shared.plan.think_time
        return self.rng.uniform(low, high) if high else 0.0


class SoapGapUser(DeskUser, FastHttpUser):
    """Base of the SOAP users (ROC, CDRi): sending one pre-encoded request of a visit and judging its answer
    with the reader and the sampled validation of the service's profile (`judges`)."""

    abstract = True

    def judges(self) -> tuple[FaultReader, SampledValidation]:
        raise NotImplementedError

    def send(self, operation: str, url: str, visit: Visit, **values: str) -> bytes | None:
        """POST one request of the visit; the answer's bytes when it succeeded, None when it failed."""
        shared = self.shared
        reader, validation = self.judges()
        slots = {"exchange": shared.ids().encode(), "timestamp": shared.clock(), "venue": visit.venue.encode()}
        slots.update((key, value.encode()) for key, value in values.items())
        body = visit.templates.requests[operation].render(slots)
        with self.client.post(url, data=body, headers=shared.headers[operation], name=operation,
                              catch_response=True) as response:
            content = response.content or b""
            content_type = response.headers.get("Content-Type") if response.headers else None
            problem = reader.failure(response.status_code, content, content_type)
            if problem is None:
                problem = validation.check(operation, content, content_type)
            if problem is not None:
                response.failure(problem)
                return None
            response.success()
            return content


class RocGapUser(SoapGapUser):
    """Base of the ROC users: bench-roc-1 answers, the annuaire's routes cached per AMC."""

    abstract = True

    def on_start(self) -> None:
        super().on_start()
        self.routes: dict[tuple[str, str, str], dict[str, str]] = {}

    def judges(self) -> tuple[FaultReader, SampledValidation]:
        return self.shared.reader, self.shared.validation

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


# CDRi ----------------------------------------------------------------------------------------------------------
class CdriUser(SoapGapUser):
    """The admission desk asking the AMO for the patient's rights: one CDRi query per stay, on its admission date.

    Closed or not-yet-open rights are an answer (a success); a fault (`beneficiary.unknown`…) is a failure."""

    def on_start(self) -> None:
        super().on_start()
        if self.shared.cdri is None:
            raise RuntimeError("CDRi users need the run's CDRi service (cdri_url): run them through load/locustfile.py")

    def judges(self) -> tuple[FaultReader, SampledValidation]:
        return self.shared.cdri.reader, self.shared.cdri.validation

    @task
    def rights(self) -> None:
        self.send(CDRI, self.shared.cdri.url, self.shared.pool.next_visit())


# DIAPASON ------------------------------------------------------------------------------------------------------
APPROVED_PAN = "497010******9435"  # the sandbox acquirer approves this card (its last four digits pick the answer)


class DiapasonDeskUser(DeskUser, FastHttpUser):
    """The desk after a stay: consent (at admission), notification of the amount, debit, sometimes a refund."""

    def post(self, name: str, path: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any] | None:
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        with self.client.post(f"{self.shared.diapason_url}{path}", data=json.dumps(body).encode(),
                              headers=headers, name=name, catch_response=True) as response:
            try:
                answer = json.loads(response.content or b"null")
            except ValueError:
                answer = None
            if response.status_code != 201 or not isinstance(answer, dict):
                code = answer.get("code") if isinstance(answer, dict) else None
                response.failure(f"HTTP {response.status_code}" + (f" ({code})" if code else ""))
                return None
            response.success()
            return answer

    @task
    def stay(self) -> None:
        visit = self.shared.pool.next_visit()
        drawn, venue = visit.templates.drawn, visit.venue
        today = bench_clock.today()
        consent = self.post("DIAPASON consent", "/consents", {
            "token": f"tok_load_{venue}_{self.rng.getrandbits(32):08x}", "masked_pan": APPROVED_PAN,
            "card_expiry": f"{(today.year + 2) % 100:02d}12", "ceiling_cents": 20_000,
            "expires_on": (today + timedelta(days=60)).isoformat(),
            "finess": str(drawn.establishment.finess_geographique), "venue": venue, "patient_ref": f"IPP{venue}"})
        if consent is None:
            return
        amount = self.rng.randint(500, 15_000)
        invoice = f"INV-{venue}"
        if self.post("DIAPASON notification", f"/consents/{consent['id']}/notifications",
                     {"amount_cents": amount, "invoice_ref": invoice}) is None:
            return
        debit = self.post("DIAPASON debit", f"/consents/{consent['id']}/debits",
                          {"amount_cents": amount, "invoice_ref": invoice}, key=f"debit-{venue}")
        if debit is not None and self.rng.random() < self.shared.plan.flow.refund:
            self.post("DIAPASON refund", f"/debits/{debit['id']}/refunds",
                      {"amount_cents": max(1, amount // 2), "reason": "stay corrected"}, key=f"refund-{venue}")


# payment terminal ----------------------------------------------------------------------------------------------
class TerminalRefused(Exception):
    """The terminal answered, but not `AE=10` (done)."""


class PaymentTerminalUser(DeskUser, User):
    """A cash register on a Caisse-AP terminal over TCP: a payment, or a DIAPASON consent (token in CF)."""

    @task
    def transaction(self) -> None:
        from hardware_emulator.caisse_ap import client

        consent = self.rng.random() < self.shared.plan.flow.consent
        amount = 20_000 if consent else self.rng.randint(500, 15_000)
        pairs = [("CZ", "0300"), ("CJ", "012345678901"), ("CA", "01"), ("CB", str(amount)),
                 ("CD", "7" if consent else "0"), ("CE", "978")]
        host, port = self.shared.terminal
        started, answers, error = bench_clock.monotonic(), [], None
        try:
            answers = client.request(host, port, pairs, timeout=self.shared.plan.timeout)
            final = answers[-1] if answers else {}
            if final.get("AE") != "10":
                error = TerminalRefused(f"AE={final.get('AE')} AF={final.get('AF')}")
            elif consent and not final.get("CF"):
                error = TerminalRefused("consent without a token (CF)")
        except OSError as exc:
            error = exc
        self.environment.events.request.fire(
            request_type="TCP", name="TPE consent" if consent else "TPE payment",
            response_time=(bench_clock.monotonic() - started) * 1000,
            response_length=sum(len(k) + len(v) for answer in answers for k, v in answer.items()),
            exception=error, context={})
