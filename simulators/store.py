"""Per-session state in one SQLite file (WAL): sessions, behaviours, journal, IDB references, commitments.

Every row is keyed by test session, so parallel pipelines and editors never see each other. Several server
processes (gunicorn workers) share the file; the commitment rules are enforced by the database itself (a
partial unique index: one active commitment per session, establishment and venue), so concurrency cannot
produce two active commitments for a stay.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from simulators import clock as bench_clock
from simulators.journal import JournalEntry

DEFAULT_SESSION = "default"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    seed INTEGER NOT NULL,
    created_at REAL NOT NULL,
    clock TEXT,
    label TEXT,
    reference_day TEXT
);
CREATE TABLE IF NOT EXISTS behaviours (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL,
    name TEXT NOT NULL,
    actor TEXT,
    service TEXT,
    target TEXT,
    remaining INTEGER
);
CREATE INDEX IF NOT EXISTS behaviours_session ON behaviours(session);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL,
    actor TEXT NOT NULL,
    service TEXT NOT NULL,
    at TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    outcome TEXT NOT NULL,
    validation TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_session ON journal(session, id);
CREATE TABLE IF NOT EXISTS exchanges (
    session TEXT NOT NULL,
    exchange_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (session, exchange_id)
);
CREATE TABLE IF NOT EXISTS idb_references (
    session TEXT NOT NULL,
    reference TEXT NOT NULL,
    nir TEXT NOT NULL,
    venue TEXT NOT NULL,
    numero_amc TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (session, reference)
);
CREATE TABLE IF NOT EXISTS commitments (
    session TEXT NOT NULL,
    number TEXT NOT NULL,
    finess TEXT NOT NULL,
    venue TEXT NOT NULL,
    nir TEXT NOT NULL,
    numero_amc TEXT NOT NULL,
    status TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    amc_cents INTEGER NOT NULL,
    total_cents INTEGER NOT NULL,
    quote TEXT NOT NULL,
    created_at REAL NOT NULL,
    changed_at REAL NOT NULL,
    PRIMARY KEY (session, number)
);
CREATE INDEX IF NOT EXISTS commitments_of_stay ON commitments(session, finess, venue);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_commitment
    ON commitments(session, finess, venue) WHERE status = 'active';
CREATE TABLE IF NOT EXISTS finess_sessions (
    finess TEXT PRIMARY KEY,
    session TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    session TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (session, kind, key)
);
"""


_COMMITMENT_COLUMNS = ("session, number, finess, venue, nir, numero_amc, status, valid_from, valid_to, amc_cents, "
                       "total_cents, quote")


class StoreConflict(Exception):
    """A write broke a rule the database enforces (e.g. a second active commitment); `key` is an error key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


_SESSION_COLUMNS = "id, seed, created_at, clock, label, reference_day"


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A test session. `reference_day` anchors its dataset (None: the process clock's today, day after day);
    `clock` is the day a scenario moved the session to (None: the process clock's today)."""

    id: str
    seed: int
    created_at: float
    clock: str | None
    label: str | None
    reference_day: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "seed": self.seed, "created_at": self.created_at, "clock": self.clock,
                "label": self.label, "reference_day": self.reference_day}


@dataclass(frozen=True, slots=True)
class Behaviour:
    """A named fault or delay applied to a session's traffic, optionally narrowed and counted.

    `target` narrows to a NIR or a numéro AMC; `remaining` None means forever, N means the next N matches.
    """

    id: int
    name: str
    actor: str | None = None
    service: str | None = None
    target: str | None = None
    remaining: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "actor": self.actor, "service": self.service,
                "target": self.target, "remaining": self.remaining}


@dataclass(frozen=True, slots=True)
class Commitment:
    session: str
    number: str
    finess: str
    venue: str
    nir: str
    numero_amc: str
    status: str  # active | cancelled | invoiced
    valid_from: str
    valid_to: str
    amc_cents: int
    total_cents: int
    quote: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


