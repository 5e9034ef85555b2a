"""Checks shared by the families, each a small function of a FileView yielding Problems.

Families bind them to their record roles and field names (functools.partial) in their check tuples.
"""
from __future__ import annotations

from typing import Iterable

from simulators.domain.identifiers import Finess, InvalidIdentifier, Nir
from simulators.billing_files.family import FileView
from simulators.billing_files.problems import Problem, ProblemCode
from simulators.billing_files.records import signature_of


def record_count(view: FileView, trailer: str, field: str = "record_count") -> Iterable[Problem]:
    """The trailer counts every physical record, itself included."""
    yield from _compare(view, trailer, field, len(view.raws), ProblemCode.COUNT_MISMATCH, "records")


def count_of(view: FileView, trailer: str, field: str, role: str) -> Iterable[Problem]:
    yield from _compare(view, trailer, field, len(view.of(role)), ProblemCode.COUNT_MISMATCH, f"{role} records")


def sum_of(view: FileView, trailer: str, field: str, role: str, source: str | None = None) -> Iterable[Problem]:
    """The trailer's amount is the sum of `source` (default: the same field name) over the `role` records."""
    amounts = [record.values.get(source or field) for record in view.of(role)]
    if None in amounts:  # a record that did not decode is reported already; its amount is unknown
        return
    yield from _compare(view, trailer, field, sum(amounts), ProblemCode.TOTALS_MISMATCH, f"sum of {role} {source or field}")


def _compare(view: FileView, trailer: str, field: str, expected: int, code: ProblemCode, what: str) -> Iterable[Problem]:
    for record in view.of(trailer):
        found = record.values.get(field)
        if found is not None and found != expected:
            yield record.problem(code, field, f"expected {expected} ({what}), received {found}")


def same_value(view: FileView, first: str, second: str, field: str, code: ProblemCode) -> Iterable[Problem]:
    """The `second` record repeats the `first` record's value of `field`."""
    reference = view.first(first)
    if reference is None or reference.values.get(field) is None:
        return
    for record in view.of(second):
        found = record.values.get(field)
        if found is not None and found != reference.values[field]:
            yield record.problem(code, field, f"expected {reference.values[field]} (as in record {reference.number}), "
                                              f"received {found}")


def not_zero(view: FileView, role: str, field: str, code: ProblemCode) -> Iterable[Problem]:
    for record in view.of(role):
        if record.values.get(field) == 0:
            yield record.problem(code, field, f"{field} must not be zero")


def unique(view: FileView, role: str, field: str, code: ProblemCode) -> Iterable[Problem]:
    """Each value of `field` appears once among the `role` records; every repeat is reported."""
    first_seen: dict[object, int] = {}
    for record in view.of(role):
        value = record.values.get(field)
        if value is None:
            continue
        if value in first_seen:
            yield record.problem(code, field, f"{value} already used in record {first_seen[value]}")
        else:
            first_seen[value] = record.number


def nir(view: FileView, role: str, body: str = "nir", key: str = "nir_key") -> Iterable[Problem]:
    """NIR body well formed and key right (Corsica 2A/2B included), via the domain's Nir."""
    for record in view.of(role):
        text, found = record.values.get(body), record.values.get(key)
        if text is None or found is None:
            continue
        try:
            expected = Nir.compute_key(text)
        except InvalidIdentifier as exc:
            yield record.problem(ProblemCode.NIR_INVALID, body, str(exc))
            continue
        if expected != found:
            yield record.problem(ProblemCode.NIR_KEY, key, f"expected key {expected:02d} for {text}, received {found:02d}")


def finess(view: FileView, role: str, fields: tuple[str, ...]) -> Iterable[Problem]:
    for record in view.of(role):
        for field in fields:
            value = record.values.get(field)
            if value is None:
                continue
            try:
                Finess.parse(value)
            except InvalidIdentifier as exc:
                yield record.problem(ProblemCode.FINESS_INVALID, field, str(exc))


def signature(view: FileView) -> Iterable[Problem]:
    """The signature field holds SHA-256 over the file with that field blanked (see records.signature_of)."""
    if view.profile.signature is None:
        return
    role, field = view.profile.signature
    signed = view.of(role)
    if not signed or signed[-1].values.get(field) is None:
        return
    expected = signature_of(view.profile, [raw.text for raw in view.raws])
    found = signed[-1].values[field]
    if expected != found:
        yield signed[-1].problem(ProblemCode.BAD_SIGNATURE, field,
                                 f"expected {expected}, received {found}")

