"""The calendar test: the bundled suites stay conformant whatever the day (a year's last minute, a new year, a
29 February, years ahead), the same seed on the same day gives the same run.json, and the unit suite passes
with the process clock itself moved to another year (libfaketime)."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CALENDAR = ("2026-12-31T23:59", "2027-01-01", "2028-02-29", "2030-06-15")
SIDES = {"gap": 130, "amc": 40}  # at least that many scenarios run in each direction
RUN_TIMEOUT_S = 300


def _run(*args: str, report_dir: Path, clock: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "conformance.cli", "--clock", clock, "run", *args,
               "--report-dir", str(report_dir), "--format", "json"]
    env = {k: v for k, v in os.environ.items() if k != "SIMPHONIE_CLOCK"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    return output


@pytest.mark.slow
@pytest.mark.parametrize("day", CALENDAR)
def test_every_bundled_suite_stays_conformant_on_any_day(tmp_path, day):
    runs = {side: _run("--sut", side, report_dir=tmp_path / side, clock=day) for side in SIDES}
    outputs = {side: _finish(process) for side, process in runs.items()}
    for side, process in runs.items():
        tail = "\n".join(outputs[side].splitlines()[-25:])
        assert process.returncode == 0, f"--sut {side} with the clock at {day}:\n{tail}"
        run = json.loads((tmp_path / side / "run.json").read_text(encoding="utf-8"))
        assert run["info"]["reference_day"] == day[:10]
        assert len(run["scenarios"]) >= SIDES[side]
        assert {s["status"] for s in run["scenarios"]} == {"pass"}, [
            (s["id"], s["message"]) for s in run["scenarios"] if s["status"] != "pass"]


_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?")
_VARYING_KEYS = re.compile(r"^(started|finished|at|duration_s|duration_ms|t_ms)$")  # time stamps and durations
_ISO8583_TIME = re.compile(r"^(DE7|DE12)=\d+$", re.M)  # transmission date-time, local time (ISO 8583)
_ISO8583_ORIGINAL = re.compile(r"^DE90=(\d{10})\d{10}", re.M)  # original data: MTI, STAN, then the original's DE7
_EPHEMERAL_PEER = re.compile(r"^127\.0\.0\.1:\d+$")  # the port the OS gave a client connection


def _without_time(value):
    """run.json with its time stamps and durations taken out: what must not change from run to run."""
    if isinstance(value, dict):
        return {k: _without_time(v) for k, v in value.items() if not _VARYING_KEYS.match(k)}
    if isinstance(value, list):
        return [_without_time(v) for v in value]
    if isinstance(value, str):
        if _EPHEMERAL_PEER.match(value):
            return "127.0.0.1:<port>"
        value = _ISO8583_ORIGINAL.sub(r"DE90=\1<time>", _INSTANT.sub("<instant>", value))
        return _ISO8583_TIME.sub(r"\1=<time>", value)
    return value


def _comparable(text: str) -> str:
    """Each scenario's journal as a sorted list: entries written by parties working at once (the SMTP relay
    delivering in the background while the GAP polls) interleave by timing; which exchanges happened does not."""
    run = _without_time(json.loads(text))
    for scenario in run["scenarios"]:
        scenario["journal"] = sorted(scenario["journal"], key=lambda entry: json.dumps(entry, sort_keys=True))
    return json.dumps(run, sort_keys=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_same_seed_same_day_gives_the_same_run_json(tmp_path):
    ports = {"gap": _free_port(), "amc": _free_port()}
    texts: dict[str, list[str]] = {"gap": [], "amc": []}
    for attempt in ("first", "second"):
        runs = {side: _run("--sut", side, "--tags", "!outages", "--bench-port", str(ports[side]),
                           report_dir=tmp_path / attempt / side, clock="2027-01-01T09:00") for side in ports}
        for side, process in runs.items():
            output = _finish(process)
            assert process.returncode == 0, output[-2000:]
            texts[side].append((tmp_path / attempt / side / "run.json").read_text(encoding="utf-8"))
    for side, (first, second) in texts.items():
        assert first != second  # the time stamps moved on...
        assert _comparable(first) == _comparable(second), side  # ...and nothing else did


# The unit suite: pure logic, protocol cores and in-process simulators, without the long end-to-end runs
# (those are the calendar runs above, which move the bench clock rather than the process clock).
UNIT_SUITE = ("tests/domain", "tests/data", "tests/roc", "tests/profiles", "tests/amo", "tests/diapason",
              "tests/billing_files", "tests/acquirer", "tests/hardware_emulator", "tests/gap", "tests/amc",
              "tests/test_control.py", "tests/test_store.py", "tests/test_masking.py", "tests/test_xml.py",
              "tests/test_soap.py", "tests/test_clock.py")
# libfaketime cannot shift the timed waits of condition variables on the monotonic clock (glibc's
# pthread_cond_clockwait): `Event.wait(0.6)` then waits far longer. These tests hold answers with such waits;
# they pass on the real clock and their dates are covered by the calendar runs.
FAKETIME_TIMED_WAITS = ("tests/acquirer/test_client.py::test_timeout_carries_the_reference_to_reverse",
                        "tests/acquirer/test_server.py::test_scripted_decline_latency_and_duplicate",
                        "tests/hardware_emulator/test_tcp.py::test_immediate_mode_over_tcp")
FAKETIME = shutil.which("faketime")


@pytest.mark.slow
@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed (apt-get install faketime; CI installs it)")
def test_the_unit_suite_passes_with_the_process_clock_moved_to_another_year():
    moved = "+400d"  # a relative offset: every process the suite starts lives on the same moved timeline
    env = {k: v for k, v in os.environ.items() if k not in ("SIMPHONIE_CLOCK", "PYTEST_XDIST_WORKER")}
    command = [FAKETIME, "-f", moved, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-m", "not slow", *UNIT_SUITE, *(f"--deselect={test}" for test in FAKETIME_TIMED_WAITS)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    tail = "\n".join(result.stdout.splitlines()[-30:])
    assert result.returncode == 0, f"with the process clock moved {moved}:\n{tail}\n{result.stderr[-2000:]}"
    assert re.search(r"\d+ passed", tail)
