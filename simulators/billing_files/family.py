"""A family of profiles (invoice lots, acknowledgements, returns): its grammar, its codec and its checks.

Profiles of one family share dataclasses and rules and differ only by their layout file.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from simulators.billing_files.problems import Problem
from simulators.billing_files.profiles import PROFILE_FIELD, Profile
from simulators.billing_files.records import DecodedRecord, RawRecord


@dataclass(frozen=True, slots=True)
class FileView:
    """What checks see: the profile, the physical records and the decoded ones (records of known type)."""

    profile: Profile
    raws: Sequence[RawRecord]
    records: Sequence[DecodedRecord]

    def of(self, role: str) -> list[DecodedRecord]:
        return [record for record in self.records if record.role == role]

    def first(self, role: str) -> DecodedRecord | None:
        return next((record for record in self.records if record.role == role), None)


Check = Callable[[FileView], Iterable[Problem]]
RecordValues = tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Family:
    """How one family reads, writes and checks its files.

    `transitions` maps a record role (None: the start of the file) to the roles that may follow it (records.END:
    the file may end there). `to_records` turns a value into (role, field values); `from_records` builds the
    value from complete, well-ordered records.
    """

    name: str
    value_type: type
    transitions: Mapping[str | None, frozenset[str]]
    to_records: Callable[[Any, Profile], list[RecordValues]]
    from_records: Callable[[Sequence[DecodedRecord], Profile], Any]
    checks: tuple[Check, ...]


def pick(cls: type, values: Mapping[str, Any], **overrides: Any) -> Any:
    """Build dataclass `cls` from record values of the same names; `overrides` supply converted ones."""
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs = {name: value for name, value in values.items() if name in names}
    kwargs.update(overrides)
    return cls(**kwargs)


def fields_of(obj: Any, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """A dataclass's attributes as record values (the layouts use the same names)."""
    skip = set(exclude)
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in skip}


def header_values(profile: Profile, **values: Any) -> dict[str, Any]:
    return {PROFILE_FIELD: profile.file_id, **values}
