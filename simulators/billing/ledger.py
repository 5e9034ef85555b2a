"""What the billing intake remembers, per session and payer, in the store (so it survives a restart):

- lots received (documents `billing-lot`): the bytes as received, the ARL, the decision on each invoice;
- the outbox (documents `billing-outbox`): ARLs and return files with their due date and SMTP delivery state;
- claims (the store's exchange ids, an atomic insert-once): a lot number or an invoice number taken by an
  accepted lot, so a lot sent twice or a duplicate invoice number is caught even across server processes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

from simulators.store import Store

LOT_KIND = "billing-lot"
OUTBOX_KIND = "billing-outbox"


@dataclass(frozen=True)
class Ledger:
    store: Store
    session: str
    side: str

    # -- claims (insert once; the value of the first claim wins) ---------------------------------------------
    def _claim(self, name: str, value: str) -> str | None:
        """Take `name` for `value`; None when taken now, else the value that took it first."""
        return self.store.remember_exchange(self.session, f"billing:{self.side}:{name}", value)

    def claim_lot(self, finess: str, lot_number: int, lot_id: int) -> str | None:
        return self._claim(f"lot:{finess}:{lot_number}", str(lot_id))

    def claim_invoice(self, finess: str, invoice_number: int, lot_id: int) -> str | None:
        return self._claim(f"invoice:{finess}:{invoice_number}", str(lot_id))

    def _next(self, counter: str, start: int) -> int:
        """The first free number from `start` (a hint: the claim makes it unique across processes)."""
        number = start
        while self._claim(f"{counter}:{number}", "taken") is not None:
            number += 1
        return number

    def next_lot_id(self) -> int:
        return self._next("lot-id", len(self.lots()) + 1)

    def next_return_number(self) -> int:
        return self._next("return-number", len(self.outbox(kind="return")) + 1)

    # -- lots -------------------------------------------------------------------------------------------------
    def _key(self, number: int) -> str:
        return f"{self.side}:{number:08d}"

    def put_lot(self, lot_id: int, body: dict[str, Any]) -> None:
        self.store.put_document(self.session, LOT_KIND, self._key(lot_id), body)

    def lot(self, lot_id: int) -> dict[str, Any] | None:
        return self.store.document(self.session, LOT_KIND, self._key(lot_id))

    def lots(self) -> list[dict[str, Any]]:
        return [body for key, body in self.store.documents(self.session, LOT_KIND) if key.startswith(f"{self.side}:")]

    # -- outbox (ARLs and returns) ----------------------------------------------------------------------------
    def add_outbox(self, item: dict[str, Any]) -> int:
        seq = self._next("outbox-seq", len(self.outbox()) + 1)
        self.store.put_document(self.session, OUTBOX_KIND, self._key(seq), {**item, "seq": seq, "side": self.side})
        return seq

    def update_outbox(self, seq: int, **changes: Any) -> None:
        item = self.store.document(self.session, OUTBOX_KIND, self._key(seq))
        if item is not None:
            self.store.put_document(self.session, OUTBOX_KIND, self._key(seq), {**item, **changes})

    def outbox(self, *, kind: str | None = None, since: int = 0, due_by: date | None = None) -> list[dict[str, Any]]:
        """Items after `since`, of `kind`, due on or before `due_by` (None: any due date), in sequence order."""
        items = []
        for key, item in self.store.documents(self.session, OUTBOX_KIND):
            if not key.startswith(f"{self.side}:") or item["seq"] <= since or (kind and item["kind"] != kind):
                continue
            if due_by is not None and date.fromisoformat(item["due"]) > due_by:
                continue
            items.append(item)
        return sorted(items, key=lambda item: item["seq"])


def ledgers(store: Store, side: str) -> Iterator[Ledger]:
    """The ledger of `side` in every session (the SMTP sweeper walks them)."""
    for info in store.sessions():
        yield Ledger(store, info.id, side)