class Store:
    """Thread-safe facade over the SQLite file; one connection per thread, opened lazily."""

    def __init__(self, path: str | Path, *, default_seed: int = 20261125) -> None:
        self.path = str(path)
        self.default_seed = default_seed
        self._local = threading.local()
        # every thread's connection, so close() closes them all; those of finished threads are closed as we go
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._opened_lock = threading.Lock()
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._connection().executescript(_SCHEMA)  # executescript manages its own transaction
        self._migrate()
        self.ensure_session(DEFAULT_SESSION)

    # -- plumbing -----------------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
            with self._opened_lock:
                finished = [conn for thread, conn in self._opened if not thread.is_alive()]
                self._opened = [(t, c) for t, c in self._opened if t.is_alive()]
                self._opened.append((threading.current_thread(), db))
            for conn in finished:  # a server thread per connection: without this, file descriptors pile up
                conn.close()
        return db

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> sqlite3.Connection:
            self.db.execute("BEGIN IMMEDIATE")
            return self.db

        def __exit__(self, exc_type, exc, tb) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _tx(self) -> "Store._Tx":
        return Store._Tx(self._connection())

    def _migrate(self) -> None:
        """Columns added since a state file was written (a campaign's state survives upgrades)."""
        db = self._connection()
        columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
        if "reference_day" not in columns:
            db.execute("ALTER TABLE sessions ADD COLUMN reference_day TEXT")

    def close(self) -> None:
        """Close every connection this store opened (all threads): never carry one across a fork."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for _, db in opened:
            db.close()
        self._local = threading.local()

    # -- sessions -----------------------------------------------------------------------------------
    def ensure_session(self, session: str, *, seed: int | None = None) -> SessionInfo:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO sessions(id, seed, created_at) VALUES (?, ?, ?)",
                (session, self.default_seed if seed is None else seed, bench_clock.timestamp()),
            )
        info = self.session(session)
        assert info is not None
        return info

    def session(self, session: str) -> SessionInfo | None:
        row = self._connection().execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session,)
        ).fetchone()
        return SessionInfo(*row) if row else None

    def sessions(self) -> list[SessionInfo]:
        rows = self._connection().execute(f"SELECT {_SESSION_COLUMNS} FROM sessions ORDER BY id")
        return [SessionInfo(*row) for row in rows]

    def create_session(self, session: str, *, seed: int | None = None, label: str | None = None,
                       reference_day: str | None = None) -> SessionInfo:
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions(id, seed, created_at, label, reference_day) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET seed = excluded.seed, label = excluded.label, "
                "reference_day = excluded.reference_day",
                (session, self.default_seed if seed is None else seed, bench_clock.timestamp(), label, reference_day),
            )
        return self.session(session)  # type: ignore[return-value]

    def set_clock(self, session: str, clock: str | None) -> None:
        with self._tx() as db:
            db.execute("UPDATE sessions SET clock = ? WHERE id = ?", (clock, session))

    def reset_session(self, session: str) -> None:
        """Forget everything the session did (journal, behaviours, commitments...), keep its seed."""
        with self._tx() as db:
            for table in ("behaviours", "journal", "exchanges", "idb_references", "commitments", "documents"):
                db.execute(f"DELETE FROM {table} WHERE session = ?", (session,))
            db.execute("UPDATE sessions SET clock = NULL WHERE id = ?", (session,))

    def delete_session(self, session: str) -> None:
        self.reset_session(session)
        with self._tx() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session,))
            db.execute("DELETE FROM finess_sessions WHERE session = ?", (session,))

    # -- sessions chosen by the client certificate (mutual TLS) ------------------------------------------------
    def bind_finess(self, finess: str, session: str) -> None:
        """Requests whose client certificate is for `finess` belong to `session` (one editor, one session)."""
        self._connection().execute(
            "INSERT INTO finess_sessions(finess, session) VALUES (?, ?) "
            "ON CONFLICT(finess) DO UPDATE SET session = excluded.session", (finess, session))

    def session_for_finess(self, finess: str) -> str | None:
        row = self._connection().execute("SELECT session FROM finess_sessions WHERE finess = ?", (finess,)).fetchone()
        return row[0] if row else None

    def finess_bindings(self) -> dict[str, str]:
        return dict(self._connection().execute("SELECT finess, session FROM finess_sessions ORDER BY finess"))

    # -- behaviours ---------------------------------------------------------------------------------
    def add_behaviour(self, session: str, name: str, *, actor: str | None = None, service: str | None = None,
                      target: str | None = None, remaining: int | None = None) -> Behaviour:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO behaviours(session, name, actor, service, target, remaining) VALUES (?, ?, ?, ?, ?, ?)",
                (session, name, actor, service, target, remaining),
            )
            return Behaviour(cursor.lastrowid, name, actor, service, target, remaining)  # type: ignore[arg-type]

    def behaviours(self, session: str) -> list[Behaviour]:
        rows = self._connection().execute(
            "SELECT id, name, actor, service, target, remaining FROM behaviours WHERE session = ? ORDER BY id",
            (session,),
        )
        return [Behaviour(*row) for row in rows]

    def clear_behaviours(self, session: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM behaviours WHERE session = ?", (session,))

    def consume_behaviours(self, session: str, actor: str, service: str, targets: tuple[str, ...]) -> list[Behaviour]:
        """The behaviours that apply to one exchange, decrementing counted ones atomically."""
        db = self._connection()
        rows = db.execute(
            "SELECT id, name, actor, service, target, remaining FROM behaviours WHERE session = ? ORDER BY id",
            (session,),
        ).fetchall()
        matching = [
            Behaviour(*row) for row in rows
            if (row[2] in (None, actor)) and (row[3] is None or row[3].lower() == service.lower())
            and (row[4] is None or row[4] in targets)
        ]
        if not any(b.remaining is not None for b in matching):
            return matching
        applied: list[Behaviour] = []
        with self._tx() as tx:
            for behaviour in matching:
                if behaviour.remaining is None:
                    applied.append(behaviour)
                    continue
                cursor = tx.execute(
                    "UPDATE behaviours SET remaining = remaining - 1 WHERE id = ? AND remaining > 0", (behaviour.id,)
                )
                if cursor.rowcount:
                    applied.append(behaviour)
            tx.execute("DELETE FROM behaviours WHERE session = ? AND remaining <= 0", (session,))
        return applied

    # -- journal ------------------------------------------------------------------------------------
    def record(self, entry: JournalEntry) -> None:
        self._connection().execute(
            "INSERT INTO journal(session, actor, service, at, duration_ms, request, response, outcome, validation, meta)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.session, entry.actor, entry.service, entry.at, entry.duration_ms, entry.request, entry.response,
             entry.outcome, json.dumps(list(entry.validation)), json.dumps(entry.meta, sort_keys=True, default=str)),
        )

    def journal(self, session: str, *, since: int = 0, limit: int | None = None) -> list[tuple[int, JournalEntry]]:
        query = ("SELECT id, session, actor, service, at, duration_ms, request, response, outcome, validation, meta"
                 " FROM journal WHERE session = ? AND id > ? ORDER BY id")
        params: tuple[Any, ...] = (session, since)
        if limit is not None:
            query += " LIMIT ?"
            params += (limit,)
        return [
            (row[0], JournalEntry(row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                                  tuple(json.loads(row[9])), json.loads(row[10])))
            for row in self._connection().execute(query, params)
        ]

    # -- exchange ids (replay detection) --------------------------------------------------------------
    def remember_exchange(self, session: str, exchange_id: str, digest: str) -> str | None:
        """Store an exchange id; return the digest already stored when the id was used before, else None."""
        db = self._connection()
        cursor = db.execute(
            "INSERT OR IGNORE INTO exchanges(session, exchange_id, digest) VALUES (?, ?, ?)",
            (session, exchange_id, digest),
        )
        if cursor.rowcount:
            return None
        row = db.execute(
            "SELECT digest FROM exchanges WHERE session = ? AND exchange_id = ?", (session, exchange_id)
        ).fetchone()
        return row[0] if row else None

    # -- IDB references -----------------------------------------------------------------------------
    def add_idb_reference(self, session: str, reference: str, nir: str, venue: str, numero_amc: str) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO idb_references(session, reference, nir, venue, numero_amc, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session, reference, nir, venue, numero_amc, bench_clock.timestamp()),
        )

    def idb_reference(self, session: str, reference: str) -> dict[str, str] | None:
        row = self._connection().execute(
            "SELECT nir, venue, numero_amc FROM idb_references WHERE session = ? AND reference = ?",
            (session, reference),
        ).fetchone()
        return {"nir": row[0], "venue": row[1], "numero_amc": row[2]} if row else None

    # -- commitments --------------------------------------------------------------------------------
    def add_commitment(self, commitment: Commitment) -> None:
        """Persist a new active commitment; refuse when the stay already has one (enforced by the index)."""
        now = bench_clock.timestamp()
        try:
            with self._tx() as db:
                db.execute(
                    "INSERT INTO commitments(session, number, finess, venue, nir, numero_amc, status, valid_from,"
                    " valid_to, amc_cents, total_cents, quote, created_at, changed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (commitment.session, commitment.number, commitment.finess, commitment.venue, commitment.nir,
                     commitment.numero_amc, commitment.status, commitment.valid_from, commitment.valid_to,
                     commitment.amc_cents, commitment.total_cents, json.dumps(commitment.quote, sort_keys=True),
                     now, now),
                )
        except sqlite3.IntegrityError as exc:
            raise StoreConflict("commitment.active_exists",
                                f"stay {commitment.venue} of FINESS {commitment.finess} already has an active commitment") from exc

    def commitment(self, session: str, number: str) -> Commitment | None:
        row = self._connection().execute(
            f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE session = ? AND number = ?",
            (session, number),
        ).fetchone()
        return self._commitment(row) if row else None

    def active_commitment(self, session: str, finess: str, venue: str) -> Commitment | None:
        row = self._connection().execute(
            f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE session = ? AND finess = ? AND venue = ? AND status = 'active'",
            (session, finess, venue),
        ).fetchone()
        return self._commitment(row) if row else None

    def count_commitments(self, session: str, finess: str, venue: str) -> int:
        """How many commitments a stay ever had (active or not): numbers new ones without reading them all."""
        return self._connection().execute(
            "SELECT COUNT(*) FROM commitments WHERE session = ? AND finess = ? AND venue = ?", (session, finess, venue)
        ).fetchone()[0]

    def commitments(self, session: str) -> list[Commitment]:
        rows = self._connection().execute(
            f"SELECT {_COMMITMENT_COLUMNS} FROM commitments WHERE session = ? ORDER BY created_at, number",
            (session,),
        )
        return [self._commitment(row) for row in rows]

    @staticmethod
    def _commitment(row: tuple[Any, ...]) -> Commitment:
        return Commitment(*row[:11], quote=json.loads(row[11]))

    def change_commitment_status(self, session: str, number: str, *, expected: str, new: str) -> bool:
        """Compare-and-set of a commitment's status; False when it was not in the `expected` status."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE commitments SET status = ?, changed_at = ? WHERE session = ? AND number = ? AND status = ?",
                (new, bench_clock.timestamp(), session, number, expected),
            )
            return cursor.rowcount == 1

    # -- generic documents (acquirer, DIAPASON, billing state) ----------------------------------------
    def put_document(self, session: str, kind: str, key: str, body: dict[str, Any]) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO documents(session, kind, key, body) VALUES (?, ?, ?, ?)",
            (session, kind, key, json.dumps(body, sort_keys=True)),
        )

    def document(self, session: str, kind: str, key: str) -> dict[str, Any] | None:
        row = self._connection().execute(
            "SELECT body FROM documents WHERE session = ? AND kind = ? AND key = ?", (session, kind, key)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def documents(self, session: str, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        rows = self._connection().execute(
            "SELECT key, body FROM documents WHERE session = ? AND kind = ? ORDER BY key", (session, kind)
        )
        for key, body in rows:
            yield key, json.loads(body)
