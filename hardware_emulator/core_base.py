"""What both terminal cores share: writes scheduled at a time and journaled as they are scheduled, deadlines,
and line faults taken from the terminal's script (noted for the journal entry)."""
from __future__ import annotations

from typing import Callable

from hardware_emulator.engine import PaymentEngine
from hardware_emulator.faults import Fault
from hardware_emulator.wire_log import OUT, RingJournal, WireLog
from simulators.journal import JournalSink


class CoreBase:
    def __init__(self, engine: PaymentEngine, *, journal: JournalSink | None, session: str, service: str,
                 clock: Callable[[], float]) -> None:
        self.engine = engine
        self.journal = journal if journal is not None else RingJournal()
        self._clock = clock
        self._wire = WireLog(self.journal, session=session, service=service, clock=clock)
        self._outbox: list[tuple[float, bytes, str]] = []
        self._fired: list[str] = []
        self.deadline: float | None = None

    def next_deadline(self) -> float | None:
        """When `tick` has something to do: the protocol's own deadline or a scheduled write."""
        times = [due for due, _, _ in self._outbox]
        if self.deadline is not None:
            times.append(self.deadline)
        return min(times, default=None)

    def _emit(self, data: bytes, at: float, kind: str) -> None:
        """Schedule a write; it is journaled now (with its due time) so it stays in this exchange's entry."""
        self._wire.unit(OUT, data, kind, at)
        self._outbox.append((at, data, kind))
        self._outbox.sort(key=lambda item: item[0])

    def _drain(self, now: float) -> list[bytes]:
        due = [data for at, data, _ in self._outbox if at <= now]
        self._outbox = [item for item in self._outbox if item[0] > now]
        return due

    def _fault(self, kind: str) -> Fault | None:
        fault = self.engine.script.take_fault(kind)
        if fault is not None:
            self._fired.append(kind)
        return fault
