"""The reference GAP passes the DIAPASON suite; every broken DIAPASON desk fails on what it breaks.

Each variant runs the scenarios that expose its defect; `must_fail` are requirement ids the run must judge
failed, taken from the variant's `breaks`.
"""
from __future__ import annotations

import pytest

from conformance.model import Outcome
from conformance.requirements import load_catalogue
from simulators.gap.diapason_variants import DIAPASON_VARIANTS

CASES = {
    "debits-above-ceiling": ["dia.fallback.above-ceiling"],
    "debits-twice": ["dia.pay.twice"],
    "debits-after-expiry": ["dia.fallback.expired-before-debit"],
    "stores-full-pan": ["dia.pay.within-ceiling"],
    "ignores-nak": ["dia.line.nak-frame"],
    "no-reversal-after-timeout": ["dia.fault.debit-answer-lost"],
}


def _failed(run) -> set[str]:
    return {v.requirement_id for v in run.requirements if v.status.value == "fail"}


def test_the_reference_desk_passes_the_whole_suite(desk):
    run = desk.run(run_id="ref")
    problems = {s.id: s.message or [c.message for st in s.steps for c in st.checks if c.outcome is not Outcome.PASS]
                for s in run.scenarios if s.outcome is not Outcome.PASS}
    assert problems == {}
    assert len(run.scenarios) >= 30
    assert not _failed(run)


def test_every_variant_is_exercised_and_breaks_known_requirements():
    assert set(CASES) == set(DIAPASON_VARIANTS)
    known = set(load_catalogue().ids())
    for cls in DIAPASON_VARIANTS.values():
        assert set(cls.breaks) <= known and all(r.startswith("DIA-") for r in cls.breaks)


@pytest.mark.parametrize("variant", sorted(CASES))
def test_each_variant_fails_on_what_it_breaks(desk, variant):
    run = desk.run(CASES[variant], variant=variant, run_id="var")
    assert run.outcome is Outcome.FAIL, [(s.id, s.outcome, s.message) for s in run.scenarios]
    assert set(DIAPASON_VARIANTS[variant].breaks) <= _failed(run)


def test_the_docs_table_lists_every_variant_with_what_it_breaks():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "diapason-e2e.md").read_text(encoding="utf-8")
    rows = {m.group(1): set(re.findall(r"DIA-[A-Z]+-\d{3}", m.group(2)))
            for m in re.finditer(r"^\| `([a-z-]+)` \|[^|]*\| ([^|]*) \| ([a-z.-]+) \|$", doc, re.MULTILINE)}
    assert rows == {name: set(cls.breaks) for name, cls in DIAPASON_VARIANTS.items()}
    for name, ids in CASES.items():
        assert f"| {ids[0]} |" in doc
