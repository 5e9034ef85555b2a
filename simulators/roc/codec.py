"""A small table-driven codec: records (field order, kinds) live in records.py, names in the profile mapping.

`encode(message, profile)` and `decode(element, profile)` dispatch through registries keyed by message type and
by element tag; there is no per-message code here. Decoding never lets an exception other than DecodeError out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable, Protocol

from lxml import etree

from simulators.profiles import Profile, load_profile
from simulators.profiles.errors import ProfileError
from simulators.roc.kinds import Kind
from simulators.xml import XmlRejected, xml_safe


class DecodeError(XmlRejected):
    """A message that cannot be read into its dataclass; `path` locates the element (prefixes dropped)."""

    def __init__(self, key: str, message: str, path: str = "") -> None:
        super().__init__(key, f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


@dataclass(frozen=True, slots=True)
class Field:
    """One child element of a record.

    `kind` is a scalar Kind or the name of another record. `get` reads the value from the object (default: the
    attribute called `name`); `flatten` writes a record from the parent's own attributes and reads it back into
    the parent's values (e.g. a quote's totals); `error_key` is the catalogue key when the text cannot be read.
    """

    name: str
    kind: Kind | str
    get: Callable[[Any], Any] | None = None
    optional: bool = False
    repeated: bool = False
    flatten: bool = False
    error_key: str = "request.schema_invalid"


@dataclass(frozen=True, slots=True)
class Record:
    """A dataclass and its element: fields in schema order, and `build` from the read values to the object."""

    name: str
    fields: tuple[Field, ...]
    build: Callable[[dict[str, Any]], Any]
    message_type: type | None = None  # set for top-level messages (registry key)


RECORDS: dict[str, Record] = {}
# Records of other profiles sharing this codec (CDRi: simulators/amo/records.py), kept apart so RECORDS stays the
# ROC profile's; a profile compiles, from both, the records its mapping names.
OTHER_RECORDS: dict[str, Record] = {}


def register(record: Record, *, into: dict[str, Record] | None = None) -> Record:
    (RECORDS if into is None else into)[record.name] = record
    return record


# compiled view of the records for one profile -------------------------------------------------------------------
@dataclass(slots=True)
class _Slot:
    field: Field
    tag: str
    get: Callable[[Any], Any]
    record: "_Compiled | None" = None


@dataclass(slots=True)
class _Compiled:
    record: Record
    tag: str
    slots: list[_Slot] = field(default_factory=list)
    by_tag: dict[str, _Slot] = field(default_factory=dict)


@lru_cache(maxsize=8)
def _compile(profile: Profile) -> dict[str, _Compiled]:
    names = profile.names
    # A profile compiles the records its mapping names: several profiles (ROC, CDRi) share the registry.
    present = set(names.record_names)
    compiled = {name: _Compiled(rec, names.record_tag(name))
                for name, rec in {**RECORDS, **OTHER_RECORDS}.items() if name in present}
    for name, target in compiled.items():
        for f in target.record.fields:
            nested = compiled.get(f.kind) if isinstance(f.kind, str) else None
            if isinstance(f.kind, str) and nested is None:
                raise ProfileError(f"record {name}: field {f.name} refers to unknown record {f.kind!r}")
            tag = names.field_tag(name, f.name) or (nested.tag if nested else None)
            if tag is None:
                raise ProfileError(f"mapping.yaml: records.{name}.fields.{f.name} needs an element name")
            if tag in target.by_tag:
                raise ProfileError(f"mapping.yaml: records.{name} uses {tag} for two fields")
            slot = _Slot(f, tag, f.get or attrgetter(f.name), nested)
            target.slots.append(slot)
            target.by_tag[tag] = slot
    return compiled


# encoding ---------------------------------------------------------------------------------------------------
def _fill(element: etree._Element, compiled: _Compiled, obj: Any, profile: Profile) -> None:
    for slot in compiled.slots:
        value = slot.get(obj)
        if value is None:
            if slot.field.optional:
                continue
            raise ValueError(f"{compiled.record.name}.{slot.field.name} is required but None")
        for item in value if slot.field.repeated else (value,):
            child = etree.SubElement(element, slot.tag)
            if slot.record is not None:
                _fill(child, slot.record, item, profile)
            else:
                child.text = xml_safe(slot.field.kind.write(item, profile))


# decoding ---------------------------------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: etree._Element, path: str) -> str:
    if len(element) == 0:
        return element.text or ""
    if any(isinstance(child.tag, str) for child in element):
        raise DecodeError("request.schema_invalid", "expected text, found child elements", path)
    return "".join(element.itertext())


def _read(element: etree._Element, compiled: _Compiled, profile: Profile, path: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments
        slot = compiled.by_tag.get(child.tag)
        child_path = f"{path}/{_local(child.tag)}"
        if slot is None:
            raise DecodeError("request.schema_invalid", f"unexpected element <{child.tag}>", child_path)
        f = slot.field
        if slot.record is not None:
            value = _read(child, slot.record, profile, child_path)
            if f.flatten:
                values.update(value)
                continue
            value = _build(slot.record, value, child_path)
        else:
            text = _text(child, child_path)
            try:
                value = f.kind.read(text, profile)
            except Exception as exc:  # noqa: BLE001 - any reader failure is the message's fault
                raise DecodeError(f.error_key, f"cannot read {text!r} as {f.kind.name}: {exc}", child_path) from None
        if f.repeated:
            values.setdefault(f.name, []).append(value)
        elif f.name in values:
            raise DecodeError("request.schema_invalid", "element repeated", child_path)
        else:
            values[f.name] = value
    for slot in compiled.slots:
        f = slot.field
        if f.flatten or f.name in values:
            if f.repeated:
                values[f.name] = tuple(values[f.name])
            continue
        if f.repeated:
            values[f.name] = ()
        elif f.optional:
            values[f.name] = None
        else:
            raise DecodeError("request.schema_invalid", f"missing <{_local(slot.tag)}>", path)
    return values


def _build(compiled: _Compiled, values: dict[str, Any], path: str) -> Any:
    try:
        return compiled.record.build(values)
    except DecodeError:
        raise
    except Exception as exc:  # noqa: BLE001 - any build failure is the message's fault
        raise DecodeError("request.schema_invalid", f"inconsistent {compiled.record.name}: {exc}", path) from None


# codecs and registries --------------------------------------------------------------------------------------
class Codec(Protocol):
    def encode(self, message: Any, profile: Profile) -> etree._Element: ...

    def decode(self, element: etree._Element, profile: Profile) -> Any: ...


@dataclass(frozen=True, slots=True)
class RecordCodec:
    """Codec of a top-level message record."""

    record: str

    def encode(self, message: Any, profile: Profile) -> etree._Element:
        compiled = _compile(profile)[self.record]
        prefix = profile.names.prefixes.get("messages", "roc")
        element = etree.Element(compiled.tag, nsmap={prefix: profile.names.messages_ns})
        _fill(element, compiled, message, profile)
        return element

    def decode(self, element: etree._Element, profile: Profile) -> Any:
        compiled = _compile(profile)[self.record]
        path = f"/{_local(element.tag)}"
        return _build(compiled, _read(element, compiled, profile, path), path)


CODECS: dict[type, Codec] = {}
TAG_CODECS: list[Callable[[Profile], dict[str, Codec]]] = []


def register_codec(message_type: type, codec: Codec, tags: Callable[[Profile], list[str]]) -> None:
    """Register `codec` for `message_type`, and for the element tags `tags(profile)` returns."""
    CODECS[message_type] = codec
    TAG_CODECS.append(lambda profile: {tag: codec for tag in tags(profile)})


def record_tags(record: str) -> Callable[[Profile], list[str]]:
    """The element tag of `record` in a profile, or none when the profile's mapping does not name it."""
    return lambda profile: [profile.names.record_tag(record)] if record in profile.names.record_names else []


def register_record_codecs() -> None:
    for record in RECORDS.values():
        if record.message_type is not None:
            name = record.name
            register_codec(record.message_type, RecordCodec(name), record_tags(name))


@lru_cache(maxsize=8)
def _decoders(profile: Profile) -> dict[str, Codec]:
    table: dict[str, Codec] = {}
    for tags in TAG_CODECS:
        table.update(tags(profile))
    return table


def encode(message: Any, profile: Profile | None = None) -> etree._Element:
    """The profile element of `message` (a request, an answer or a RocFault)."""
    profile = profile or load_profile()
    try:
        codec = CODECS[type(message)]
    except KeyError:
        raise TypeError(f"no codec for {type(message).__name__}") from None
    return codec.encode(message, profile)


def decode(element: etree._Element, profile: Profile | None = None) -> Any:
    """The message `element` holds. Raises DecodeError (with an error key and a path) for anything unreadable."""
    profile = profile or load_profile()
    codec = _decoders(profile).get(element.tag) if isinstance(element.tag, str) else None
    if codec is None:
        raise DecodeError(
            "request.unsupported_operation", f"<{element.tag}> is not a message of profile {profile.name}"
        )
    return codec.decode(element, profile)
