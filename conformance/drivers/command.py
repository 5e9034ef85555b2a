"""The `command` driver: one shell command per action, for CI pipelines that can script their GAP.

The command runs as `<command> <action>` with the case and parameters as JSON on standard input and
SIMPHONIE_ACTION, SIMPHONIE_SESSION, SIMPHONIE_ANNUAIRE_URL in the environment; it prints the stay's status as
JSON on standard output and exits 0 (exit 3 means "action not supported").
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
from typing import Any

from conformance.drivers import DriverError, UnsupportedAction


class CommandDriver:
    name = "command"

    def __init__(self, *, command: str | None = None, timeout: float = 60.0, **_: Any) -> None:
        if not command:
            raise DriverError("the command driver needs --command 'program args' (run as '<command> <action>')")
        self.argv = shlex.split(command)
        self.timeout = timeout
        self.env: dict[str, str] = {}

    def open(self, session: str, annuaire_url: str) -> None:
        self.env = {"SIMPHONIE_SESSION": session, "SIMPHONIE_ANNUAIRE_URL": annuaire_url}

    def act(self, action: str, case: Any, params: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps({"action": action, "case": case.to_dict() if case is not None else None,
                              "params": params, **{k.lower(): v for k, v in self.env.items()}})
        try:
            done = subprocess.run([*self.argv, action], input=payload, capture_output=True, text=True,
                                  timeout=self.timeout, env={**os.environ, **self.env, "SIMPHONIE_ACTION": action})
        except FileNotFoundError:
            raise DriverError(f"command not found: {self.argv[0]!r}") from None
        except subprocess.TimeoutExpired:
            raise DriverError(f"'{' '.join(self.argv)} {action}' did not finish within {self.timeout:.0f} s") from None
        if done.returncode == 3:
            raise UnsupportedAction(f"the GAP's command does not support {action!r}")
        if done.returncode != 0:
            raise DriverError(f"'{' '.join(self.argv)} {action}' exited {done.returncode}: "
                              f"{done.stderr.strip()[-500:]}")
        try:
            status = json.loads(done.stdout or "{}")
        except json.JSONDecodeError:
            raise DriverError(f"'{' '.join(self.argv)} {action}' printed no JSON status: {done.stdout[:200]!r}") from None
        if not isinstance(status, dict):
            raise DriverError(f"'{' '.join(self.argv)} {action}' printed {type(status).__name__}, expected an object")
        return status

    def close(self) -> None:
        pass
