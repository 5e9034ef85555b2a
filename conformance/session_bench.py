"""Starting the bundled simulators in-process for a run (`simphonie run` without --bench, `simphonie demo`)."""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Iterator

from simulators.app import create_app
from simulators.server import RunningServer, serve_in_thread
from simulators.settings import Settings

# A hanging AMC holds the request longer than the longest timeout a conformant GAP may have (60 s, ROC-FLT-042);
# the hold ends as soon as the GAP closes the connection, so a conformant GAP does not wait for it.
DEMO_HANG_SECONDS = 61.0


@contextlib.contextmanager
def bundled_simulators(*, seed: int, db_path: str | None = None,
                       actors: tuple[str, ...] = ("annuaire", "amc")) -> Iterator[RunningServer]:
    """The simulators on a free loopback port, state in `db_path` (a temporary file by default)."""
    with tempfile.TemporaryDirectory(prefix="simphonie-") as folder:
        settings = Settings(db_path=db_path or str(Path(folder) / "state.sqlite"), seed=seed, actors=actors,
                            timeout_behaviour_seconds=DEMO_HANG_SECONDS)
        with serve_in_thread(create_app(settings)) as server:
            yield server
