"""The GAP's cache of annuaire answers: one entry per (numéro AMC, type de convention, critère secondaire),
kept until the answer's valid_until (inclusive) by the GAP's clock, dropped when a host says routing.unknown."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from simulators.domain.contracts import Attestation

RouteKey = tuple[str, str, str]


def route_key(attestation: Attestation) -> RouteKey:
    return (attestation.numero_amc, attestation.type_convention, attestation.critere_secondaire)


@dataclass(frozen=True, slots=True)
class CachedRoute:
    """Where each service of an AMC answers (service id → URL), and until when the GAP may believe it."""

    numero_amc: str
    operator: str
    endpoints: dict[str, str]
    valid_until: date

    def valid_on(self, today: date) -> bool:
        return today <= self.valid_until


class RouteCache:
    """Thread-safe; `lock_for(key)` serialises the lookups of one key so two stays of the same AMC admitted at
    once make one annuaire call (ROC-ANN-003)."""

    def __init__(self) -> None:
        self._routes: dict[RouteKey, CachedRoute] = {}
        self._locks: dict[RouteKey, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock_for(self, key: RouteKey) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: RouteKey, today: date) -> CachedRoute | None:
        with self._guard:
            route = self._routes.get(key)
        return route if route is not None and route.valid_on(today) else None

    def put(self, key: RouteKey, route: CachedRoute) -> None:
        with self._guard:
            self._routes[key] = route

    def drop(self, key: RouteKey) -> None:
        with self._guard:
            self._routes.pop(key, None)
