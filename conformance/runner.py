"""Runs scenarios against a SUT in either direction and emits the event stream reports consume.

Each scenario gets its own test session of the simulators (so scenarios run in parallel without cross-talk),
then its steps run through a registry of step executors: `given` sets the scene through the control API,
`drive` asks the GAP to act through a driver, `send` makes the bench call an AMC SUT, `await` waits for the
GAP's traffic in the session journal, `expect` runs checks. A bench or environment failure is an *error*,
never a *fail*.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from conformance.bench_api import BenchApi, BenchUnavailable
from conformance.checks import CheckContext, Registry, builtin, run_calls
from conformance.drivers import DriverError, UnsupportedAction, make_driver
from conformance.events import (
    Broadcast, CheckFinished, EventSink, RunFinished, RunStarted, ScenarioFinished, ScenarioStarted, StepFinished,
)
from conformance.hospital import HospitalSide, SendError
from conformance.model import (
    EntryRef, Outcome, RunInfo, RunResult, ScenarioResult, StepResult, SuiteRef, SutDescription,
)
from conformance.requirements import judge_requirements, load_catalogue
from conformance.scenarios import AwaitStep, DriveStep, ExpectStep, GivenStep, Scenario, SendStep, Suite
from simulators import clock


@dataclass(frozen=True)
class RunConfig:
    """What a run is pointed at. `bench_url` is where the simulators (and their control API) listen;
    `target` is the SUT: the AMC's annuaire URL (sut=amc) or the GAP adapter URL (sut=gap, driver http)."""

    sut: str = "gap"
    driver: str = "reference"
    bench_url: str | None = None
    target: str | None = None
    seed: int = 20261125
    run_id: str = ""
    parallel: int = 4
    profile: str = "bench-roc-1"
    driver_options: dict[str, Any] = field(default_factory=dict)
    await_poll_s: float = 0.05
    tls: dict[str, Any] = field(default_factory=dict)  # cert / verify for calls to the SUT and the bench
    environment: dict[str, Any] = field(default_factory=dict)  # facts of bundled services, handed to drivers
    reference_day: str | None = None  # the run's day (ISO): every session is anchored on it; default today

    def run_day(self) -> date:
        return date.fromisoformat(self.reference_day) if self.reference_day else clock.today()


def _remove_line(case: Any) -> Any:
    if len(case.lines) < 2:
        raise ScenarioError("remove_line: the stay has a single line left")
    return dataclasses.replace(case, lines=tuple(case.lines[:-1]))


# How the bench changes a stay in `drive: {action: update, params: {change: NAME}}`: the runner changes its own
# copy of the case (so checks know the truth) and hands the new case to the GAP.
CASE_CHANGES: dict[str, Callable[[Any], Any]] = {"remove_line": _remove_line}


def change_case(case: Any, change: str) -> Any:
    if case is None:
        raise ScenarioError("update needs a persona given first")
    if change not in CASE_CHANGES:
        raise ScenarioError(f"unknown stay change {change!r}; valid: {', '.join(CASE_CHANGES)}")
    return CASE_CHANGES[change](case)


class ScenarioError(Exception):
    """Something the bench or the environment broke while playing a scenario (outcome error)."""


def _session_id(run_id: str, scenario_id: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9._-]", "-", scenario_id)[:40]
    digest = hashlib.sha256(f"{run_id}|{scenario_id}".encode()).hexdigest()[:8]
    return f"{run_id[:12]}-{readable}-{digest}".strip("-")[:64]


@dataclass
class ScenarioState:
    scenario: Scenario
    session: str
    case: Any = None
    facts: dict[str, Any] = field(default_factory=dict)
    journal: list[Any] = field(default_factory=list)
    journal_ids: list[int] = field(default_factory=list)
    driver: Any = None
    hospital: HospitalSide | None = None


