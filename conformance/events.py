"""The runner's typed event stream: progress displays and report writers consume it, the runner only emits.

Order for one run: RunStarted, then per scenario ScenarioStarted, (CheckFinished* StepFinished)*,
ScenarioFinished, and finally RunFinished carrying the whole RunResult. A CheckFinished precedes the
StepFinished of the `expect` step it belongs to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol, Union

from conformance.model import CheckResult, RunInfo, RunResult, ScenarioResult, StepResult


@dataclass(frozen=True, slots=True)
class RunStarted:
    info: RunInfo
    total: int  # scenarios selected


@dataclass(frozen=True, slots=True)
class ScenarioStarted:
    scenario_id: str
    title: str
    suite: str
    tags: tuple[str, ...]
    session: str
    started: str
    position: int  # 1-based rank among the selected scenarios
    total: int


@dataclass(frozen=True, slots=True)
class CheckFinished:
    scenario_id: str
    step_index: int
    result: CheckResult


@dataclass(frozen=True, slots=True)
class StepFinished:
    scenario_id: str
    step: StepResult


@dataclass(frozen=True, slots=True)
class ScenarioFinished:
    result: ScenarioResult


@dataclass(frozen=True, slots=True)
class RunFinished:
    result: RunResult


Event = Union[RunStarted, ScenarioStarted, CheckFinished, StepFinished, ScenarioFinished, RunFinished]


class EventSink(Protocol):
    def handle(self, event: Event) -> None: ...


class Broadcast:
    """Hands every event to each sink in turn (progress first, writers after, in the order given)."""

    def __init__(self, sinks: Iterable[EventSink]) -> None:
        self.sinks = list(sinks)

    def handle(self, event: Event) -> None:
        for sink in self.sinks:
            sink.handle(event)


class Collector:
    """Keeps every event; handy in tests and for writers that need the finished run."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)

    @property
    def result(self) -> RunResult | None:
        for event in reversed(self.events):
            if isinstance(event, RunFinished):
                return event.result
        return None

    @property
    def scenarios(self) -> list[ScenarioResult]:
        return [e.result for e in self.events if isinstance(e, ScenarioFinished)]


def replay(result: RunResult, sink: EventSink) -> None:
    """Emit the events a finished run would have emitted (to render a stored run through a live sink)."""
    scenarios = result.scenarios
    sink.handle(RunStarted(result.info, len(scenarios)))
    for position, scenario in enumerate(scenarios, start=1):
        sink.handle(ScenarioStarted(scenario.id, scenario.title, scenario.suite, scenario.tags, scenario.session,
                                    scenario.started, position, len(scenarios)))
        for step in scenario.steps:
            for check in step.checks:
                sink.handle(CheckFinished(scenario.id, step.index, check))
            sink.handle(StepFinished(scenario.id, step))
        sink.handle(ScenarioFinished(scenario))
    sink.handle(RunFinished(result))
