"""Profiles: one YAML layout definition per file profile, loaded into typed layouts, looked up by id.

Every official-looking record type, field label and code lives in `layouts/<profile>.yaml`; the code only knows
the bench's field names and record roles, so an official layout can replace a bench one file for file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from simulators.billing_files.layout import DateFormat, FieldKind, FieldSpec, RecordLayout

LAYOUTS = Path(__file__).with_name("layouts")
_SEPARATORS = {"CRLF": b"\r\n", "LF": b"\n"}
PROFILE_FIELD = "profile_id"  # the header field naming the profile: how a file says what it is


class LayoutError(ValueError):
    """A layout definition is wrong; the message names the file, the key and why."""


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class Profile:
    """A file profile: its records by role, record separator, signature field and code tables."""

    id: str
    family: str
    title: str
    separator: bytes
    type_field: FieldSpec
    records: tuple[RecordLayout, ...]
    signature: tuple[str, str] | None = None  # (record role, field name)
    codes: Mapping[str, Mapping[str, Code]] = field(default_factory=dict)
    source: str = ""

    def record(self, role: str) -> RecordLayout:
        for layout in self.records:
            if layout.role == role:
                return layout
        raise KeyError(f"profile {self.id} has no {role} record")

    def has_record(self, role: str) -> bool:
        return any(layout.role == role for layout in self.records)

    def by_code(self, code: str) -> RecordLayout | None:
        return next((layout for layout in self.records if layout.code == code), None)

    @property
    def header(self) -> RecordLayout:
        """The first record of every file of the profile (it carries the profile id)."""
        return self.records[0]

    @property
    def file_id(self) -> str:
        """The profile id as written in the header (upper-case ASCII)."""
        return self.id.upper()


def profile_ids() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in LAYOUTS.glob("*.yaml")))


@cache
def get_profile(profile_id: str) -> Profile:
    """The profile with this id; KeyError naming the known ones otherwise."""
    path = LAYOUTS / f"{profile_id}.yaml"
    if not path.is_file():
        raise KeyError(f"unknown billing file profile {profile_id!r}; known: {', '.join(profile_ids())}")
    return load_profile(path)


def detect_profile(data: bytes) -> Profile | None:
    """The profile a file names in its header, or None when no known profile matches."""
    first = data.split(b"\n", 1)[0].decode("latin-1")
    for profile_id in profile_ids():
        profile = get_profile(profile_id)
        spec = profile.header.field(PROFILE_FIELD)
        if profile.type_field.slice(first).rstrip() == profile.header.code and spec.slice(first).rstrip() == profile.file_id:
            return profile
    return None


def load_profile(path: Path) -> Profile:
    """Read and check one layout file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LayoutError(f"{path.name}: not valid YAML: {exc}") from exc
    return _Loader(path.name, raw).profile()


