"""Asynchronous billing: the AMO (B2 → NOEMIE) and AMC (DRE-ES → RM-EH) intakes, over an HTTP drop and SMTP.

Each lot gets an ARL; each accepted lot gets a return file (payments and rejects per invoice, totals record),
due after the session's return delay, fetched over HTTP or delivered by SMTP to the sender. See
docs/amo-billing.md. `receive_lot` is the one path every lot takes, whatever the channel.
"""
from simulators.billing.intake import Receipt, receive_lot
from simulators.billing.sides import SIDES, Side

__all__ = ["Receipt", "SIDES", "Side", "receive_lot"]
