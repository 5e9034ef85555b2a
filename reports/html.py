"""report.html: one self-contained page (inline CSS, no script, no external asset) for people who read a run
without running anything: verdict and summary, the requirement matrix first, then each scenario's steps and
checks with the exchanged messages, pretty-printed and with schema problems pinned to their lines."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from conformance.model import EntryRef, RequirementStatus, RunResult, ScenarioResult
from reports.messages import RenderedMessage, render_message
from reports.serialize import SCHEMA_VERSION, masked
from simulators.journal import JournalEntry
from simulators.masking import mask_text

TEMPLATES = Path(__file__).parent  # report.html.j2 sits beside this module (package data)


@dataclass(frozen=True, slots=True)
class Exchange:
    anchor: str
    ref: EntryRef
    entry: JournalEntry
    request: RenderedMessage
    response: RenderedMessage
    steps: tuple[int, ...]  # steps during which it was recorded


@dataclass(frozen=True, slots=True)
class ScenarioView:
    result: ScenarioResult
    anchor: str
    exchanges: tuple[Exchange, ...]

    def link(self, ref: EntryRef) -> str:
        return f"#{self.anchor}-{ref.source}-{ref.index}"


def _scenario_view(scenario: ScenarioResult) -> ScenarioView:
    anchor = f"sc-{scenario.id}"
    steps_of: dict[EntryRef, list[int]] = {}
    for step in scenario.steps:
        for ref in step.entries:
            steps_of.setdefault(ref, []).append(step.index)
    exchanges = []
    for source, entries in (("journal", scenario.journal), ("answers", scenario.answers)):
        for index, entry in enumerate(entries):
            ref = EntryRef(source, index)  # type: ignore[arg-type]
            exchanges.append(Exchange(f"{anchor}-{source}-{index}", ref, entry,
                                      render_message(entry.request, entry.validation),
                                      render_message(entry.response), tuple(steps_of.get(ref, ()))))
    return ScenarioView(scenario, anchor, tuple(exchanges))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def to_html(run: RunResult) -> str:
    run = masked(run)
    requirement_counts = Counter(r.status.value for r in run.requirements)
    page = _environment().get_template("report.html.j2").render(
        run=run, info=run.info, counts=run.counts(), outcome=run.outcome.value, verdict=run.verdict,
        requirement_counts={s.value: requirement_counts.get(s.value, 0) for s in RequirementStatus},
        scenarios=[_scenario_view(s) for s in run.scenarios], schema_version=SCHEMA_VERSION,
    )
    return mask_text(page)


def write_html(run: RunResult, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(to_html(run), encoding="utf-8")
    return path
