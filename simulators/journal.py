"""One journal entry per exchange, whatever the actor or transport: the evidence conformance reads."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """An exchange as the bench saw it.

    `request`/`response` are text (XML, JSON, hex dump of frames...) already masked of card data;
    `validation` lists the problems found in the request (empty when valid); `outcome` is a short
    machine word ("ok", "fault:<code>", "http_503", "timeout", "nak", ...).
    """

    session: str
    actor: str  # "amc", "annuaire", "amo", "acquirer", "diapason", "terminal"
    service: str  # "IDB", "CLC", "0100", "consent", "concert", ...
    at: str  # ISO 8601 UTC timestamp of the request
    duration_ms: float
    request: str
    response: str
    outcome: str = "ok"
    validation: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["validation"] = list(self.validation)
        return data


class JournalSink(Protocol):
    """Where actors write their exchanges (the SQLite store, a list in tests...)."""

    def record(self, entry: JournalEntry) -> None: ...


class ListJournal:
    """In-memory sink for unit tests and sans-IO cores."""

    def __init__(self) -> None:
        self.entries: list[JournalEntry] = []

    def record(self, entry: JournalEntry) -> None:
        self.entries.append(entry)
