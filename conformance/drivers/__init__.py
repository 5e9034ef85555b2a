"""Drivers tell a GAP under test what to do (admit, update, discharge, cancel, status...).

A registry keyed by name: `reference` (the bundled GAP, or one of its broken variants), `http` (the editor
exposes the small JSON API of `gap-adapter.openapi.yaml`), `command` (a shell command per action, for CI),
`manual` (an operator acts on the GAP while the bench waits for its traffic).
"""
from __future__ import annotations

import importlib
from typing import Any, Protocol

ACTIONS = ("admit", "update", "discharge", "bill", "cancel", "pay", "status")


class DriverError(Exception):
    """The driver could not get the GAP to act (timeout, adapter down, bad answer): a bench/environment error."""


class UnsupportedAction(DriverError):
    """The driver or the GAP does not offer this action: the step is skipped, not failed."""


class GapDriver(Protocol):
    name: str

    def open(self, session: str, annuaire_url: str) -> None: ...

    def act(self, action: str, case: Any, params: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


DRIVERS: dict[str, str] = {
    "reference": "conformance.drivers.reference:ReferenceDriver",
    "http": "conformance.drivers.http:HttpDriver",
    "command": "conformance.drivers.command:CommandDriver",
    "manual": "conformance.drivers.manual:ManualDriver",
}


def make_driver(name: str, **options: Any) -> GapDriver:
    """A fresh driver instance (one per scenario); unknown names list the valid ones."""
    if name not in DRIVERS:
        raise KeyError(f"unknown driver {name!r}; valid: {', '.join(DRIVERS)}")
    module_name, _, attribute = DRIVERS[name].partition(":")
    return getattr(importlib.import_module(module_name), attribute)(**options)
