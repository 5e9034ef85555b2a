"""Bytes ⇄ records for any profile: splitting, per-record decoding with precise problems, encoding, signing.

Positions are byte columns: a record is decoded as Latin-1 (one byte, one character) so a stray UTF-8 byte is
reported at its own column, never shifted.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from simulators.billing_files.layout import PRINTABLE, BadValue, RecordLayout
from simulators.billing_files.problems import EncodeError, Problem, ProblemCode
from simulators.billing_files.profiles import Profile

END = "END"  # in a transition set: the file may end after this record


@dataclass(frozen=True, slots=True)
class RawRecord:
    number: int  # 1-based
    text: str  # Latin-1 decoded, without the separator
    terminated: bool = True


@dataclass(frozen=True, slots=True)
class DecodedRecord:
    """A record whose type is known. `values` holds every field that decoded; `complete` when all did."""

    number: int
    layout: RecordLayout
    values: Mapping[str, Any] = field(default_factory=dict)
    complete: bool = True

    @property
    def role(self) -> str:
        return self.layout.role

    @property
    def code(self) -> str:
        return self.layout.code

    def problem(self, code: ProblemCode, field_name: str | None, reason: str) -> Problem:
        """A problem located at this record and (when given) at the start of one of its fields."""
        position = self.layout.field(field_name).start if field_name else None
        return Problem(code, reason, self.number, self.code, position, field_name)


def split(data: bytes, profile: Profile) -> tuple[list[RawRecord], list[Problem]]:
    """Cut the file into records on the profile's separator; the last one may be unterminated."""
    if not data:
        return [], [Problem(ProblemCode.EMPTY, "the file is empty")]
    pieces = data.split(b"\n")
    terminated_last = pieces[-1] == b""
    if terminated_last:
        pieces.pop()
    crlf = profile.separator == b"\r\n"
    records: list[RawRecord] = []
    bare_lf: list[int] = []
    for index, piece in enumerate(pieces, start=1):
        terminated = terminated_last or index < len(pieces)
        if crlf and terminated:
            if piece.endswith(b"\r"):
                piece = piece[:-1]
            else:
                bare_lf.append(index)
        records.append(RawRecord(index, piece.decode("latin-1"), terminated))
    problems = []
    if bare_lf:
        more = f" (and {len(bare_lf) - 1} more records)" if len(bare_lf) > 1 else ""
        problems.append(Problem(ProblemCode.BAD_SEPARATOR, f"expected CRLF after each record, received LF alone{more}",
                                bare_lf[0]))
    return records, problems


def decode(raw: RawRecord, profile: Profile) -> tuple[DecodedRecord | None, list[Problem]]:
    """Decode one record; report every field problem, not just the first."""
    code = profile.type_field.slice(raw.text).rstrip(" ")
    layout = profile.by_code(code)
    if layout is None:
        known = [r.code for r in profile.records]
        reason = f"expected one of {known}, received {code!r}"
        if not raw.terminated:
            return None, [Problem(ProblemCode.TRUNCATED, f"file ends inside record {raw.number}: {reason}", raw.number)]
        return None, [Problem(ProblemCode.UNKNOWN_RECORD_TYPE, reason, raw.number, code or None,
                              profile.type_field.start, "record_type")]
    problems = _non_ascii(raw, layout)
    bad_fields = {p.field for p in problems}
    if len(raw.text) != layout.length:
        problems.append(_length_problem(raw, layout))
        return DecodedRecord(raw.number, layout, {}, complete=False), problems
    if not raw.terminated:
        problems.append(Problem(ProblemCode.BAD_SEPARATOR, "the last record is not followed by the record separator",
                                raw.number, layout.code, layout.length + 1))
    values: dict[str, Any] = {}
    for spec in layout.fields:
        if spec.name in bad_fields:
            continue
        try:
            values[spec.name] = spec.decode(spec.slice(raw.text))
        except BadValue as bad:
            problems.append(Problem(bad.code, bad.reason, raw.number, layout.code, spec.start, spec.name))
    problems.extend(_filler(raw, layout, profile))
    return DecodedRecord(raw.number, layout, values, complete=not problems), problems


def _field_at(layout: RecordLayout, column: int) -> str | None:
    return next((spec.name for spec in layout.fields if spec.start <= column <= spec.end), None)


def _non_ascii(raw: RawRecord, layout: RecordLayout) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str | None] = set()
    for column, char in enumerate(raw.text, start=1):
        if char in PRINTABLE:
            continue
        name = _field_at(layout, column)
        if name in seen:
            continue
        seen.add(name)
        problems.append(Problem(ProblemCode.NON_ASCII, f"byte 0x{ord(char):02X} is not printable ASCII",
                                raw.number, layout.code, column, name))
    return problems


