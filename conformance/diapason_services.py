"""The DIAPASON desk's bundled services (`BUNDLED_SERVICES["diapason-desk"]`): the acquirer's ISO 8583 server,
the provider's debitor linked to it, and one payment terminal per test session, all journaling into the
simulators' store under the scenario's session.

How a scenario's session reaches each actor:
- terminal: `DeskTerminals.open(session, protocol)` starts that session's own terminal (Caisse-AP over TCP,
  or Concert E+ over a pty) whose journal entries carry the session; its card outcomes and line faults come
  from the session's behaviours `terminal:<outcome>` and `terminal_fault:<kind>[:param=value,...]`, read
  when the terminal needs them (a behaviour's `times` is how many transactions or firings; none: always);
- acquirer: the provider's debits of a session go through that session's own link, whose terminal id (DE41)
  the acquirer routes to the session; `acquirer:<name>` behaviours (`acquirer:decline:51`,
  `acquirer:no_response`, `acquirer:latency:1200ms`, `acquirer:duplicate`) script its next answers.
Give these behaviours `actor: terminal` / `actor: acquirer` so no other actor counts them down.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from datetime import date
from typing import Any, Callable, Iterator

from simulators import clock
from hardware_emulator.emulator import TerminalEmulator
from hardware_emulator.faults import CONCERT, FaultError, fault_kind
from hardware_emulator.outcomes import UnknownOutcome, outcome
from hardware_emulator.script import ScriptError, TerminalScript
from hardware_emulator.transports.pty_link import PtyLink
from simulators.acquirer import AcquirerClient, AcquirerCore, AcquirerServer
from simulators.acquirer.behaviours import UnknownBehaviour as UnknownAcquirerBehaviour
from simulators.acquirer.behaviours import parse_behaviour as parse_acquirer_behaviour
from simulators.behaviours import Effect, UnknownBehaviour, behaviour
from simulators.diapason.acquirer_link import AcquirerDebitor
from simulators.diapason.debitor import DebitOrder, DebitResult, RefundOrder
from simulators.diapason.service import install_debitor
from simulators.gap.diapason_actions import LANES
from simulators.gap.diapason_serial import PolledPort

ACQUIRER_TIMEOUT_S = 2.0  # the provider's wait for the acquirer before it reverses (a GAP waits 5 s by default)
TERMINAL, ACQUIRER = "terminal", "acquirer"


# -- session behaviours -------------------------------------------------------------------------------------------
def fault_params(text: str) -> dict[str, Any]:
    """`delay=2,at=0.5` -> {"delay": 2.0, "at": 0.5} (numbers as floats, anything else as text)."""
    params: dict[str, Any] = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        try:
            params[name] = float(value)
        except ValueError:
            params[name] = value
    return params


def _register(pattern: str, example: str, description: str, validate: Callable[[str], Any],
              error: type[Exception]) -> None:
    """A session behaviour the simulators accept (no effect of their own): its name is checked when added."""

    def effect(match: re.Match[str]) -> Effect:
        try:
            validate(match.group(1))
        except error as problem:
            raise UnknownBehaviour(str(problem)) from None
        return Effect()

    behaviour(pattern, example, description)(effect)


_register(r"terminal:([a-z_]+)", "terminal:wrong_pin", "the desk terminal's next card outcome (times: how many)",
          outcome, UnknownOutcome)
_register(r"terminal_fault:([a-z_]+)(?::\S+)?", "terminal_fault:nak_frame",
          "arm a line fault on the desk terminal, with parameters: terminal_fault:late_answer:delay=2",
          fault_kind, FaultError)
_register(r"acquirer:(\S+)", "acquirer:decline:51", "script the acquirer's next answer to the session's DIAPASON "
          "debits (decline:NN, no_response, latency:Nms, duplicate)", parse_acquirer_behaviour,
          UnknownAcquirerBehaviour)


class SessionBehaviours:
    """A session's behaviours of one actor and prefix, each taken once: `new()` gives those not seen yet."""

    def __init__(self, store: Any, session: str, actor: str, prefix: str) -> None:
        self.store, self.session, self.actor, self.prefix = store, session, actor, prefix
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def new(self) -> list[Any]:
        with self._lock:
            found = [b for b in self.store.behaviours(self.session) if b.id not in self._seen
                     and b.actor in (None, self.actor) and b.name.startswith(self.prefix)]
            self._seen.update(b.id for b in found)
            return found


# -- the desk terminals ---------------------------------------------------------------------------------------------
class SessionScript(TerminalScript):
    """A terminal script fed by the session's `terminal:` and `terminal_fault:` behaviours as they appear."""

    def __init__(self, store: Any, session: str) -> None:
        super().__init__()
        self._outcomes_source = SessionBehaviours(store, session, TERMINAL, "terminal:")
        self._faults_source = SessionBehaviours(store, session, TERMINAL, "terminal_fault:")
        self.skipped: list[str] = []  # behaviours that do not apply to this terminal's protocol

    def _sync(self) -> None:
        for item in self._outcomes_source.new():
            name = item.name.partition(":")[2]
            if item.remaining is None:
                self.set_default_outcome(name)
            for _ in range(item.remaining or 0):
                self.queue_outcome(name)
        for item in self._faults_source.new():
            kind, _, params = item.name.partition(":")[2].partition(":")
            try:
                self.arm_fault(kind, item.remaining, **fault_params(params))
            except (FaultError, ScriptError) as error:
                self.skipped.append(f"{item.name}: {error}")

    def next_outcome(self, amount_cents: int):  # type: ignore[override]
        self._sync()
        return super().next_outcome(amount_cents)

    def take_fault(self, kind: str):  # type: ignore[override]
        self._sync()
        return super().take_fault(kind)


