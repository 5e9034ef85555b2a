"""The provider's records in the bench store: per-session JSON documents, plus atomic claims.

Claims use `Store.remember_exchange` (an INSERT OR IGNORE on a primary key): the first writer of a claim id
wins, in this process or any other sharing the SQLite file. They give record ids a deterministic sequence and
make "one debit of a consent at a time" hold under concurrency without holding a database lock while the
acquirer answers.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from simulators.diapason.model import Consent, Debit, Notification, Profile, Refund, from_document
from simulators.store import Store

_KINDS = {Consent: "diapason.consent", Notification: "diapason.notification", Debit: "diapason.debit",
          Refund: "diapason.refund"}
_PREFIXES = {Consent: "cns", Notification: "ntf", Debit: "dbt", Refund: "rfd"}
PROFILE_KIND = "diapason.profile"
IDEMPOTENCY_KIND = "diapason.idempotency"


class Repository:
    def __init__(self, store: Store, session: str) -> None:
        self.store = store
        self.session = session

    # -- records ------------------------------------------------------------------------------------------
    def next_id(self, cls: type) -> tuple[str, int]:
        """A new record id and its sequence number; ids are stable for a session's history.

        The id is the prefix and 12 hex characters (never 13 digits in a row: it cannot look like a PAN).
        """
        kind = _KINDS[cls]
        sequence = sum(1 for _ in self.store.documents(self.session, kind)) + 1
        while self.store.remember_exchange(self.session, f"{kind}.sequence.{sequence}", "taken") is not None:
            sequence += 1
        digest = hashlib.sha256(f"{self.session}|{kind}|{sequence}".encode()).hexdigest()[:12]
        return f"{_PREFIXES[cls]}_{digest}", sequence

    def put(self, record: Any) -> None:
        self.store.put_document(self.session, _KINDS[type(record)], record.id, asdict(record))

    def get(self, cls: type, record_id: str) -> Any | None:
        body = self.store.document(self.session, _KINDS[cls], record_id)
        return from_document(cls, body) if body is not None else None

    def all(self, cls: type) -> list[Any]:
        records = [from_document(cls, body) for _, body in self.store.documents(self.session, _KINDS[cls])]
        return sorted(records, key=lambda record: record.sequence)

    def notifications_of(self, consent_id: str) -> list[Notification]:
        return [n for n in self.all(Notification) if n.consent_id == consent_id]

    def debits_of(self, consent_id: str) -> list[Debit]:
        return [d for d in self.all(Debit) if d.consent_id == consent_id]

    def refunds_of(self, debit_id: str) -> list[Refund]:
        return [r for r in self.all(Refund) if r.debit_id == debit_id]

    # -- claims -------------------------------------------------------------------------------------------
    def claim(self, name: str, holder: str) -> bool:
        """True when this caller is the first to claim `name` (claims are never released)."""
        return self.store.remember_exchange(self.session, f"diapason.claim.{name}", holder) is None

    # -- profile ------------------------------------------------------------------------------------------
    def profile(self, defaults: Profile) -> Profile:
        body = self.store.document(self.session, PROFILE_KIND, "profile")
        return from_document(Profile, {**defaults.to_dict(), **body}) if body else defaults

    def put_profile(self, profile: Profile) -> None:
        self.store.put_document(self.session, PROFILE_KIND, "profile", profile.to_dict())

    # -- idempotent answers -------------------------------------------------------------------------------
    def remembered_answer(self, key: str) -> dict[str, Any] | None:
        return self.store.document(self.session, IDEMPOTENCY_KIND, key)

    def remember_answer(self, key: str, answer: dict[str, Any]) -> None:
        self.store.put_document(self.session, IDEMPOTENCY_KIND, key, answer)
