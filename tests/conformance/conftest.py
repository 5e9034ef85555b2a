"""Builders for journal entries and check contexts: tests state only what matters to them."""
from __future__ import annotations

import pytest

from conformance.checks import CheckContext
from simulators.journal import JournalEntry


def make_entry(service: str, *, second: float = 0, actor: str = "amc", outcome: str = "ok", request: str = "<r/>",
               response: str = "<a/>", duration_ms: float = 100.0, validation: tuple[str, ...] = (),
               meta: dict | None = None, session: str = "s1") -> JournalEntry:
    whole, fraction = divmod(second, 1)
    at = f"2026-03-02T08:{int(whole) // 60:02d}:{int(whole) % 60:02d}.{int(round(fraction * 1000)):03d}+00:00"
    return JournalEntry(session, actor, service, at, duration_ms, request, response, outcome, validation, meta or {})


@pytest.fixture
def entry():
    return make_entry


@pytest.fixture
def context():
    def build(journal=(), params=None, answers=()) -> CheckContext:
        return CheckContext(journal=tuple(journal), params=params or {}, answers=tuple(answers), scenario_id="sc",
                            step_index=1, session="s1")
    return build
