"""The `reference` driver: the bundled GAP (or one of its deliberately broken variants) in this process.

ROC actions are built in; other flows (billing, DIAPASON...) register their actions in `REFERENCE_ACTIONS`
as "module:function", called as `function(driver, case, params) -> dict` (the stay status, JSON-ready).
"""
from __future__ import annotations

import importlib
from typing import Any

from conformance.drivers import DriverError, UnsupportedAction

REFERENCE_ACTIONS: dict[str, str] = {}
REFERENCE_ACTIONS["consent"] = "simulators.gap.diapason_actions:consent"
REFERENCE_ACTIONS["notify"] = "simulators.gap.diapason_actions:notify"
REFERENCE_ACTIONS["pay"] = "simulators.gap.diapason_actions:pay"
REFERENCE_ACTIONS["refund"] = "simulators.gap.diapason_actions:refund"
REFERENCE_ACTIONS["revoke"] = "simulators.gap.diapason_actions:revoke"
REFERENCE_ACTIONS["bill"] = "conformance.billing_actions:bill"


def _families() -> dict[str, list[str]]:
    from simulators.gap.billing import Variant
    from simulators.gap.diapason_variants import DIAPASON_VARIANTS
    from simulators.gap.variants import VARIANTS

    return {"roc": sorted(VARIANTS), "billing": sorted(v.value for v in Variant), "diapason": sorted(DIAPASON_VARIANTS)}


def variant_family(name: str) -> str | None:
    """Which part of the reference GAP a variant breaks: roc, billing or diapason (None: unknown name)."""
    if name == "reference":
        return "roc"
    return next((family for family, names in _families().items() if name in names), None)


def all_variants() -> list[str]:
    return [name for names in _families().values() for name in names]


class ReferenceDriver:
    name = "reference"

    def __init__(self, *, variant: str = "reference", policy: Any = None, environment: dict[str, Any] | None = None,
                 **_: Any) -> None:
        self.environment = dict(environment or {})  # facts of the bundled services (acquirer address...)
        family = variant_family(variant)
        if family is None:
            raise DriverError(f"unknown GAP variant {variant!r}; valid: reference, {', '.join(all_variants())}")
        if family != "roc":  # a broken billing office or DIAPASON desk beside the reference ROC GAP
            self.environment[f"{family}_variant"] = variant
            variant = "reference"
        self.variant = variant
        self.policy = policy
        self.extras: dict[str, Any] = {}  # state kept by registered actions for the scenario
        self.gap = None
        self.session = ""
        self.annuaire_url = ""
        self.today: Any = None  # the GAP's today: the session's clock on the bench

    def open(self, session: str, annuaire_url: str) -> None:
        from conformance.hospital import session_seed
        from simulators.gap.session_clock import session_clock
        from simulators.gap.variants import build_gap

        self.session, self.annuaire_url = session, annuaire_url
        self.today = session_clock(annuaire_url, session)
        options = {"policy": self.policy} if self.policy is not None else {}
        self.gap = build_gap(None if self.variant == "reference" else self.variant, annuaire_url, clock=self.today,
                             id_seed=session_seed(session), **options)

    def act(self, action: str, case: Any, params: dict[str, Any]) -> dict[str, Any]:
        if self.gap is None:
            raise DriverError("driver not opened")
        venue = case.venue if case is not None else params.get("venue")
        if action == "admit":
            status = self.gap.admit(case)
        elif action == "update":
            status = self.gap.update(venue, stay=case.stay, lines=case.lines)
        elif action == "discharge":
            status = self.gap.discharge(venue)
        elif action == "cancel":
            status = self.gap.cancel(venue, params.get("reason", "stay cancelled"))
        elif action == "status":
            status = self.gap.status(venue)
        elif action in REFERENCE_ACTIONS:
            module_name, _, attribute = REFERENCE_ACTIONS[action].partition(":")
            return getattr(importlib.import_module(module_name), attribute)(self, case, params)
        else:
            raise UnsupportedAction(f"the reference driver does not {action} yet")
        return status.to_dict()

    def close(self) -> None:
        for closable in self.extras.values():
            if hasattr(closable, "close"):
                closable.close()
        if self.gap is not None:
            self.gap.close()
