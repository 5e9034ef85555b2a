"""Identifiers that carry their own validation: NIR (with its key) and FINESS (with its check digit)."""
from __future__ import annotations

import re
from dataclasses import dataclass


class InvalidIdentifier(ValueError):
    """An identifier is malformed or its key/check digit is wrong; the message says which and why."""


_CORSICA = {"2A": "19", "2B": "18"}
_NIR_BODY = re.compile(r"^[12378]\d{4}(?:\d{2}|2A|2B)\d{6}$")


@dataclass(frozen=True, slots=True)
class Nir:
    """Numéro d'inscription au répertoire: 13-character body and a 2-digit key (97 - body mod 97).

    For Corsica the department 2A/2B counts as 19/18 in the key computation [glossary].
    """

    body: str
    key: int

    @staticmethod
    def compute_key(body: str) -> int:
        body = body.upper()
        if not _NIR_BODY.match(body):
            raise InvalidIdentifier(f"NIR body must be 13 characters (sex, year, month, department, commune, order): {body!r}")
        numeric = body[:5] + _CORSICA.get(body[5:7], body[5:7]) + body[7:]
        return 97 - int(numeric) % 97

    @classmethod
    def with_key(cls, body: str) -> "Nir":
        """Build a valid NIR from its 13-character body."""
        return cls(body.upper(), cls.compute_key(body))

    @classmethod
    def parse(cls, text: str) -> "Nir":
        """Parse 15 characters (spaces ignored) and check the key."""
        compact = re.sub(r"\s+", "", text).upper()
        if len(compact) != 15 or not compact[13:].isdigit():
            raise InvalidIdentifier(f"NIR must be 13 characters plus a 2-digit key, got {text!r}")
        nir = cls(compact[:13], int(compact[13:]))
        expected = cls.compute_key(nir.body)
        if expected != nir.key:
            raise InvalidIdentifier(f"NIR key mismatch for {nir.body}: expected {expected:02d}, received {nir.key:02d}")
        return nir

    @property
    def is_corsican(self) -> bool:
        return self.body[5:7] in _CORSICA

    def __str__(self) -> str:
        return f"{self.body}{self.key:02d}"


_FINESS = re.compile(r"^(?:\d{2}|2A|2B)\d{7}$")


def _luhn_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


@dataclass(frozen=True, slots=True)
class Finess:
    """FINESS number: 9 characters, the last a Luhn check digit over the first 8.

    [I] Corsican numbers start with 2A/2B; the bench counts both as "20" for the check digit.
    """

    value: str

    @staticmethod
    def check_digit(first8: str) -> int:
        first8 = first8.upper()
        if first8[:2] in ("2A", "2B"):
            first8 = "20" + first8[2:]
        if len(first8) != 8 or not first8.isdigit():
            raise InvalidIdentifier(f"FINESS stem must be 8 characters: {first8!r}")
        return _luhn_digit(first8)

    @classmethod
    def with_check_digit(cls, first8: str) -> "Finess":
        return cls(first8.upper() + str(cls.check_digit(first8)))

    @classmethod
    def parse(cls, text: str) -> "Finess":
        value = text.strip().upper()
        if not _FINESS.match(value):
            raise InvalidIdentifier(f"FINESS must be 9 characters (2 for the department, 7 digits): {text!r}")
        expected = cls.check_digit(value[:8])
        if int(value[8]) != expected:
            raise InvalidIdentifier(f"FINESS check digit mismatch for {value}: expected {expected}, received {value[8]}")
        return cls(value)

    def __str__(self) -> str:
        return self.value
