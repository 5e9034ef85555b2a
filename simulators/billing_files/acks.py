"""Acknowledgement files (bench-arl-1): the ARL a receiver sends for each lot, positive or negative.

A negative ARL lists each problem as the validator reported it: record, record type, column, field, code,
reason. Field names are written upper case and read back lower case (layout names are lower-case snake).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Iterable, Sequence

from simulators.billing_files import checks
from simulators.billing_files.family import Family, FileView, RecordValues, header_values, pick
from simulators.billing_files.problems import EncodeError, Problem, ProblemCode
from simulators.billing_files.profiles import Profile
from simulators.billing_files.records import END, DecodedRecord

HEADER, DETAIL, TRAILER = "ack_header", "ack_detail", "ack_trailer"

TRANSITIONS = {
    None: frozenset({HEADER}),
    HEADER: frozenset({DETAIL, TRAILER}),
    DETAIL: frozenset({DETAIL, TRAILER}),
    TRAILER: frozenset({END}),
}


@dataclass(frozen=True, slots=True)
class Ack:
    """An ARL: who acknowledges which lot, when, accepted or not, and why not.

    `lot_digest` is the SHA-256 of the file as received, so a lot sent twice is recognisable; `recipient`,
    `lot_profile` and `lot_number` are None when the lot's header could not be read. Problems' reasons are
    upper-case ASCII (see acknowledge.ack_for).
    """

    profile: str
    sender: str
    received: date
    accepted: bool
    recipient: str | None = None
    lot_profile: str | None = None
    lot_number: int | None = None
    lot_digest: str | None = None
    problems: tuple[Problem, ...] = ()


def to_records(ack: Ack, profile: Profile) -> list[RecordValues]:
    if ack.profile != profile.id:
        raise EncodeError(f"ack is for profile {ack.profile}, not {profile.id}")
    records: list[RecordValues] = [(HEADER, header_values(
        profile, sender=ack.sender, recipient=ack.recipient, lot_profile=ack.lot_profile, lot_number=ack.lot_number,
        received=ack.received, accepted=ack.accepted, lot_digest=ack.lot_digest))]
    for problem in ack.problems:
        records.append((DETAIL, {
            "record_number": problem.record_number, "record_type": problem.record_type, "position": problem.position,
            "field": problem.field.upper() if problem.field else None, "problem": problem.code.value,
            "reason": problem.reason}))
    records.append((TRAILER, {"detail_count": len(ack.problems), "record_count": len(records) + 1}))
    return records


def from_records(records: Sequence[DecodedRecord], profile: Profile) -> Ack:
    problems = tuple(
        Problem(code=ProblemCode(r.values["problem"]), reason=r.values["reason"], record_number=r.values["record_number"],
                record_type=r.values["record_type"], position=r.values["position"],
                field=r.values["field"].lower() if r.values["field"] else None)
        for r in records if r.role == DETAIL)
    return pick(Ack, records[0].values, profile=profile.id, problems=problems)


def status(view: FileView) -> Iterable[Problem]:
    """A positive ARL has no detail record; a negative one has at least one."""
    header = view.first(HEADER)
    if header is None or header.values.get("accepted") is None:
        return
    details = len(view.of(DETAIL))
    if header.values["accepted"] == (details > 0):
        said = "positive" if header.values["accepted"] else "negative"
        yield header.problem(ProblemCode.STATUS_MISMATCH, "accepted", f"a {said} ARL with {details} detail record(s)")


CHECKS = (
    status,
    partial(checks.count_of, trailer=TRAILER, field="detail_count", role=DETAIL),
    partial(checks.record_count, trailer=TRAILER),
)

FAMILY = Family(name="ack", value_type=Ack, transitions=TRANSITIONS, to_records=to_records,
                from_records=from_records, checks=CHECKS)
