"""ROC annuaire routing: which host serves an AMC for a (type de convention, critère secondaire) pair.

A host is one server running the ROC services of one or several AMCs (an AMC's own, or its delegated
operator's); the AMC simulator exposes it at `/amc/<host_id>/<service>`. A route turns the attestation's keys
into a host, or says the AMC is not in ROC. "Routing changed" means the annuaire now answers host B while host A
no longer lists the AMC (`apply_change`): a GAP that cached host A past the route's `valid_until` gets refused
there and must ask the annuaire again.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

ACTIVE = "active"
NOT_IN_ROC = "not_in_roc"
ROUTE_STATUSES = (ACTIVE, NOT_IN_ROC)
WILDCARD = "*"  # in a route's type_convention / critere_secondaire: any value


@dataclass(frozen=True, slots=True)
class AmcHost:
    """A server serving ROC services for the AMCs it lists."""

    host_id: str
    operator: str
    numeros_amc: tuple[str, ...]

    def serves(self, numero_amc: str) -> bool:
        return numero_amc in self.numeros_amc

    def path(self, service: str) -> str:
        """URL path of one of this host's services on the AMC simulator."""
        return f"/amc/{self.host_id}/{service}"


@dataclass(frozen=True, slots=True)
class Route:
    """One annuaire entry. Active routes name a host; `not_in_roc` routes have none.

    `valid_until` is how long a GAP may cache the answer.
    """

    numero_amc: str
    type_convention: str
    critere_secondaire: str
    host_id: str | None
    status: str  # "active" | "not_in_roc"
    valid_until: date

    def __post_init__(self) -> None:
        if self.status not in ROUTE_STATUSES:
            raise ValueError(f"route status must be one of {ROUTE_STATUSES}, got {self.status!r}")
        if (self.status == ACTIVE) != (self.host_id is not None):
            raise ValueError(f"an {self.status} route {'needs' if self.status == ACTIVE else 'has no'} host_id, "
                             f"got {self.host_id!r}")

    def matches(self, type_convention: str, critere: str) -> bool:
        return (self.type_convention in (WILDCARD, type_convention)
                and self.critere_secondaire in (WILDCARD, critere))

    @property
    def specificity(self) -> int:
        return (self.type_convention != WILDCARD) * 2 + (self.critere_secondaire != WILDCARD)


@dataclass(frozen=True, slots=True)
class RoutingChange:
    """The AMC's routes move from one host to another (and the old host stops listing it)."""

    numero_amc: str
    from_host_id: str
    to_host_id: str


def resolve(routes: Iterable[Route], numero_amc: str, type_convention: str, critere: str) -> Route | str:
    """The route for these attestation keys, or an error key.

    No route for the AMC → `amc.unknown`. The most specific matching route wins (exact type de convention
    before a wildcard, then exact critère); if it is `not_in_roc` → `amc.not_in_roc`. No match: `amc.not_in_roc`
    when every route of the AMC says so, else `routing.unknown`.
    """
    candidates = [route for route in routes if route.numero_amc == numero_amc]
    if not candidates:
        return "amc.unknown"
    matching = [route for route in candidates if route.matches(type_convention, critere)]
    if not matching:
        if all(route.status == NOT_IN_ROC for route in candidates):
            return "amc.not_in_roc"
        return "routing.unknown"
    best = max(matching, key=lambda route: route.specificity)  # max keeps the first of equals
    return "amc.not_in_roc" if best.status == NOT_IN_ROC else best


def find_host(hosts: Iterable[AmcHost], host_id: str) -> AmcHost | None:
    return next((host for host in hosts if host.host_id == host_id), None)


def apply_change(routes: Sequence[Route], hosts: Sequence[AmcHost],
                 change: RoutingChange) -> tuple[tuple[Route, ...], tuple[AmcHost, ...]]:
    """Routes and hosts after `change`: the AMC's routes point to the new host, which lists it; the old one not."""
    if find_host(hosts, change.to_host_id) is None:
        raise ValueError(f"routing change to unknown host {change.to_host_id!r}")
    new_routes = tuple(
        replace(route, host_id=change.to_host_id)
        if route.numero_amc == change.numero_amc and route.host_id == change.from_host_id else route
        for route in routes
    )
    new_hosts = []
    for host in hosts:
        numeros = host.numeros_amc
        if host.host_id == change.from_host_id:
            numeros = tuple(n for n in numeros if n != change.numero_amc)
        elif host.host_id == change.to_host_id and change.numero_amc not in numeros:
            numeros = numeros + (change.numero_amc,)
        new_hosts.append(host if numeros == host.numeros_amc else replace(host, numeros_amc=numeros))
    return new_routes, tuple(new_hosts)
