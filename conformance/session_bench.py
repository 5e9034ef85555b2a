"""Starting the bundled simulators in-process for a run (`simphonie run` without --bench, `simphonie demo`).

Besides the HTTP simulators, other parts of the ecosystem (the acquirer's TCP server, a payment terminal, the
billing SMTP intake...) register here as *bundled services*: context managers started next to the simulators,
each yielding facts (addresses, ports) that the runner hands to drivers as the run's `environment`.
"""
from __future__ import annotations

import contextlib
import importlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterator

from simulators.app import create_app
from simulators.server import RunningServer, serve_in_thread
from simulators.settings import Settings

# A hanging AMC holds the request longer than the longest timeout a conformant GAP may have (60 s, ROC-FLT-042);
# the hold ends as soon as the GAP closes the connection, so a conformant GAP does not wait for it.
DEMO_HANG_SECONDS = 61.0

BUNDLED_ACTORS: tuple[str, ...] = ("annuaire", "amc", "amo", "diapason")

# name -> "module:factory"; factory(settings, server, app) returns a context manager yielding a dict of facts.
BUNDLED_SERVICES: dict[str, str] = {}
BUNDLED_SERVICES["diapason-desk"] = "conformance.diapason_services:diapason_desk"
BUNDLED_SERVICES["billing-smtp"] = "conformance.billing_actions:bundled_smtp"

ServiceFactory = Callable[[Settings, RunningServer, Any], ContextManager[dict[str, Any]]]


@dataclass
class BundledBench:
    server: RunningServer
    app: Any
    settings: Settings
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url


def _factory(spec: str) -> ServiceFactory:
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@contextlib.contextmanager
def bundled_simulators(*, seed: int, db_path: str | None = None, actors: tuple[str, ...] = BUNDLED_ACTORS,
                       services: tuple[str, ...] | None = None, port: int = 0) -> Iterator[BundledBench]:
    """The simulators on a loopback port (`port`, 0: a free one; state in `db_path`, a temporary file by
    default) and the bundled services; `services` None starts them all."""
    with tempfile.TemporaryDirectory(prefix="simphonie-") as folder, contextlib.ExitStack() as stack:
        settings = Settings(db_path=db_path or str(Path(folder) / "state.sqlite"), seed=seed, actors=actors,
                            timeout_behaviour_seconds=DEMO_HANG_SECONDS)
        app = create_app(settings)
        server = stack.enter_context(serve_in_thread(app, port=port))
        bench = BundledBench(server, app, settings, {"bench_url": server.url})
        for name in services if services is not None else tuple(BUNDLED_SERVICES):
            facts = stack.enter_context(_factory(BUNDLED_SERVICES[name])(settings, server, app))
            bench.environment.update(facts or {})
        yield bench