def session_today(store: Any, session: str) -> date:
    info = store.session(session)
    return clock.session_today(info.clock if info else None)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


class DeskTerminal(TerminalEmulator):
    """A terminal whose pty master is polled (poll(), not select(): a busy bench holds descriptors past 1024)."""

    def _start_pty(self) -> str:
        self.pty = PtyLink(None, self._baud)
        self._closers.append(self.pty.close)
        self._serve_line(PolledPort(self.pty.port()._fd))  # the master side, which only PtyLink's port exposes
        return self.pty.path


class DeskTerminals:
    """One terminal per (test session, protocol), started on first use, journaling into the store."""

    def __init__(self, store: Any, *, seed: int, host: str = "127.0.0.1") -> None:
        self.store, self.seed, self.host = store, seed, host
        self._lanes: dict[tuple[str, str], DeskTerminal] = {}
        self._lock = threading.Lock()

    def open(self, session: str, protocol: str) -> str:
        with self._lock:
            lane = self._lanes.get((session, protocol))
            if lane is None:
                lane = DeskTerminal(
                    protocol, "pty" if protocol == CONCERT else "tcp", script=SessionScript(self.store, session),
                    seed=int(_digest(self.seed, session)[:8], 16), journal=self.store, session=session,
                    host=self.host, port=0, symlink=None, today=lambda: session_today(self.store, session))
                lane.start()
                self._lanes[(session, protocol)] = lane
            return lane.address

    def release(self, session: str) -> None:
        with self._lock:
            lanes = [self._lanes.pop(key) for key in list(self._lanes) if key[0] == session]
        for lane in lanes:
            lane.stop()

    def close(self) -> None:
        for session in {key[0] for key in list(self._lanes)}:
            self.release(session)


# -- the provider's link to the acquirer ----------------------------------------------------------------------------
class CountedBehaviours:
    """The session's `acquirer:` behaviours as next answers: each applies to `times` messages (none: all);
    the oldest one still due answers the next message."""

    def __init__(self, source: SessionBehaviours) -> None:
        self.source = source
        self._left: dict[int, list[Any]] = {}  # behaviour id -> [acquirer behaviour name, messages left or None]

    def next_name(self) -> str | None:
        for item in self.source.new():
            self._left[item.id] = [item.name.partition(":")[2], item.remaining]
        for item_id in sorted(self._left):
            name, left = self._left[item_id]
            if left is not None:
                if left <= 1:
                    del self._left[item_id]
                else:
                    self._left[item_id][1] = left - 1
            return name
        return None


class SessionDebitor:
    """The provider's `Debitor`: one acquirer link per test session (its DE41 routed to the session by the
    acquirer), with the session's `acquirer:` behaviours scripted just before each message."""

    def __init__(self, core: AcquirerCore, store: Any, host: str, port: int, *,
                 timeout: float = ACQUIRER_TIMEOUT_S) -> None:
        self.core, self.store, self.host, self.port, self.timeout = core, store, host, port, timeout
        self._links: dict[str, tuple[AcquirerDebitor, CountedBehaviours]] = {}
        self._lock = threading.Lock()

    def _link(self, session: str) -> AcquirerDebitor:
        with self._lock:
            if session not in self._links:
                terminal_id = "D" + _digest(session)[:7].upper()
                self.core.bind_session(session, terminal_id=terminal_id)
                client = AcquirerClient(self.host, self.port, timeout=self.timeout, terminal_id=terminal_id,
                                        merchant_id="DIAPASON")
                source = SessionBehaviours(self.store, session, ACQUIRER, "acquirer:")
                self._links[session] = (AcquirerDebitor(client), CountedBehaviours(source))
            link, behaviours = self._links[session]
            name = behaviours.next_name()
        if name:
            self.core.script(session, name)
        return link

    def debit(self, order: DebitOrder) -> DebitResult:
        return self._link(order.session).debit(order)

    def refund(self, order: RefundOrder) -> DebitResult:
        return self._link(order.session).refund(order)

    def close(self) -> None:
        with self._lock:
            links, self._links = list(self._links.values()), {}
        for link, _ in links:
            link.client.close()


@contextlib.contextmanager
def diapason_desk(settings: Any, server: Any, app: Any) -> Iterator[dict[str, Any]]:
    """The bundled service: yields the facts drivers get (`acquirer`, `diapason_terminals`)."""
    store = app.extensions["simphonie"].store
    core = AcquirerCore(journal=store, today=lambda session: session_today(store, session))
    acquirer = AcquirerServer(core, "127.0.0.1", 0, idle_timeout=120).start()
    host, port = acquirer.address
    debitor = SessionDebitor(core, store, host, port)
    install_debitor(app, debitor)
    lanes = DeskTerminals(store, seed=settings.seed)
    key = f"desk-{port}"
    LANES[key] = lanes
    app.extensions["simphonie.terminals"] = lanes  # GAPs outside this process ask /_bench for their terminal
    try:
        yield {"acquirer": f"{host}:{port}", "diapason_terminals": key}
    finally:
        LANES.pop(key, None)
        app.extensions.pop("simphonie.terminals", None)
        lanes.close()
        debitor.close()
        acquirer.stop()
