"""Named terminals the control API can script and read: each is a script plus a journal (one per desk)."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from hardware_emulator.script import TerminalScript
from hardware_emulator.wire_log import RingJournal

TERMINAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(slots=True)
class TerminalSlot:
    script: TerminalScript
    journal: RingJournal
    info: dict[str, Any] = field(default_factory=dict)  # protocol, link, address once started


class TerminalRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, TerminalSlot] = {}

    def slot(self, name: str, *, create: bool = False) -> TerminalSlot | None:
        if not TERMINAL_NAME.match(name):
            raise ValueError(f"invalid terminal name {name!r}: 1-64 letters, digits, '.', '_' or '-'")
        with self._lock:
            slot = self._slots.get(name)
            if slot is None and create:
                slot = self._slots[name] = TerminalSlot(TerminalScript(), RingJournal())
            return slot

    def register(self, name: str, slot: TerminalSlot) -> None:
        self.slot(name)  # validates the name
        with self._lock:
            self._slots[name] = slot

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._slots)
