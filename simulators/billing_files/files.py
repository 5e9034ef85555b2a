"""The public entry points for any profile: parse, validate, read, write, and patch one field.

The profile comes from the value (`value.profile`) when writing and from the header when reading, unless given.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, TypeVar

from simulators.billing_files import acks, invoice_family, returns
from simulators.billing_files.family import Family, FileView
from simulators.billing_files.problems import InvalidFile, Problem, ProblemCode
from simulators.billing_files.profiles import PROFILE_FIELD, Profile, detect_profile, get_profile, profile_ids
from simulators.billing_files.records import check_order, decode, encode_file, join, sign, split

FAMILIES: dict[str, Family] = {family.name: family for family in (invoice_family.FAMILY, acks.FAMILY, returns.FAMILY)}

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome of reading a file: the value (None when the structure is too broken to build one), every
    problem in record order, and the header's readable fields (for an ARL even when the rest is broken)."""

    profile: str | None
    value: Any
    problems: tuple[Problem, ...]
    header: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def family_of(profile: Profile) -> Family:
    try:
        return FAMILIES[profile.family]
    except KeyError:
        raise KeyError(f"profile {profile.id}: unknown family {profile.family!r}; known: {sorted(FAMILIES)}") from None


def resolve(profile: str | Profile | None, data: bytes = b"") -> Profile | None:
    if isinstance(profile, Profile):
        return profile
    if profile is not None:
        return get_profile(profile)
    return detect_profile(data)


def parse(data: bytes, profile: str | Profile | None = None) -> Parsed:
    """Decode, order-check and rule-check a file; never raises on bad input."""
    target = resolve(profile, data)
    if not data:
        return Parsed(target.id if target else None, None, (Problem(ProblemCode.EMPTY, "the file is empty"),))
    if target is None:
        return Parsed(None, None, (Problem(ProblemCode.WRONG_PROFILE, f"the header names no known profile; known: "
                                           f"{', '.join(profile_ids())}", 1, None, None, PROFILE_FIELD),))
    family = family_of(target)
    raws, problems = split(data, target)
    other = _another_profile(raws[0].text, target)
    if other is not None:
        return Parsed(target.id, None, (other,))
    records = []
    for raw in raws:
        record, found = decode(raw, target)
        problems.extend(found)
        if record is not None:
            records.append(record)
    order = check_order(records, family.transitions)
    problems.extend(order)
    view = FileView(target, raws, records)
    for check in family.checks:
        problems.extend(check(view))
    buildable = not order and len(records) == len(raws) and all(record.complete for record in records)
    value = family.from_records(records, target) if buildable else None
    header = dict(records[0].values) if records and records[0].role == target.header.role else {}
    ordered = tuple(sorted(problems, key=lambda p: (p.record_number or 0, p.position or 0)))
    return Parsed(target.id, value, ordered, header)


def _another_profile(first: str, profile: Profile) -> Problem | None:
    """A header that names another profile: the file is of another norm, and one problem says so."""
    header = profile.header
    if profile.type_field.slice(first).rstrip() != header.code:
        return None  # no header at all: the grammar check says so
    spec = header.field(PROFILE_FIELD)
    found = spec.slice(first).rstrip()
    if found == profile.file_id:
        return None
    return Problem(ProblemCode.WRONG_PROFILE, f"expected {profile.file_id}, received {found!r}", 1, header.code,
                   spec.start, PROFILE_FIELD)


def validate(data: bytes, profile: str | Profile | None = None) -> tuple[Problem, ...]:
    """Every problem in the file (empty when it is valid)."""
    return parse(data, profile).problems


def read(data: bytes, profile: str | Profile | None = None, expected: type[T] = object) -> T:  # type: ignore[assignment]
    """The file's value; InvalidFile listing every problem when there is any."""
    parsed = parse(data, profile)
    if parsed.problems:
        raise InvalidFile(parsed.profile, parsed.problems)
    if not isinstance(parsed.value, expected):
        raise InvalidFile(parsed.profile, (Problem(ProblemCode.WRONG_PROFILE,
                                                   f"expected a {expected.__name__} file, received a {parsed.profile} file",
                                                   1, None, None, PROFILE_FIELD),))
    return parsed.value


def read_lot(data: bytes, profile: str | Profile | None = None) -> invoice_family.Lot:
    return read(data, profile, invoice_family.Lot)


def read_ack(data: bytes, profile: str | Profile | None = None) -> acks.Ack:
    return read(data, profile, acks.Ack)


def read_returns(data: bytes, profile: str | Profile | None = None) -> returns.ReturnLot:
    return read(data, profile, returns.ReturnLot)


def write(value: Any) -> bytes:
    """The file for a Lot, Ack or ReturnLot, in the profile it names; EncodeError says what cannot be written."""
    profile = get_profile(value.profile)
    family = family_of(profile)
    if not isinstance(value, family.value_type):
        raise TypeError(f"profile {profile.id} writes {family.value_type.__name__}, not {type(value).__name__}")
    return encode_file(profile, family.to_records(value, profile))


def patch_field(data: bytes, record_number: int, field_name: str, value: Any = None, *, raw: str | None = None,
                profile: str | Profile | None = None, resign: bool = True) -> bytes:
    """A copy of a well-formed file with one field changed: to `value` (encoded as the field's kind) or to the
    `raw` text as is. The lot is re-signed unless `resign=False`, so a broken variant fails only where meant."""
    target = resolve(profile, data)
    if target is None:
        raise ValueError("the file names no known profile; pass profile=")
    raws, _ = split(data, target)
    texts = [r.text for r in raws]
    text = texts[record_number - 1]
    layout = target.by_code(target.type_field.slice(text).rstrip())
    if layout is None:
        raise ValueError(f"record {record_number} has an unknown type")
    spec = target.type_field if field_name == "record_type" else layout.field(field_name)
    replacement = raw if raw is not None else spec.encode(value)
    if raw is not None and len(raw) != spec.length:
        raise ValueError(f"raw text for {field_name} must be {spec.length} characters, got {len(raw)}")
    texts[record_number - 1] = text[:spec.start - 1] + replacement + text[spec.end:]
    if resign and target.signature:
        texts = sign(target, texts)
    return join(target, texts)


def resign(data: bytes, profile: str | Profile | None = None) -> bytes:
    """A copy of a file edited by hand, signed again (records re-joined with the profile's separator)."""
    target = resolve(profile, data)
    if target is None:
        raise ValueError("the file names no known profile; pass profile=")
    raws, _ = split(data, target)
    texts = [r.text for r in raws]
    return join(target, sign(target, texts) if target.signature else texts)