def _length_problem(raw: RawRecord, layout: RecordLayout) -> Problem:
    received = len(raw.text)
    if not raw.terminated and received < layout.length:
        return Problem(ProblemCode.TRUNCATED,
                       f"file ends inside record {raw.number}: {received} of {layout.length} characters",
                       raw.number, layout.code, received + 1)
    return Problem(ProblemCode.RECORD_LENGTH, f"expected {layout.length} characters, received {received}",
                   raw.number, layout.code, min(received, layout.length) + 1)


def _filler(raw: RawRecord, layout: RecordLayout, profile: Profile) -> list[Problem]:
    covered = set(range(profile.type_field.start, profile.type_field.end + 1))
    for spec in layout.fields:
        covered.update(range(spec.start, spec.end + 1))
    problems: list[Problem] = []
    in_gap_reported = False
    for column in range(1, layout.length + 1):
        if column in covered:
            in_gap_reported = False
            continue
        if raw.text[column - 1] != " " and not in_gap_reported:
            problems.append(Problem(ProblemCode.BAD_FILLER, f"expected a space (filler), received {raw.text[column - 1]!r}",
                                    raw.number, layout.code, column))
            in_gap_reported = True
    return problems


def check_order(records: Sequence[DecodedRecord], transitions: Mapping[str | None, frozenset[str]]) -> list[Problem]:
    """Check the sequence of record roles against the family's grammar (None is the start of the file)."""
    problems: list[Problem] = []
    state: str | None = None
    for record in records:
        allowed = transitions[state]
        if record.role not in allowed:
            after = f"after the {state} record" if state else "at the start of the file"
            problems.append(Problem(ProblemCode.UNEXPECTED_RECORD,
                                    f"expected {_names(allowed)} {after}, received {record.role}",
                                    record.number, record.code, 1, "record_type"))
        state = record.role
    if records and END not in transitions[state]:
        problems.append(Problem(ProblemCode.TRUNCATED, f"the file ends after the {state} record, expected "
                                f"{_names(transitions[state])}", records[-1].number, records[-1].code))
    return problems


def _names(roles: Iterable[str]) -> str:
    named = sorted(r for r in roles if r != END)
    return " or ".join(named) + (" or the end of the file" if END in roles else "")


def encode_record(profile: Profile, role: str, values: Mapping[str, Any], blank: frozenset[str] = frozenset()) -> str:
    """One record's text; EncodeError names the profile, record, field and why when a value cannot be written."""
    layout = profile.record(role)
    unknown = [name for name, value in values.items() if value is not None and not layout.has(name)]
    if unknown:
        raise EncodeError(f"{profile.id} {role} ({layout.code}): no field for {unknown} in this profile")
    chars = list(" " * layout.length)
    chars[profile.type_field.start - 1:profile.type_field.end] = layout.code.ljust(profile.type_field.length)
    for spec in layout.fields:
        if spec.name in blank:
            continue
        try:
            text = spec.encode(values.get(spec.name))
        except ValueError as exc:
            raise EncodeError(f"{profile.id} {role} ({layout.code}) {spec.name}: {exc}") from None
        chars[spec.start - 1:spec.end] = text
    return "".join(chars)


def encode_file(profile: Profile, records: Sequence[tuple[str, Mapping[str, Any]]]) -> bytes:
    """The file's bytes: every record followed by the separator, signed when the profile says so."""
    blank = frozenset([profile.signature[1]]) if profile.signature else frozenset()
    texts = [encode_record(profile, role, values, blank if profile.signature and role == profile.signature[0] else frozenset())
             for role, values in records]
    if profile.signature:
        texts = sign(profile, texts)
    return join(profile, texts)


def join(profile: Profile, texts: Iterable[str]) -> bytes:
    return b"".join(text.encode("latin-1") + profile.separator for text in texts)


def _signed_record(profile: Profile, texts: Sequence[str]) -> tuple[int, RecordLayout] | None:
    assert profile.signature
    layout = profile.record(profile.signature[0])
    code = layout.code.ljust(profile.type_field.length)
    for index in range(len(texts) - 1, -1, -1):
        if profile.type_field.slice(texts[index]) == code:
            return index, layout
    return None


def signature_of(profile: Profile, texts: Sequence[str]) -> str | None:
    """SHA-256 (upper-case hex) over the file's bytes with the signature field blanked; None without a signed record."""
    found = _signed_record(profile, texts)
    if found is None:
        return None
    index, layout = found
    spec = layout.field(profile.signature[1])  # type: ignore[index]
    blanked = list(texts)
    text = blanked[index].ljust(spec.end)
    blanked[index] = text[:spec.start - 1] + " " * spec.length + text[spec.end:]
    return hashlib.sha256(join(profile, blanked)).hexdigest().upper()


def sign(profile: Profile, texts: Sequence[str]) -> list[str]:
    """The records with the signature field filled in."""
    digest = signature_of(profile, texts)
    found = _signed_record(profile, texts)
    if digest is None or found is None:
        return list(texts)
    index, layout = found
    spec = layout.field(profile.signature[1])  # type: ignore[index]
    signed = list(texts)
    signed[index] = signed[index][:spec.start - 1] + digest + signed[index][spec.end:]
    return signed
