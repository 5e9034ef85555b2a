"""The one clock: pins tick, travel to child processes, business dates are French, sessions fold in; and no
module of the bench reads the wall clock or names a calendar date behind the clock's back."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from simulators import clock

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("simulators", "hardware_emulator", "conformance", "load", "reports", "bench")


def test_a_pin_ticks_from_its_instant_and_ends_with_the_block():
    with clock.pinned("2026-12-31T23:59:59"):
        first = clock.now()
        assert (first.date(), first.hour, first.minute) == (date(2026, 12, 31), 23, 59)
        assert first.utcoffset() == timedelta(hours=1)  # Paris in winter
        clock.sleep(1.1)
        assert clock.today() == date(2027, 1, 1)  # it ticked over midnight
        assert clock.utcnow().tzinfo == timezone.utc and clock.timestamp() == pytest.approx(
            clock.utcnow().timestamp(), abs=0.5)
    assert abs(clock.utcnow() - clock.real_now()) < timedelta(seconds=5)
    assert os.environ.get(clock.ENVIRONMENT_VARIABLE) is None


def test_business_dates_are_french_whatever_the_server_zone():
    with clock.pinned(datetime(2027, 7, 14, 22, 30, tzinfo=timezone.utc)):  # 00:30 in Paris, summer time
        assert clock.today() == date(2027, 7, 15)
        assert clock.utcnow().date() == date(2027, 7, 14)


def test_child_processes_share_the_pinned_timeline():
    with clock.pinned("2028-02-29T12:00"):
        code = "from simulators import clock; print(clock.today().isoformat(), round(clock.timestamp()))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                             env=os.environ.copy()).stdout.split()
        assert out[0] == "2028-02-29"
        assert abs(int(out[1]) - clock.timestamp()) < 5


def test_a_bad_pin_is_a_clear_error():
    with pytest.raises(clock.ClockError, match="not an ISO 8601 date"):
        clock.pin("31/12/2026")
    result = subprocess.run([sys.executable, "-m", "conformance.cli", "personas"], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, clock.ENVIRONMENT_VARIABLE: "tomorrow"})
    assert result.returncode == 2 and "SIMPHONIE_CLOCK" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run([sys.executable, "-m", "conformance.cli", "--clock", "2026-02-30", "personas"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "--clock" in result.stderr and "Traceback" not in result.stderr


def test_the_cli_clock_option_moves_every_date_of_the_bench():
    result = subprocess.run([sys.executable, "-m", "conformance.cli", "--clock", "2030-06-15", "personas", "--json"],
                            capture_output=True, text=True, cwd=ROOT, check=True)
    assert '"admission_date": "2030-06-15"' in result.stdout


@pytest.mark.parametrize(("text", "expected"), [("+0d", date(2027, 1, 1)), ("+5d", date(2027, 1, 6)),
                                                 ("-1d", date(2026, 12, 31)), ("2028-02-29", date(2028, 2, 29))])
def test_scenario_days_are_offsets_from_the_reference_day(text, expected):
    assert clock.is_day(text)
    assert clock.resolve_day(text, date(2027, 1, 1)) == expected


@pytest.mark.parametrize("text", ["5d", "+5", "tomorrow", "2027-13-01", "+d"])
def test_a_day_that_is_neither_is_refused(text):
    assert not clock.is_day(text)
    with pytest.raises(clock.ClockError, match="neither an offset"):
        clock.resolve_day(text, date(2027, 1, 1))


def test_the_session_clock_wins_over_the_process_clock():
    with clock.pinned("2027-03-01T10:15"):
        assert clock.session_today(None) == date(2027, 3, 1)
        assert clock.session_today("2027-03-09") == date(2027, 3, 9)
        moved = clock.session_now("2027-03-09")
        assert (moved.date(), moved.hour, moved.minute) == (date(2027, 3, 9), 10, 15)


# -- the guard: nobody else reads the wall clock ---------------------------------------------------------------
WALL_CLOCK_CALLS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
                    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"),
                    ("time", "perf_counter"), ("time", "monotonic"), ("time", "strftime")}


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != ROOT / "simulators" / "clock.py":
                yield path


def _attribute_chain(node: ast.AST) -> tuple[str, ...]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def test_no_module_reads_the_wall_clock_but_the_clock_module():
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                chain = _attribute_chain(node)
                if len(chain) >= 2 and chain[-2:] in WALL_CLOCK_CALLS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {'.'.join(chain)}")
            elif isinstance(node, ast.ImportFrom) and node.module == "time":
                names = {alias.name for alias in node.names} & {name for _, name in WALL_CLOCK_CALLS}
                if names:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: from time import {names}")
    assert offenders == [], "read the clock through simulators.clock:\n" + "\n".join(offenders)


CALENDAR_DATE = re.compile(r"\b(?:date|datetime)\(\s*20\d\d\s*,")


def test_no_module_hard_codes_a_calendar_date():
    """Dates are relative to the clock's today; a literal one expires (examples included)."""
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _sources()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if CALENDAR_DATE.search(line)]
    assert offenders == []


def test_scenario_suites_name_days_relative_to_the_run():
    literal = re.compile(r"clock:\s*['\"]?\d{4}-\d\d-\d\d")
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / "scenarios").rglob("*.yaml"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if literal.search(line)]
    assert offenders == []
