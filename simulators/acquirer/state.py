"""Acquirer state per test session: transactions (holds, captures, reversals), STANs seen, scripted behaviours.

`AcquirerState` is the interface the core uses, so the store can be SQLite later; `InMemoryAcquirerState`
keeps dicts and survives restarts through `snapshot()`/`restore()` (a JSON-ready dict). No PAN is ever held:
a transaction keeps the card token and the masked PAN. Implementations need not be thread-safe: the core
serialises every call.
"""
from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping, Protocol

from simulators.domain.money import Cents

DEFAULT_SESSION = "default"
SNAPSHOT_VERSION = 2  # 2: RRN sequences per session (1, a global one, still reads)

# Transaction.status values
DECLINED = "declined"  # any answer other than 00: nothing held, nothing moved
VERIFIED = "verified"  # zero-amount authorisation approved: card checked, nothing held
AUTHORISED = "authorised"  # hold open for `hold` cents
COMPLETED = "completed"  # authorisation settled by a completion (hold consumed)
RELEASED = "released"  # hold given back (completion of 0, or its completion was reversed)
CAPTURED = "captured"  # money moved: a 0200 or a 0220
REVERSED = "reversed"  # undone by a reversal
APPLIED = "applied"  # a reversal that undid its original
NO_EFFECT = "no_effect"  # a reversal acknowledged with nothing left to undo


@dataclass(frozen=True, slots=True)
class Transaction:
    """One processed 0100/0200/0220/04x0, as the acquirer books it."""

    id: str  # the RRN the acquirer gave it (DE37), unique in the state
    session: str
    kind: str  # authorisation, verification, financial, completion, reversal
    mti: str
    stan: str
    terminal_id: str
    merchant_id: str
    original_key: str  # OriginalData.key of the request: what a later DE90 must match
    day: str  # acquirer business day, ISO date
    amount: Cents
    currency: str
    response_code: str
    status: str
    auth_id: str = ""
    card_token: str = ""
    masked_pan: str = ""
    hold: Cents = 0  # amount still held on the card
    captured: Cents = 0  # amount moved
    parent: str = ""  # completion and reversal: id of the transaction acted on


@dataclass(frozen=True, slots=True)
class StanRecord:
    """A STAN used by a terminal on a day, with the answer given, so a repeat gets the same answer."""

    key: str  # "<family>|<terminal>|<day>|<stan>"
    response_code: str
    auth_id: str = ""
    rrn: str = ""


class AcquirerState(Protocol):
    def bind(self, session: str, *, terminal_id: str | None = None, merchant_id: str | None = None) -> None: ...
    def session_for(self, terminal_id: str, merchant_id: str) -> str: ...
    def put(self, transaction: Transaction) -> None: ...
    def get(self, session: str, transaction_id: str) -> Transaction | None: ...
    def find_original(self, session: str, terminal_id: str, original_key: str) -> Transaction | None: ...
    def transactions(self, session: str) -> list[Transaction]: ...
    def stan_record(self, session: str, key: str) -> StanRecord | None: ...
    def remember_stan(self, session: str, record: StanRecord) -> None: ...
    def script(self, session: str, names: list[str]) -> None: ...
    def next_behaviour(self, session: str) -> str | None: ...
    def next_sequence(self, session: str) -> int: ...
    def reset(self, session: str) -> None: ...
    def snapshot(self) -> dict[str, Any]: ...
    def restore(self, data: Mapping[str, Any]) -> None: ...


@dataclass
class _Session:
    transactions: dict[str, Transaction] = field(default_factory=dict)
    by_original: dict[tuple[str, str], str] = field(default_factory=dict)  # (terminal, key) -> id
    stans: dict[str, StanRecord] = field(default_factory=dict)
    behaviours: deque[str] = field(default_factory=deque)
    sequence: int = 0  # RRNs count per session: one editor's traffic never shows in another's numbers


class InMemoryAcquirerState:
    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self._sessions: dict[str, _Session] = {}
        self._terminals: dict[str, str] = {}
        self._merchants: dict[str, str] = {}

    def _session(self, session: str) -> _Session:
        return self._sessions.setdefault(session, _Session())

    def bind(self, session: str, *, terminal_id: str | None = None, merchant_id: str | None = None) -> None:
        if terminal_id is not None:
            self._terminals[terminal_id] = session
        if merchant_id is not None:
            self._merchants[merchant_id] = session

    def session_for(self, terminal_id: str, merchant_id: str) -> str:
        """The terminal's session, else the card acceptor's, else the default session."""
        return self._terminals.get(terminal_id) or self._merchants.get(merchant_id) or DEFAULT_SESSION

    def put(self, transaction: Transaction) -> None:
        session = self._session(transaction.session)
        session.transactions[transaction.id] = transaction
        session.by_original[(transaction.terminal_id, transaction.original_key)] = transaction.id

    def get(self, session: str, transaction_id: str) -> Transaction | None:
        return self._session(session).transactions.get(transaction_id)

    def find_original(self, session: str, terminal_id: str, original_key: str) -> Transaction | None:
        state = self._session(session)
        found = state.by_original.get((terminal_id, original_key))
        return state.transactions.get(found) if found else None

    def transactions(self, session: str) -> list[Transaction]:
        return list(self._session(session).transactions.values())

    def stan_record(self, session: str, key: str) -> StanRecord | None:
        return self._session(session).stans.get(key)

    def remember_stan(self, session: str, record: StanRecord) -> None:
        self._session(session).stans[record.key] = record

    def script(self, session: str, names: list[str]) -> None:
        self._session(session).behaviours.extend(names)

    def next_behaviour(self, session: str) -> str | None:
        queue = self._session(session).behaviours
        return queue.popleft() if queue else None

    def next_sequence(self, session: str) -> int:
        state = self._session(session)
        state.sequence += 1
        return state.sequence

    def reset(self, session: str) -> None:
        self._sessions.pop(session, None)

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "terminals": dict(self._terminals),
            "merchants": dict(self._merchants),
            "sessions": {
                name: {
                    "transactions": [asdict(t) for t in state.transactions.values()],
                    "stans": [asdict(r) for r in state.stans.values()],
                    "behaviours": list(state.behaviours),
                    "sequence": state.sequence,
                }
                for name, state in self._sessions.items()
            },
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace the whole state with a snapshot; refuse one of another version or shape."""
        if data.get("version") not in (1, SNAPSHOT_VERSION):
            raise ValueError(f"acquirer snapshot: expected version 1 or {SNAPSHOT_VERSION}, "
                             f"received {data.get('version')!r}")
        try:
            sessions = {
                name: (
                    [_build(Transaction, item) for item in body["transactions"]],
                    [_build(StanRecord, item) for item in body["stans"]],
                    [str(name) for name in body["behaviours"]],
                    int(body["sequence"] if data["version"] == SNAPSHOT_VERSION else data["sequence"]),
                )
                for name, body in data["sessions"].items()
            }
            terminals, merchants = dict(data["terminals"]), dict(data["merchants"])
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"acquirer snapshot: malformed ({type(error).__name__}: {error})") from None
        self._clear()
        self._terminals, self._merchants = terminals, merchants
        for name, (transactions, stans, behaviours, sequence) in sessions.items():
            self._session(name).sequence = sequence
            for transaction in transactions:
                self.put(transaction)
            for record in stans:
                self.remember_stan(name, record)
            self.script(name, behaviours)


def _build(cls: type, item: Mapping[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = set(item) - names
    if unknown:
        raise KeyError(f"unknown {cls.__name__} keys {sorted(unknown)}")
    return cls(**item)
