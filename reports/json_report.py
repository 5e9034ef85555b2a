"""run.json: the canonical report, versioned by `schema_version` and described by run.schema.json."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from conformance.model import RunResult
from reports.serialize import run_from_dict, run_to_dict

SCHEMA_PATH = Path(__file__).with_name("run.schema.json")


def dumps(run: RunResult) -> str:
    """Deterministic text: sorted keys, two-space indent, UTF-8 kept readable, final newline."""
    return json.dumps(run_to_dict(run), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_json(run: RunResult, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(dumps(run), encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def schema_problems(document: Any) -> list[str]:
    """Why `document` is not a valid run.json (empty when it is)."""
    problems = []
    for error in sorted(_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{where or '(root)'}: {error.message}")
    return problems


def read_json(path: str | Path) -> RunResult:
    """Load a run.json, refusing a document that does not match the schema (problems listed)."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = schema_problems(document)
    if problems:
        raise ValueError(f"{path} is not a valid run report:\n  " + "\n  ".join(problems[:20]))
    return run_from_dict(document)
