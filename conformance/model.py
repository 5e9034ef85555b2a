"""Typed results of a conformance run, and the rules that turn check outcomes into verdicts.

Outcomes follow Inferno: `error` is the bench's or the environment's fault, never the SUT's, and a group's
outcome is its worst member's, with the precedence error > fail > skip > pass. Checks marked optional (they
verify SHOULD/MAY requirements) only count when nothing required was judged, except that their errors always
count: a broken bench invalidates whatever it touched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Iterable, Literal

from simulators.journal import JournalEntry


class Outcome(str, Enum):
    PASS = "pass"
    SKIP = "skip"
    FAIL = "fail"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Precedence when outcomes are combined: the highest rank wins."""
        return _RANK[self]


_RANK = {Outcome.PASS: 0, Outcome.SKIP: 1, Outcome.FAIL: 2, Outcome.ERROR: 3}


def worst(outcomes: Iterable[Outcome], default: Outcome = Outcome.SKIP) -> Outcome:
    """The outcome with the highest precedence, or `default` when there is none."""
    return max(outcomes, key=lambda o: o.rank, default=default)


def aggregate(results: Iterable[tuple[Outcome, bool]]) -> Outcome | None:
    """Combine (outcome, optional) pairs the Inferno way; None when there is nothing to combine.

    Required results: the worst wins. Optional results are ignored, except errors, unless every result is
    optional; then one pass is enough (an optional check that could be verified once counts as met).
    """
    items = list(results)
    if not items:
        return None
    required = [outcome for outcome, optional in items if not optional]
    optional_errors = [o for o, optional in items if optional and o is Outcome.ERROR]
    if required:
        return worst(required + optional_errors)
    if optional_errors:
        return Outcome.ERROR
    outcomes = [outcome for outcome, _ in items]
    return Outcome.PASS if Outcome.PASS in outcomes else worst(outcomes)


@dataclass(frozen=True, slots=True)
class EntryRef:
    """Points at one exchange of a scenario: `journal` (the SUT called a simulator) or `answers` (the bench
    called the SUT), by position in that list."""

    source: Literal["journal", "answers"]
    index: int

    def __str__(self) -> str:
        return f"{self.source}#{self.index}"


@dataclass(frozen=True, slots=True)
class CheckResult:
    check_id: str
    outcome: Outcome
    message: str = ""
    requirement_ids: tuple[str, ...] = ()
    evidence: tuple[EntryRef, ...] = ()
    where: str = ""
    optional: bool = False
    title: str = ""
    params: dict[str, Any] = field(default_factory=dict)


STEP_KINDS = ("given", "drive", "send", "await", "expect")


@dataclass(frozen=True, slots=True)
class StepResult:
    """One step as it ran. `status` is how the step itself went (a drive the SUT refused is `fail`, a driver
    that crashed is `error`, a step never reached is `skip`); `outcome` also weighs the step's checks."""

    index: int
    kind: str  # one of STEP_KINDS
    title: str
    status: Outcome = Outcome.PASS
    message: str = ""
    checks: tuple[CheckResult, ...] = ()
    entries: tuple[EntryRef, ...] = ()  # exchanges recorded while the step ran
    started: str = ""
    duration_s: float = 0.0

    @property
    def outcome(self) -> Outcome:
        combined = aggregate([(self.status, False)] + [(c.outcome, c.optional) for c in self.checks])
        return combined or self.status


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario as it ran, with the evidence it was judged on.

    `status` carries what happened outside the steps (PASS normally; ERROR when the session could not be set
    up; SKIP with a reason when the scenario was not run). `journal` holds the entries of the scenario's test
    session; `answers` the exchanges where the bench was the client (request sent, answer received, and in
    `validation` the problems found in the answer).
    """

    id: str
    title: str
    suite: str = ""
    tags: tuple[str, ...] = ()
    steps: tuple[StepResult, ...] = ()
    started: str = ""
    duration_s: float = 0.0
    session: str = ""
    status: Outcome = Outcome.PASS
    message: str = ""
    source: str = ""  # file:line of the scenario
    journal: tuple[JournalEntry, ...] = ()
    answers: tuple[JournalEntry, ...] = ()

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        return tuple(check for step in self.steps for check in step.checks)

    @property
    def outcome(self) -> Outcome:
        """Worst of the scenario status, the step statuses and the checks; `skip` when nothing was checked."""
        combined = aggregate(
            [(self.status, False)]
            + [(step.status, False) for step in self.steps]
            + [(check.outcome, check.optional) for check in self.checks]
        )
        if combined is Outcome.PASS and not self.checks:
            return Outcome.SKIP
        return combined or self.status

    def entry(self, ref: EntryRef) -> JournalEntry | None:
        exchanges = self.journal if ref.source == "journal" else self.answers
        return exchanges[ref.index] if 0 <= ref.index < len(exchanges) else None


class RequirementStatus(str, Enum):
    PASS = "pass"
    SKIP = "skip"
    FAIL = "fail"
    ERROR = "error"
    UNTESTED = "untested"


@dataclass(frozen=True, slots=True)
class RequirementVerdict:
    """What a run says about one requirement: the worst outcome of the checks that verify it."""

    requirement_id: str
    level: str
    actor: str
    text: str
    source: str
    status: RequirementStatus
    checks: tuple[str, ...] = ()  # check ids that ran for it
    scenarios: tuple[str, ...] = ()  # scenarios where it was checked
    failed_in: tuple[str, ...] = ()  # scenarios where a check verifying it failed or errored


@dataclass(frozen=True, slots=True)
class SutDescription:
    kind: Literal["gap", "amc"]
    driver: str = ""
    target: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class SuiteRef:
    id: str
    version: str
    title: str = ""
    path: str = ""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a run was: the same record starts the event stream and heads the result."""

    bench_version: str
    profile: str
    seed: int
    sut: SutDescription
    suites: tuple[SuiteRef, ...] = ()
    started: str = ""
    run_id: str = ""
    reference_day: str = ""  # the day the run's sessions were anchored on and started at (ISO date)


VERDICTS = {
    Outcome.PASS: ("conformant", 0),
    Outcome.SKIP: ("nothing verified", 0),
    Outcome.FAIL: ("non-conformant", 1),
    Outcome.ERROR: ("bench error", 3),
}


@dataclass(frozen=True, slots=True)
class RunResult:
    info: RunInfo
    scenarios: tuple[ScenarioResult, ...] = ()
    requirements: tuple[RequirementVerdict, ...] = ()
    duration_s: float = 0.0

    @property
    def outcome(self) -> Outcome:
        """Worst outcome of the scenarios that were not skipped; `skip` when all were (or none ran).

        A skipped scenario is outside the verdict, unlike a skipped check inside a scenario, which leaves
        that scenario's intent unverified.
        """
        judged = [s.outcome for s in self.scenarios if s.outcome is not Outcome.SKIP]
        return worst(judged, default=Outcome.SKIP)

    @property
    def verdict(self) -> str:
        return VERDICTS[self.outcome][0]

    @property
    def exit_code(self) -> int:
        """0 conformant, 1 non-conformant, 3 bench error (2, usage, is the CLI's)."""
        return VERDICTS[self.outcome][1]

    def counts(self) -> dict[str, int]:
        totals = {outcome.value: 0 for outcome in Outcome}
        for scenario in self.scenarios:
            totals[scenario.outcome.value] += 1
        return totals
