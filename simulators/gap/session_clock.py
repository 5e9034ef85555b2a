"""The reference GAP's today inside a test session: the day the bench's session clock shows.

A real GAP reads its own system clock; the bundled one follows the session (scenarios move it days ahead, a
campaign pins it), asking the control API, whose `today` already folds the session clock and the process clock.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

import requests

from simulators import clock


def bench_root(annuaire_url: str, session: str) -> str:
    """The simulators' root URL, from the session's annuaire URL that the runner gave the driver."""
    return annuaire_url.rstrip("/").removesuffix("/annuaire").removesuffix(f"/s/{session}")


def session_clock(annuaire_url: str, session: str) -> Callable[[], date]:
    """A `today()` for the GAP of `session`; the process clock's today when the bench cannot be asked."""
    url = f"{bench_root(annuaire_url, session)}/_bench/sessions/{session}"
    http = requests.Session()

    def today() -> date:
        try:
            shown = http.get(url, timeout=5).json().get("today")
        except (requests.RequestException, ValueError, AttributeError):
            shown = None
        return date.fromisoformat(shown) if shown else clock.today()

    return today
