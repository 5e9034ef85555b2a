"""What every actor needs at request time: settings, the store, the profile, the session's dataset and clock.

One `Runtime` per app, reached with `runtime()` inside a request; it keeps no per-request state.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from flask import current_app, g, has_request_context, request

from simulators import clock
from simulators.behaviours import Effect, combine, parse_behaviour
from simulators.journal import JournalEntry
from simulators.masking import mask_counting
from simulators.settings import Settings
from simulators.store import DEFAULT_SESSION, Store


def dataset_for_seed(seed: int, reference_day: date | None = None):
    """The dataset of `seed` anchored on `reference_day` (default: the clock's today), built once per process."""
    return _dataset(seed, reference_day or clock.today())


@functools.lru_cache(maxsize=16)
def _dataset(seed: int, reference_day: date):
    """Datasets are pure functions of their seed and reference day: build once per process and share."""
    from simulators.data.dataset import build_dataset

    return build_dataset(seed, reference_date=reference_day)


@dataclass
class Runtime:
    settings: Settings
    store: Store

    def __post_init__(self) -> None:
        self._known_sessions: set[str] = set()

    # -- sessions -------------------------------------------------------------------------------------
    def current_session(self) -> str:
        """The URL prefix or header wins; under mutual TLS, else the session bound to the certificate's FINESS."""
        session = request.environ.get("simphonie.session")
        finess = request.environ.get("simphonie.client_finess")
        if session is None and finess:
            session = self.store.session_for_finess(finess)
        session = session or DEFAULT_SESSION
        if session not in self._known_sessions:
            self.store.ensure_session(session)
            self._known_sessions.add(session)
        return session

    def forget_session(self, session: str) -> None:
        self._known_sessions.discard(session)

    def session_info(self, session: str):
        """The session's row, read once per request (several rules ask for its seed and clock)."""
        cache = g.setdefault("simphonie_sessions", {}) if has_request_context() else {}
        if session not in cache:
            cache[session] = self.store.session(session)
        return cache[session]

    def dataset(self, session: str):
        info = self.session_info(session)
        return dataset_for_seed(info.seed if info else self.settings.seed, self.reference_day(session))

    def reference_day(self, session: str) -> date:
        """The day the session's dataset is anchored on: pinned at its creation, else the clock's today."""
        info = self.session_info(session)
        return date.fromisoformat(info.reference_day) if info and info.reference_day else clock.today()

    def today(self, session: str) -> date:
        """The session's clock: a date set by the control API (scenarios jump days ahead), else today."""
        info = self.session_info(session)
        return clock.session_today(info.clock if info else None)

    @functools.cached_property
    def profile(self):
        from simulators.profiles import load_profile

        return load_profile(self.settings.profile)

    # -- behaviours -----------------------------------------------------------------------------------
    def effect_for(self, session: str, actor: str, service: str, targets: tuple[str, ...] = ()) -> Effect:
        behaviours = self.store.consume_behaviours(session, actor, service, targets)
        return combine([parse_behaviour(b.name) for b in behaviours]) if behaviours else Effect()

    # -- journal --------------------------------------------------------------------------------------
    def journal(self, *, session: str, actor: str, service: str, started: float, request_text: str,
                response_text: str, outcome: str = "ok", validation: tuple[str, ...] = (),
                meta: dict[str, Any] | None = None,
                masking: Callable[[str], tuple[str, int]] = mask_counting) -> None:
        """Journal one exchange, card numbers masked (`masking`: how, for the kind of text exchanged)."""
        request_text, leaked = masking(request_text)
        response_text, leaked_back = masking(response_text)
        meta = dict(meta or {})
        if leaked or leaked_back:  # the journal never keeps a card number, but the leak itself is evidence
            meta["masked_pans"] = leaked + leaked_back
        self.store.record(JournalEntry(
            session=session, actor=actor, service=service,
            at=clock.from_timestamp(started).isoformat(timespec="milliseconds"),
            duration_ms=round(max(0.0, clock.timestamp() - started) * 1000, 3),
            request=request_text, response=response_text,
            outcome=outcome, validation=validation, meta=meta,
        ))


def runtime() -> Runtime:
    return current_app.extensions["simphonie"]
