"""A plain-text progress display fed by the event stream: one line per scenario, a summary at the end.
Deterministic apart from durations, and no terminal tricks, so it reads the same in a CI log."""
from __future__ import annotations

import sys
from typing import TextIO

from conformance.events import Event, RunFinished, RunStarted, ScenarioFinished, ScenarioStarted


class TextProgress:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.position = 0
        self.total = 0

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            info = event.info
            suites = ", ".join(f"{s.id} {s.version}" for s in info.suites) or "no suite"
            self._print(f"simphonie-bench {info.bench_version}: {event.total} scenario(s) from {suites}, "
                        f"profile {info.profile}, seed {info.seed}, day {info.reference_day}, SUT {info.sut.kind}")
            self.total = event.total
        elif isinstance(event, ScenarioStarted):
            self.total = event.total
        elif isinstance(event, ScenarioFinished):
            self.position += 1  # scenarios run in parallel: count them as they finish
            result = event.result
            width = len(str(self.total))
            line = f"[{self.position:>{width}}/{self.total}] {result.outcome.value:<5} {result.id} ({result.duration_s:.2f} s)"
            problems = [c for c in result.checks if c.outcome.value in ("fail", "error") and not c.optional]
            self._print(line)
            for check in problems[:3]:
                self._print(f"      {check.outcome.value} {check.check_id}: {check.message}")
            if result.message and result.outcome.value != "pass":
                self._print(f"      {result.message}")
        elif isinstance(event, RunFinished):
            run = event.result
            counts = run.counts()
            self._print(f"{run.verdict}: {counts['pass']} passed, {counts['fail']} failed, {counts['error']} bench "
                        f"errors, {counts['skip']} skipped in {run.duration_s:.1f} s")

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
