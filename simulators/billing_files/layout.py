"""The record-layout engine: fields and records as data, and how each kind of field is written and read.

A field's kind decides its padding and its check: numeric and amount (cents) are digits, right-aligned and
zero-padded; alpha is printable upper-case ASCII, left-aligned and space-padded; dates are digits in the field's
format; enum maps a file code to the bench's value. A blank optional field reads as None.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Callable

from simulators.domain.identifiers import InvalidIdentifier
from simulators.domain.people import BirthDate
from simulators.billing_files.problems import ProblemCode

PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))


class FieldKind(str, Enum):
    NUMERIC = "numeric"
    AMOUNT = "amount"
    ALPHA = "alpha"
    DATE = "date"
    BIRTHDATE = "birthdate"  # YYYYMMDD, day or month 00 allowed (lunar dates)
    ENUM = "enum"


class DateFormat(str, Enum):
    YYMMDD = "YYMMDD"  # century window 2000-2099
    YYYYMMDD = "YYYYMMDD"


class BadValue(ValueError):
    """A field's text does not read as its kind; carries the problem code and a reason."""

    def __init__(self, code: ProblemCode, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record: where it is (1-based start, length), what it holds, and its official-looking label.

    `values` (enum only) pairs each file code with the bench value it stands for.
    """

    name: str
    start: int
    length: int
    kind: FieldKind
    mandatory: bool = True
    label: str = ""
    date_format: DateFormat = DateFormat.YYYYMMDD
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def end(self) -> int:
        return self.start + self.length - 1

    def slice(self, text: str) -> str:
        return text[self.start - 1:self.end]

    def encode(self, value: Any) -> str:
        """The field's text for `value`; raise ValueError with the reason when it cannot be written as is."""
        if value is None:
            if self.mandatory:
                raise ValueError("mandatory field has no value")
            return " " * self.length
        text = _KINDS[self.kind][0](self, value)
        if len(text) != self.length:
            raise ValueError(f"value {value!r} needs {len(text)} characters, the field has {self.length}")
        return text

    def decode(self, text: str) -> Any:
        """The bench value of the field's text; raise BadValue naming the problem."""
        if not text.strip(" "):
            if self.mandatory:
                raise BadValue(ProblemCode.MISSING_VALUE, "mandatory field is blank")
            return None
        return _KINDS[self.kind][1](self, text)


@dataclass(frozen=True, slots=True)
class RecordLayout:
    """One record type: its role in the family (lot_header, invoice, ...), its type code, length and fields."""

    role: str
    code: str
    length: int
    fields: tuple[FieldSpec, ...]
    label: str = ""

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"record {self.role} ({self.code}) has no field {name!r}")

    def has(self, name: str) -> bool:
        return any(spec.name == name for spec in self.fields)


# --- kinds: (encode, decode) per kind -------------------------------------------------------------------------

def _digits(spec: FieldSpec, text: str) -> str:
    if not text.isdigit() or not text.isascii():
        raise BadValue(ProblemCode.NON_NUMERIC, f"expected {spec.length} digits, received {text!r}")
    return text


def _encode_int(spec: FieldSpec, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, received {value!r}")
    if value < 0 or value >= 10 ** spec.length:
        raise ValueError(f"{value} does not fit in {spec.length} digits (negative values are not allowed)")
    return str(value).zfill(spec.length)


def _decode_int(spec: FieldSpec, text: str) -> int:
    return int(_digits(spec, text))


def _encode_alpha(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, received {value!r}")
    bad = next((c for c in value if c not in PRINTABLE), None)
    if bad is not None:
        raise ValueError(f"{value!r} holds {bad!r}, not printable ASCII (transliterate it first)")
    if value != value.upper():
        raise ValueError(f"{value!r} is not upper case")
    if not value or value != value.strip(" "):
        raise ValueError(f"{value!r} is empty or has leading/trailing spaces")
    if len(value) > spec.length:
        raise ValueError(f"{value!r} is longer than {spec.length} characters")
    return value.ljust(spec.length)


def _decode_alpha(spec: FieldSpec, text: str) -> str:
    if text != text.upper():
        raise BadValue(ProblemCode.BAD_ALPHA, f"expected upper case, received {text.rstrip()!r}")
    if text.startswith(" "):
        raise BadValue(ProblemCode.BAD_ALPHA, f"expected a left-aligned value, received {text!r}")
    return text.rstrip(" ")


def _encode_date(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, date):
        raise ValueError(f"expected a date, received {value!r}")
    if spec.date_format is DateFormat.YYMMDD:
        if not 2000 <= value.year <= 2099:
            raise ValueError(f"{value} is outside the YYMMDD window 2000-2099")
        return value.strftime("%y%m%d")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _decode_date(spec: FieldSpec, text: str) -> date:
    _digits(spec, text)
    year, rest = (2000 + int(text[:2]), text[2:]) if spec.date_format is DateFormat.YYMMDD else (int(text[:4]), text[4:])
    try:
        return date(year, int(rest[:2]), int(rest[2:4]))
    except ValueError:
        raise BadValue(ProblemCode.BAD_DATE, f"{text!r} is not a date in {spec.date_format.value}") from None


def _encode_birthdate(spec: FieldSpec, value: Any) -> str:
    if not isinstance(value, BirthDate):
        raise ValueError(f"expected a BirthDate, received {value!r}")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _decode_birthdate(spec: FieldSpec, text: str) -> BirthDate:
    _digits(spec, text)
    try:
        return BirthDate.parse(text)
    except InvalidIdentifier:
        raise BadValue(ProblemCode.BAD_DATE, f"{text!r} is not a birth date in YYYYMMDD (00 allowed)") from None


def _encode_enum(spec: FieldSpec, value: Any) -> str:
    value = value.value if isinstance(value, Enum) else value
    for code, bench_value in spec.values:
        if bench_value == value and type(bench_value) is type(value):
            return code.ljust(spec.length)
    raise ValueError(f"{value!r} is not one of {[v for _, v in spec.values]}")


def _decode_enum(spec: FieldSpec, text: str) -> Any:
    code = text.rstrip(" ")
    for known, bench_value in spec.values:
        if known == code:
            return bench_value
    raise BadValue(ProblemCode.BAD_ENUM, f"expected one of {[c for c, _ in spec.values]}, received {code!r}")


_KINDS: dict[FieldKind, tuple[Callable[[FieldSpec, Any], str], Callable[[FieldSpec, str], Any]]] = {
    FieldKind.NUMERIC: (_encode_int, _decode_int),
    FieldKind.AMOUNT: (_encode_int, _decode_int),
    FieldKind.ALPHA: (_encode_alpha, _decode_alpha),
    FieldKind.DATE: (_encode_date, _decode_date),
    FieldKind.BIRTHDATE: (_encode_birthdate, _decode_birthdate),
    FieldKind.ENUM: (_encode_enum, _decode_enum),
}
