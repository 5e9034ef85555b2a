"""A simulator on a free port, short load profiles written on the fly, and the CLI as a test client."""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli import cli
from simulators.app import create_app
from simulators.server import serve_in_thread
from simulators.settings import Settings

LOOSE_THRESHOLDS = {"max_p95_ms": 5000, "max_p99_ms": 10000, "max_error_rate": 0.05, "min_rps": 0.5,
                    "min_schema_valid": 0.99, "operations": {"IDB": {"max_p99_ms": 10000}}}


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    settings = Settings(db_path=str(tmp_path_factory.mktemp("load-sim") / "state.sqlite"),
                        actors=("annuaire", "amc", "amo", "diapason"))
    with serve_in_thread(create_app(settings)) as running:
        yield running


def short_profile(directory: Path, name: str = "short", **changes) -> Path:
    """A few seconds, a few users, every answer validated: a real run that stays fast."""
    document = {
        "name": name, "users": 4, "spawn_rate": 20, "duration": 3, "think_time": [0.05, 0.2],
        "mix": {"roc": 1}, "flow": {"annuaire": 0.2, "sim": 0.5, "clc": 1.0, "cancel": 0.3},
        "validation": {"sample": 1.0}, "shape": {"kind": "steady"}, "thresholds": LOOSE_THRESHOLDS,
    }
    document.update(changes)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def run_cli(*args: str):
    return CliRunner().invoke(cli, ["load", *args], catch_exceptions=False)


def summary_of(report_dir: Path) -> dict:
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
