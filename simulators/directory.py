"""What the simulators of one session know: the seeded dataset, with the session's routing changes applied,
and the standing behaviours personas carry (e.g. every request to the slow AMC takes 1.4 s)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from simulators.domain.routing import AmcHost, Route, RoutingChange, apply_change


@dataclass(frozen=True)
class Directory:
    dataset: Any
    hosts: dict[str, AmcHost]
    routes: tuple[Route, ...]
    standing: dict[str, tuple[str, ...]]  # numéro AMC -> behaviour names

    def standing_behaviours(self, targets: tuple[str, ...]) -> tuple[str, ...]:
        names: list[str] = []
        for target in targets:
            names.extend(self.standing.get(target, ()))
        return tuple(names)


@functools.lru_cache(maxsize=64)
def directory_of(dataset: Any, changes: tuple[RoutingChange, ...] = ()) -> Directory:
    routes, hosts = tuple(dataset.routes), tuple(dataset.hosts)
    for change in changes:
        routes, hosts = apply_change(routes, hosts, change)
    standing: dict[str, list[str]] = {}
    for persona in dataset.personas.values():
        for behaviour in persona.behaviours:
            standing.setdefault(persona.attestation.numero_amc, []).append(behaviour)
    return Directory(dataset=dataset, hosts={h.host_id: h for h in hosts}, routes=tuple(routes),
                     standing={k: tuple(dict.fromkeys(v)) for k, v in standing.items()})


ROUTING_CHANGES = "routing_change"  # store document kind: one per changed AMC


def session_directory(runtime: Any, session: str) -> Directory:
    """The directory of a session: its dataset plus the routing changes applied through the control API
    (read once per request)."""
    from flask import g, has_request_context

    if has_request_context():
        cached = g.get("simphonie_directory")
        if cached is not None and cached[0] == session:
            return cached[1]
    changes = tuple(
        RoutingChange(body["numero_amc"], body["from_host_id"], body["to_host_id"])
        for _, body in runtime.store.documents(session, ROUTING_CHANGES)
    )
    directory = directory_of(runtime.dataset(session), changes)
    if has_request_context():
        g.simphonie_directory = (session, directory)
    return directory
