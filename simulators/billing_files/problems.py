"""What is wrong with a billing file, said precisely: which record, which type, which column, which field, why.

Problem codes are stable symbolic keys (like docs/error-keys.md); the ARL profile maps them to its own codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ProblemCode(str, Enum):
    """Every kind of problem the readers and validators report."""

    # structure of the file and of each record
    EMPTY = "file.empty"
    TRUNCATED = "file.truncated"
    BAD_SEPARATOR = "file.bad_separator"
    RECORD_LENGTH = "file.record_length"
    UNKNOWN_RECORD_TYPE = "file.unknown_record_type"
    UNEXPECTED_RECORD = "file.unexpected_record"
    WRONG_PROFILE = "file.wrong_profile"
    # one field
    NON_ASCII = "file.non_ascii"
    NON_NUMERIC = "file.non_numeric"
    BAD_ALPHA = "file.bad_alpha"
    BAD_DATE = "file.bad_date"
    BAD_ENUM = "file.bad_enum"
    MISSING_VALUE = "file.missing_value"
    BAD_FILLER = "file.bad_filler"
    # consistency of the lot
    COUNT_MISMATCH = "lot.count_mismatch"
    TOTALS_MISMATCH = "lot.totals_mismatch"
    BAD_SIGNATURE = "lot.bad_signature"
    BAD_SEQUENCE = "lot.bad_sequence"
    LOT_NUMBER_MISMATCH = "lot.number_mismatch"
    STATUS_MISMATCH = "lot.status_mismatch"
    DUPLICATE_LOT = "lot.duplicate"  # raised by the intake, which remembers lots; never by a file alone
    INVOICE_NUMBER_ZERO = "invoice.number_zero"
    DUPLICATE_INVOICE_NUMBER = "invoice.duplicate_number"
    PARTS_MISMATCH = "amounts.incoherent"
    NIR_INVALID = "beneficiary.nir_invalid"
    NIR_KEY = "beneficiary.nir_key_invalid"
    FINESS_INVALID = "finess.invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a file.

    `record_number` is 1-based over the physical records (None: the whole file); `position` is the 1-based
    column of the offending byte when one byte is at fault (non-ASCII, filler), else the first column of the
    field; `field` is the layout's field name.
    """

    code: ProblemCode
    reason: str
    record_number: int | None = None
    record_type: str | None = None
    position: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.record_number is not None:
            where.append(f"record {self.record_number}")
        if self.record_type:
            where.append(f"(type {self.record_type})")
        if self.position is not None:
            where.append(f"col {self.position}")
        if self.field:
            where.append(self.field)
        prefix = " ".join(where) or "file"
        return f"{prefix}: {self.reason} [{self.code.value}]"


class InvalidFile(ValueError):
    """A file could not be read as its profile requires; `problems` lists every problem found."""

    def __init__(self, profile: str | None, problems: tuple[Problem, ...]):
        self.profile = profile
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{profile or 'billing file'}: {len(problems)} problem(s): {shown}{more}")


class EncodeError(ValueError):
    """A dataclass holds a value its profile cannot write; the message names the record, the field and why."""
