"""The reference driver's DIAPASON actions (registered in conformance/drivers/reference.py REFERENCE_ACTIONS):
`consent`, `notify`, `pay`, `refund`, `revoke`, each `action(driver, case, params) -> status dict`.

The desk is built on first use and kept in `driver.extras["diapason"]` for the scenario. It finds the desk's
terminal through `driver.environment`: `diapason_terminals` names a `TerminalLanes` (one terminal per test
session, registered here by the bundled services) or, without one, `terminal` (a Caisse-AP host:port) and
`terminal_path` (a Concert serial path) are used as they are. `diapason_variant` picks a broken desk.
Params whose names are `DiapasonPolicy` fields (ceiling_cents, protocol, ...) change the desk's policy.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Callable, Protocol

from simulators.gap.diapason import DiapasonDesk, DiapasonPolicy
from simulators.gap.diapason_provider import ProviderClient
from simulators.gap.diapason_terminal import CAISSE_AP
from simulators.gap.diapason_variants import desk_class

POLICY_FIELDS = frozenset(f.name for f in fields(DiapasonPolicy))


class TerminalLanes(Protocol):
    """Hands out one desk terminal per test session (so its journal carries the session)."""

    def open(self, session: str, protocol: str) -> str: ...
    def release(self, session: str) -> None: ...


LANES: dict[str, TerminalLanes] = {}


def bench_base(annuaire_url: str) -> str:
    """The simulators' base URL with the session prefix, from the annuaire URL the runner gave the driver."""
    return annuaire_url.rstrip("/").removesuffix("/annuaire")


def _terminals(driver: Any) -> tuple[Callable[[str], str], Callable[[], None] | None]:
    environment = driver.environment
    lanes = LANES.get(str(environment.get("diapason_terminals", "")))
    if lanes is not None:
        return (lambda protocol: lanes.open(driver.session, protocol)), (lambda: lanes.release(driver.session))

    def fixed(protocol: str) -> str:
        key = "terminal" if protocol == CAISSE_AP else "terminal_path"
        if key not in environment:
            raise LookupError(f"no {protocol} terminal in the run's environment ({key})")
        return str(environment[key])

    return fixed, None


def desk_of(driver: Any, params: dict[str, Any]) -> DiapasonDesk:
    desk = driver.extras.get("diapason")
    if desk is None:
        terminals, release = _terminals(driver)
        provider = ProviderClient(f"{bench_base(driver.annuaire_url)}/diapason/v1", session=driver.session)
        desk = desk_class(driver.environment.get("diapason_variant"))(
            provider, terminals, driver.gap, clock=driver.today,
            release=release)
        driver.extras["diapason"] = desk
    desk.configure(**{key: value for key, value in params.items() if key in POLICY_FIELDS})
    return desk


def _venue(case: Any, params: dict[str, Any]) -> str:
    venue = case.venue if case is not None else params.get("venue")
    if not venue:
        raise ValueError("DIAPASON actions need a persona given first (or a venue parameter)")
    return venue


def consent(driver: Any, case: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Admission: consent on the terminal with the PIN, then registered at the provider."""
    venue = _venue(case, params)
    return desk_of(driver, params).consent(venue, case if case is not None else driver.gap.case_of(venue))


def notify(driver: Any, case: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Billing is done: close (R = 0), notify (R <= ceiling) or invoice the patient."""
    return desk_of(driver, params).notify(_venue(case, params))


def pay(driver: Any, case: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Debit once the lead time has passed (notifying first if needed)."""
    return desk_of(driver, params).pay(_venue(case, params))


def refund(driver: Any, case: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Give part or all of the debit back (`amount_cents`, default the whole refundable amount)."""
    desk = desk_of(driver, params)
    venue = _venue(case, params)
    status = desk.status(venue)
    amount = params.get("amount_cents")
    if amount is None:
        amount = (status["debit"] or {}).get("amount_cents", 0) - status["refunded_cents"]
    return desk.refund(venue, int(amount), str(params.get("reason", "corrected invoice")))


def revoke(driver: Any, case: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The patient chose another payment method."""
    return desk_of(driver, params).revoke(_venue(case, params), str(params.get("reason", "patient_request")))
