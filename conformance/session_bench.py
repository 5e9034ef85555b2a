"""Starting the bundled simulators in-process for a run (`simphonie run` without --bench, `simphonie demo`)."""
from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Iterator

from simulators.app import create_app
from simulators.server import RunningServer, serve_in_thread
from simulators.settings import Settings

# A hanging AMC holds the request a little longer than a conformant GAP's minimal 5 s timeout (ROC-FLT-042).
DEMO_HANG_SECONDS = 6.0


@contextlib.contextmanager
def bundled_simulators(*, seed: int, db_path: str | None = None,
                       actors: tuple[str, ...] = ("annuaire", "amc")) -> Iterator[RunningServer]:
    """The simulators on a free loopback port, state in `db_path` (a temporary file by default)."""
    with tempfile.TemporaryDirectory(prefix="simphonie-") as folder:
        settings = Settings(db_path=db_path or str(Path(folder) / "state.sqlite"), seed=seed, actors=actors,
                            timeout_behaviour_seconds=DEMO_HANG_SECONDS)
        with serve_in_thread(create_app(settings)) as server:
            yield server
