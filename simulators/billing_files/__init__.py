"""Positional billing files: the bench's own profiles modelled on B2, DRE-ES, ARL, NOEMIE and RM-EH.

Each profile is one layout file (layouts/<id>.yaml); see docs/billing-files.md. Write a Lot, Ack or ReturnLot
with `write`, read bytes back with `read_lot` / `read_ack` / `read_returns`, list every problem with `validate`.
"""
from simulators.billing_files.acknowledge import ack_for
from simulators.billing_files.acks import Ack
from simulators.billing_files.builders import BilledStay, b2_lot_from, dre_es_lot_from
from simulators.billing_files.files import (
    Parsed,
    parse,
    patch_field,
    read,
    read_ack,
    read_lot,
    read_returns,
    resign,
    validate,
    write,
)
from simulators.billing_files.invoices import AmcReference, Invoice, InvoiceLine, Lot, Totals
from simulators.billing_files.problems import EncodeError, InvalidFile, Problem, ProblemCode
from simulators.billing_files.profiles import LayoutError, Profile, detect_profile, get_profile, profile_ids
from simulators.billing_files.returns import Payment, Reject, ReturnLot, ReturnTotals
from simulators.billing_files.text import file_text

__all__ = [
    "Ack", "AmcReference", "BilledStay", "EncodeError", "InvalidFile", "Invoice", "InvoiceLine", "LayoutError", "Lot",
    "Parsed", "Payment", "Problem", "ProblemCode", "Profile", "Reject", "ReturnLot", "ReturnTotals",
    "Totals", "ack_for", "b2_lot_from", "detect_profile", "dre_es_lot_from", "file_text", "get_profile", "parse",
    "patch_field", "profile_ids", "read", "read_ack", "read_lot", "read_returns", "resign", "validate", "write",
]
