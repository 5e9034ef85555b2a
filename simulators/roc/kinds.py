"""Scalar kinds: how one value is written as element text and read back.

Readers accept exactly what the profile XSD accepts (patterns narrow the lexical forms), plus the whitespace XSD
collapses, so a schema-valid message always reads. Reading is lenient on meaning: a NIR key that does not match
or an impossible lunar birth date still read, and the business rules answer them with their own error keys.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable

from simulators.domain.money import format_cents, parse_amount
from simulators.domain.people import BirthDate

if TYPE_CHECKING:
    from simulators.profiles import Profile

UNKNOWN_CODE_PREFIX = "code:"


@dataclass(frozen=True, slots=True)
class Kind:
    """A scalar kind: `write(value, profile) -> text`, `read(text, profile) -> value` (ValueError if unreadable)."""

    name: str
    write: Callable[[Any, "Profile"], str]
    read: Callable[[str, "Profile"], Any]


def _bool(text: str) -> bool:
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


_BIRTH = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def _birth_date(text: str) -> BirthDate:
    match = _BIRTH.match(text.strip())
    if not match:
        raise ValueError(f"birth date must be YYYY-MM-DD (day or month 00 allowed): {text!r}")
    year, month, day = (int(g) for g in match.groups())
    if month > 12 or day > 31:
        raise ValueError(f"birth date out of range: {text!r}")
    return BirthDate(year, month, day)


def _write_datetime(value: datetime, _: Any) -> str:
    return value.isoformat()


TEXT = Kind("text", lambda v, _: str(v), lambda t, _: t)
TOKEN = Kind("token", lambda v, _: str(v), lambda t, _: t.strip())
INT = Kind("int", lambda v, _: str(int(v)), lambda t, _: int(t.strip()))
BOOL = Kind("bool", lambda v, _: "true" if v else "false", lambda t, _: _bool(t))
DATE = Kind("date", lambda v, _: v.isoformat(), lambda t, _: date.fromisoformat(t.strip()))
DATETIME = Kind("datetime", _write_datetime, lambda t, _: datetime.fromisoformat(t.strip()))
CENTS = Kind("cents", lambda v, _: format_cents(v), lambda t, _: parse_amount(t))
BIRTH_DATE = Kind("birth_date", lambda v, _: str(v), lambda t, _: _birth_date(t))
SERVICE = Kind(
    "service",
    lambda v, p: p.names.services[v].name,
    lambda t, p: p.names.service_id(t.strip()),
)


def _error_code(key: str, profile: "Profile") -> str:
    if key.startswith(UNKNOWN_CODE_PREFIX):
        return key[len(UNKNOWN_CODE_PREFIX):]
    return profile.errors.by_key(key).code


def _error_key(text: str, profile: "Profile") -> str:
    """Catalogue key of a wire code; a code the catalogue does not know reads as "code:<code>"."""
    code = text.strip()
    return profile.errors.key_for_code(code) or f"{UNKNOWN_CODE_PREFIX}{code}"


ERROR_KEY = Kind("error_key", _error_code, _error_key)


def code(table: str, enum: type[Enum] | None = None) -> Kind:
    """A value written through the mapping's code table `table` (e.g. rights_status open -> OUVERTS)."""

    def write(value: Any, profile: "Profile") -> str:
        return profile.names.code(table, value.value if isinstance(value, Enum) else str(value))

    def read(text: str, profile: "Profile") -> Any:
        try:
            value = profile.names.value(table, text.strip())
        except KeyError:
            raise ValueError(f"{text.strip()!r} is not a code of {table}") from None
        return enum(value) if enum else value

    return Kind(f"code:{table}", write, read)
