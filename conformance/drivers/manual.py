"""The `manual` driver: the bench tells an operator what to do on the GAP and waits; `await` steps then
watch for the GAP's traffic. Meant for a first qualification by hand, before writing an http adapter."""
from __future__ import annotations

import json
import sys
from typing import Any

from conformance.drivers import DriverError


class ManualDriver:
    name = "manual"

    def __init__(self, *, stdin=None, stdout=None, **_: Any) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stderr
        self.session = ""
        self.annuaire_url = ""

    def open(self, session: str, annuaire_url: str) -> None:
        if not (hasattr(self.stdin, "isatty") and self.stdin.isatty()) and self.stdin is sys.stdin:
            raise DriverError("the manual driver needs an interactive terminal (use --driver http or command in CI)")
        self.session, self.annuaire_url = session, annuaire_url

    def act(self, action: str, case: Any, params: dict[str, Any]) -> dict[str, Any]:
        lines = [f"\n=== session {self.session}: please {action.upper()} on the GAP ===",
                 f"ROC annuaire to use: {self.annuaire_url}"]
        if case is not None:
            lines.append(case.to_json())
        if params:
            lines.append(f"details: {json.dumps(params, ensure_ascii=False)}")
        lines.append("Press Enter when done (or type 'skip').")
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()
        answer = self.stdin.readline()
        if not answer:
            raise DriverError("the operator's terminal closed")
        if answer.strip().lower() == "skip":
            from conformance.drivers import UnsupportedAction

            raise UnsupportedAction(f"operator skipped {action}")
        return {"action": action, "operator": "done"}

    def close(self) -> None:
        pass
