"""The codec's records (field order, optionality, repetition) and the mapping's names match the profile XSD."""
from __future__ import annotations

import pytest

from simulators.profiles import load_profile
from simulators.roc.codec import RECORDS, _compile


def children(xsd_element):
    return list(xsd_element.type.content.iter_elements())


def check(record_name: str, xsd_element, compiled, seen: set[str]) -> None:
    seen.add(record_name)
    target = compiled[record_name]
    expected = []
    for slot in target.slots:
        if slot.field.flatten:
            expected.append((slot.tag, 1, 1))
            continue
        low = 0 if (slot.field.optional or slot.field.repeated) else 1
        expected.append((slot.tag, low, None if slot.field.repeated else 1))
    actual = []
    for child in children(xsd_element):
        high = child.max_occurs if child.max_occurs in (0, 1) else None
        actual.append((child.name, child.min_occurs if child.min_occurs == 0 else 1, high))
    # a repeated field may be required at least once in the XSD (lines, quote lines, endpoints)
    normalised = [(tag, low if high == 1 else 0, high) for tag, low, high in actual]
    assert normalised == expected, record_name
    for slot, child in zip(target.slots, children(xsd_element)):
        if slot.record is not None:
            check(slot.record.record.name, child, compiled, seen)


def test_every_message_record_matches_its_xsd_element():
    profile = load_profile()
    compiled = _compile(profile)
    elements = profile.xmlschema.maps.elements
    seen: set[str] = set()
    for op in profile.operations.values():
        for record, tag in ((op.request_record, op.request_tag), (op.answer_record, op.answer_tag)):
            check(record, elements[tag], compiled, seen)
    assert seen == set(RECORDS), f"records never reached from a message: {set(RECORDS) - seen}"


@pytest.mark.parametrize("record", sorted(RECORDS))
def test_every_record_field_has_a_wire_name(record):
    profile = load_profile()
    assert set(profile.names.record_fields(record)) == {f.name for f in RECORDS[record].fields}