class Runner:
    def __init__(self, config: RunConfig, sink: EventSink | None = None, *, registry: Registry | None = None,
                 dataset=None) -> None:
        self.config = config
        self.sink = sink or Broadcast([])
        self.registry = registry or builtin()
        self.bench = BenchApi(config.bench_url, cert=config.tls.get("cert"), verify=config.tls.get("verify", True)) \
            if config.bench_url else None
        # one day for the whole run, even across midnight: every session is anchored on it and starts on it
        self.reference_day = dataset.reference_date if dataset is not None else config.run_day()
        if dataset is None:
            from simulators.runtime import dataset_for_seed

            dataset = dataset_for_seed(config.seed, self.reference_day)
        self.dataset = dataset
        self._lock = threading.Lock()
        self.executors: dict[type, Callable[[ScenarioState, Any], StepResult]] = {
            GivenStep: self._given, DriveStep: self._drive, SendStep: self._send, AwaitStep: self._await,
            ExpectStep: self._expect,
        }

    # -- the run ----------------------------------------------------------------------------------------------
    def run(self, suites: list[Suite], scenarios: list[Scenario] | None = None) -> RunResult:
        from importlib.metadata import version

        scenarios = scenarios if scenarios is not None else [s for suite in suites for s in suite.scenarios]
        info = RunInfo(
            bench_version=version("simphonie-bench"), profile=self.config.profile, seed=self.config.seed,
            sut=SutDescription(kind=self.config.sut, driver=self.config.driver if self.config.sut == "gap" else "",
                               target=self.config.target or self.config.bench_url or ""),
            suites=tuple(SuiteRef(s.id, s.version, s.title, s.path) for s in suites),
            started=clock.stamp(), run_id=self.config.run_id, reference_day=self.reference_day.isoformat(),
        )
        self.sink.handle(RunStarted(info, len(scenarios)))
        started = clock.monotonic()
        results: list[ScenarioResult | None] = [None] * len(scenarios)

        def play(position: int) -> None:
            results[position] = self.run_scenario(scenarios[position], position + 1, len(scenarios))

        with ThreadPoolExecutor(max_workers=max(1, self.config.parallel)) as pool:
            for future in [pool.submit(play, i) for i in range(len(scenarios))]:
                future.result()
        final = tuple(r for r in results if r is not None)
        judged_actors = {"gap": {"gap"}, "amc": {"amc", "annuaire"}}[self.config.sut]
        relevant = [r for r in load_catalogue().requirements if str(getattr(r.actor, "value", r.actor)).lower()
                    in judged_actors]
        verdicts = judge_requirements(relevant, final)
        run = RunResult(info=info, scenarios=final, requirements=tuple(verdicts),
                        duration_s=round(clock.monotonic() - started, 3))
        self.sink.handle(RunFinished(run))
        return run

    def _emit(self, event: Any) -> None:
        with self._lock:
            self.sink.handle(event)

    # -- one scenario -----------------------------------------------------------------------------------------
    def run_scenario(self, scenario: Scenario, position: int = 1, total: int = 1) -> ScenarioResult:
        session = _session_id(self.config.run_id or f"s{self.config.seed}", scenario.id)
        started_at = clock.stamp("milliseconds")
        self._emit(ScenarioStarted(scenario.id, scenario.title, scenario.suite, scenario.tags, session, started_at,
                                   position, total))
        started = clock.monotonic()
        state = ScenarioState(scenario, session)
        steps: list[StepResult] = []
        status, message = Outcome.PASS, ""
        if scenario.skip:
            status, message = Outcome.SKIP, scenario.skip
        elif scenario.sut != self.config.sut:
            status, message = Outcome.SKIP, f"scenario is for SUT {scenario.sut}, this run judges {self.config.sut}"
        else:
            try:
                self._open(state)
                for step in scenario.steps:
                    result = self._step(state, step)
                    steps.append(result)
                    self._emit(StepFinished(scenario.id, result))
                    if result.status is Outcome.FAIL and not message:
                        # the SUT missed a step (e.g. never called): still judge it on the checks that follow
                        message = f"step {step.index} ({step.describe()}): {result.message}"
                    if result.status is Outcome.ERROR:
                        status, message = result.status, f"step {step.index} ({step.describe()}): {result.message}"
                        break
            except ScenarioError as exc:
                status, message = Outcome.ERROR, str(exc)
            finally:
                self._close(state)
        result = ScenarioResult(
            id=scenario.id, title=scenario.title, suite=scenario.suite, tags=scenario.tags, steps=tuple(steps),
            started=started_at, duration_s=round(clock.monotonic() - started, 3), session=session,
            status=status, message=message, source=scenario.source, journal=tuple(state.journal),
            answers=tuple(state.hospital.answers if state.hospital else ()),
        )
        self._emit(ScenarioFinished(result))
        return result

    def _open(self, state: ScenarioState) -> None:
        if self.bench is not None:
            try:
                day = self.reference_day.isoformat()
                self.bench.create_session(state.session, seed=self.config.seed, label=state.scenario.id,
                                          reference_day=day, clock=day)
            except BenchUnavailable as exc:
                if self.config.sut == "gap":
                    raise ScenarioError(str(exc)) from None
        if self.config.sut == "gap":
            annuaire = f"{self.config.bench_url}/s/{state.session}/annuaire"
            try:
                state.driver = make_driver(self.config.driver, target=self.config.target,
                                           environment=self.config.environment, **self.config.driver_options)
                state.driver.open(state.session, annuaire)
            except (DriverError, KeyError) as exc:
                raise ScenarioError(f"driver {self.config.driver}: {exc}") from None
            state.facts["annuaire_url"] = annuaire
        else:
            target = self.config.target or f"{self.config.bench_url}/s/{state.session}/annuaire"
            state.hospital = HospitalSide(target, state.session, **self.config.tls)

    def _close(self, state: ScenarioState) -> None:
        for closable in (state.driver, state.hospital):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # noqa: BLE001 - closing must not hide the scenario's outcome
                    pass

    def _step(self, state: ScenarioState, step: Any) -> StepResult:
        started_at = clock.stamp("milliseconds")
        started = clock.monotonic()
        before = len(state.journal), len(state.hospital.answers) if state.hospital else 0
        try:
            result = self.executors[type(step)](state, step)
        except ScenarioError:
            raise
        except (BenchUnavailable, DriverError, SendError) as exc:
            result = StepResult(step.index, step.kind, step.describe(), Outcome.ERROR, str(exc))
        except Exception as exc:  # noqa: BLE001 - a bench bug is an error with its reason, never a crash
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result = StepResult(step.index, step.kind, step.describe(), Outcome.ERROR, f"bench error: {tb}")
        self._refresh_journal(state)
        entries = tuple(EntryRef("journal", i) for i in range(before[0], len(state.journal)))
        if state.hospital:
            entries += tuple(EntryRef("answers", i) for i in range(before[1], len(state.hospital.answers)))
        return dataclasses.replace(result, entries=entries, started=started_at,
                                   duration_s=round(clock.monotonic() - started, 3))

    def _refresh_journal(self, state: ScenarioState) -> None:
        if self.bench is None or (self.config.sut == "amc" and self.config.target):
            return
        since = state.journal_ids[-1] if state.journal_ids else 0
        try:
            rows = self.bench.journal(state.session, since=since)
        except BenchUnavailable:
            return
        for entry_id, entry in rows:
            state.journal_ids.append(entry_id)
            state.journal.append(entry)

    # -- step executors ---------------------------------------------------------------------------------------
    def _given(self, state: ScenarioState, step: GivenStep) -> StepResult:
        if step.persona:
            from simulators.gap.cases import StayCase

            persona = self.dataset.persona(step.persona)
            state.case = StayCase.from_persona(persona)
            state.facts.update(persona=persona.name, expected=persona.expected)
        if step.data.get("routing_change"):
            if "persona" not in state.facts:
                raise ScenarioError("routing_change needs a persona given first")
            self._bench().change_routing(state.session, state.facts["persona"])
        for behaviour in step.behaviours:
            self._bench().add_behaviour(state.session, behaviour.name, actor=behaviour.actor,
                                        service=behaviour.service,
                                        target=behaviour.target, count=behaviour.times)
        if step.clock:
            self._bench().set_clock(state.session, clock.resolve_day(step.clock, self.reference_day).isoformat())
        state.facts.update({k: v for k, v in step.data.items() if k != "routing_change"})
        return StepResult(step.index, step.kind, step.describe())

    def _bench(self) -> BenchApi:
        if self.bench is None:
            raise ScenarioError("this step needs the simulators' control API (--bench URL)")
        return self.bench

    def _drive(self, state: ScenarioState, step: DriveStep) -> StepResult:
        if state.driver is None:
            raise ScenarioError("drive steps need a GAP driver (--sut gap)")
        params = dict(step.params)
        if step.action == "update" and "change" in params:
            state.case = change_case(state.case, params.pop("change"))
        try:
            status = state.driver.act(step.action, state.case, params)
        except UnsupportedAction as exc:
            return StepResult(step.index, step.kind, step.describe(), Outcome.SKIP, str(exc))
        state.facts.setdefault("statuses", []).append({"action": step.action, **status})
        state.facts["status"] = status
        return StepResult(step.index, step.kind, step.describe(), message=str(status.get("state", "")))

    def _send(self, state: ScenarioState, step: SendStep) -> StepResult:
        if state.hospital is None:
            raise ScenarioError("send steps need --sut amc")
        entry = state.hospital.send(step.operation, state.case, dict(step.params), state.facts)
        return StepResult(step.index, step.kind, step.describe(), message=entry.outcome)

    def _await(self, state: ScenarioState, step: AwaitStep) -> StepResult:
        from fnmatch import fnmatch

        deadline = clock.monotonic() + step.timeout_s
        pattern = step.service.lower()
        while True:
            self._refresh_journal(state)
            seen = [e for e in state.journal if fnmatch(e.service.lower(), pattern)
                    and (step.actor is None or fnmatch(e.actor.lower(), step.actor.lower()))]
            if len(seen) >= step.count:
                return StepResult(step.index, step.kind, step.describe(), message=f"{len(seen)} seen")
            if clock.monotonic() >= deadline:
                return StepResult(step.index, step.kind, step.describe(), Outcome.FAIL,
                                  f"Unexpected silence: expected {step.count} {step.service} call(s) from the SUT "
                                  f"within {step.timeout_s:g} s, but received {len(seen)} (session {state.session})")
            clock.sleep(self.config.await_poll_s)

    def _expect(self, state: ScenarioState, step: ExpectStep) -> StepResult:
        self._refresh_journal(state)
        if self.bench is not None and self.config.sut == "gap":
            try:
                state.facts["commitments"] = self.bench.commitments(state.session)
            except BenchUnavailable:
                pass
        ctx = CheckContext(journal=tuple(state.journal),
                           answers=tuple(state.hospital.answers if state.hospital else ()),
                           scenario_id=state.scenario.id, step_index=step.index, session=state.session,
                           facts={**state.facts, "case": state.case, "dataset": self.dataset})
        results = run_calls(step.checks, ctx, self.registry)
        for result in results:
            self._emit(CheckFinished(state.scenario.id, step.index, result))
        return StepResult(step.index, step.kind, step.describe(), checks=tuple(results))