class _Loader:
    def __init__(self, name: str, raw: Any):
        if not isinstance(raw, dict):
            raise LayoutError(f"{name}: expected a mapping at the top level")
        self.name = name
        self.raw = raw

    def fail(self, key: str, why: str) -> LayoutError:
        return LayoutError(f"{self.name}: {key}: {why}")

    def need(self, mapping: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in mapping:
            raise self.fail(f"{where}.{key}" if where else key, "missing")
        return mapping[key]

    def profile(self) -> Profile:
        raw = self.raw
        separator = self.need(raw, "separator", "")
        if separator not in _SEPARATORS:
            raise self.fail("separator", f"{separator!r} is not one of {sorted(_SEPARATORS)}")
        codes = self.codes(raw.get("codes") or {})
        date_format = self.date_format(raw.get("date_format", "YYYYMMDD"), "date_format")
        type_raw = self.need(raw, "record_type", "")
        type_field = FieldSpec("record_type", int(type_raw["start"]), int(type_raw["length"]), FieldKind.ALPHA,
                               label=str(type_raw.get("label", "")))
        records_raw = self.need(raw, "records", "")
        if not isinstance(records_raw, dict) or not records_raw:
            raise self.fail("records", "expected a mapping of record roles")
        records = tuple(self.record(role, body, type_field, date_format, codes) for role, body in records_raw.items())
        seen: dict[str, str] = {}
        for layout in records:
            if layout.code in seen:
                raise self.fail(f"records.{layout.role}.code", f"{layout.code!r} already used by {seen[layout.code]}")
            seen[layout.code] = layout.role
        if not records[0].has(PROFILE_FIELD):
            raise self.fail(f"records.{records[0].role}", f"the first record must have a {PROFILE_FIELD} field")
        signature = None
        if "signature" in raw:
            sig = raw["signature"]
            role, name = self.need(sig, "record", "signature"), self.need(sig, "field", "signature")
            layout = next((r for r in records if r.role == role), None)
            if layout is None or not layout.has(name):
                raise self.fail("signature", f"no field {name!r} in record {role!r}")
            if layout.field(name).length != 64 or layout.field(name).kind is not FieldKind.ALPHA:
                raise self.fail("signature", "the signature field must be alpha, 64 characters (SHA-256 in hex)")
            signature = (role, name)
        return Profile(id=str(self.need(raw, "id", "")), family=str(self.need(raw, "family", "")),
                       title=str(raw.get("title", "")), separator=_SEPARATORS[separator], type_field=type_field,
                       records=records, signature=signature, codes=codes, source=self.name)

    def codes(self, raw: Mapping[str, Any]) -> dict[str, dict[str, Code]]:
        tables: dict[str, dict[str, Code]] = {}
        for table, entries in raw.items():
            tables[table] = {}
            for key, entry in (entries or {}).items():
                code = self.need(entry, "code", f"codes.{table}.{key}")
                tables[table][str(key)] = Code(str(code), str(entry.get("label", "")))
        return tables

    def date_format(self, value: Any, key: str) -> DateFormat:
        try:
            return DateFormat(value)
        except ValueError:
            raise self.fail(key, f"{value!r} is not one of {[f.value for f in DateFormat]}") from None

    def record(self, role: str, body: Any, type_field: FieldSpec, date_format: DateFormat,
               codes: Mapping[str, Mapping[str, Code]]) -> RecordLayout:
        where = f"records.{role}"
        if not isinstance(body, dict):
            raise self.fail(where, "expected a mapping with code, length and fields")
        code, length = str(self.need(body, "code", where)), int(self.need(body, "length", where))
        if len(code) > type_field.length:
            raise self.fail(f"{where}.code", f"{code!r} is longer than the record type field ({type_field.length})")
        fields = [self.field(f"{where}.fields[{i}]", item, date_format, codes)
                  for i, item in enumerate(self.need(body, "fields", where))]
        occupied = [(type_field.start, type_field.end, "record_type")]
        for spec in fields:
            if spec.start < 1 or spec.end > length:
                raise self.fail(f"{where}.{spec.name}", f"columns {spec.start}-{spec.end} fall outside 1-{length}")
            for start, end, other in occupied:
                if spec.start <= end and start <= spec.end:
                    raise self.fail(f"{where}.{spec.name}", f"columns {spec.start}-{spec.end} overlap {other}")
            occupied.append((spec.start, spec.end, spec.name))
        names = [spec.name for spec in fields]
        if len(set(names)) != len(names):
            raise self.fail(where, "field names must be unique")
        return RecordLayout(role=role, code=code, length=length, label=str(body.get("label", "")),
                            fields=tuple(sorted(fields, key=lambda s: s.start)))

    def field(self, where: str, item: Any, date_format: DateFormat,
              codes: Mapping[str, Mapping[str, Code]]) -> FieldSpec:
        if not isinstance(item, dict):
            raise self.fail(where, "expected a mapping (name, start, length, kind)")
        name = str(self.need(item, "name", where))
        where = f"{where} ({name})"
        try:
            kind = FieldKind(self.need(item, "kind", where))
        except ValueError:
            raise self.fail(f"{where}.kind", f"{item['kind']!r} is not one of {[k.value for k in FieldKind]}") from None
        values: tuple[tuple[str, Any], ...] = ()
        if kind is FieldKind.ENUM:
            if "values_from" in item:
                table = codes.get(item["values_from"])
                if table is None:
                    raise self.fail(f"{where}.values_from", f"no code table {item['values_from']!r}")
                values = tuple((entry.code, key) for key, entry in table.items())
            else:
                mapping = item.get("values")
                if isinstance(mapping, list):
                    mapping = {str(v): v for v in mapping}
                if not isinstance(mapping, dict) or not mapping:
                    raise self.fail(f"{where}.values", "an enum needs values (list or code: value mapping) or values_from")
                values = tuple((str(code), value) for code, value in mapping.items())
        default_format = DateFormat.YYYYMMDD if kind is FieldKind.BIRTHDATE else date_format
        fmt = self.date_format(item.get("format", default_format.value), f"{where}.format")
        spec = FieldSpec(name=name, start=int(self.need(item, "start", where)), length=int(self.need(item, "length", where)),
                         kind=kind, mandatory=bool(item.get("mandatory", True)), label=str(item.get("label", "")),
                         date_format=fmt, values=values)
        expected = {DateFormat.YYMMDD: 6, DateFormat.YYYYMMDD: 8}[fmt]
        if kind in (FieldKind.DATE, FieldKind.BIRTHDATE) and spec.length != expected:
            raise self.fail(f"{where}.length", f"a {fmt.value} date is {expected} characters, not {spec.length}")
        if kind is FieldKind.BIRTHDATE and fmt is not DateFormat.YYYYMMDD:
            raise self.fail(f"{where}.format", "birth dates are YYYYMMDD")
        too_long = [code for code, _ in values if len(code) > spec.length]
        if too_long:
            raise self.fail(f"{where}.values", f"codes {too_long} are longer than the field ({spec.length})")
        return spec
