"""Read access to a profile's mapping.yaml: the one place where official-looking names live.

Tags are returned in Clark notation (`{namespace}Local`), ready for lxml. Nothing else in the code spells a wire
name, so an official profile only needs a new mapping (and its XSDs/WSDLs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.profiles.errors import ProfileError


@dataclass(frozen=True, slots=True)
class ServiceNames:
    id: str
    name: str  # wire name (annuaire answers, journal)
    wsdl_service: str
    port_type: str


@dataclass(frozen=True, slots=True)
class OperationNames:
    id: str
    service: str  # service id
    name: str  # WSDL operation name
    request: str  # record name of the request
    answer: str  # record name of the answer
    soap_action: str


@dataclass(frozen=True, slots=True)
class FaultNames:
    """Clark tags of the fault detail (<Erreur>/<Erreur2>) and its children."""

    erreur: str
    erreur2: str
    fields: dict[str, str]
    contact: dict[str, str]
    language: str


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise ProfileError(f"mapping.yaml: {where} lacks {key!r}")
    return data[key]


class Names:
    """The mapping of a profile, with lookups by bench id."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.namespaces: dict[str, str] = dict(_require(raw, "namespaces", "the top level"))
        self.prefixes: dict[str, str] = dict(raw.get("prefixes") or {})
        self.messages_ns = _require(self.namespaces, "messages", "namespaces")
        self.errors_ns = _require(self.namespaces, "errors", "namespaces")
        self.services = {
            sid: ServiceNames(sid, str(s["name"]), str(s["wsdl_service"]), str(s["port_type"]))
            for sid, s in _require(raw, "services", "the top level").items()
        }
        self.operations = {
            oid: OperationNames(oid, o["service"], o["name"], o["request"], o["answer"], o["soap_action"])
            for oid, o in _require(raw, "operations", "the top level").items()
        }
        for op in self.operations.values():
            if op.service not in self.services:
                raise ProfileError(f"mapping.yaml: operation {op.id!r} names unknown service {op.service!r}")
        self._records: dict[str, dict[str, Any]] = dict(_require(raw, "records", "the top level"))
        self._codes: dict[str, dict[str, str]] = {
            table: {str(k): str(v) for k, v in values.items()} for table, values in (raw.get("codes") or {}).items()
        }
        self._codes_back = {table: {v: k for k, v in values.items()} for table, values in self._codes.items()}
        self._service_by_name = {s.name: s.id for s in self.services.values()}
        fault = _require(raw, "fault", "the top level")
        err = self.errors_ns
        self.fault = FaultNames(
            erreur=f"{{{err}}}{fault['erreur']}",
            erreur2=f"{{{err}}}{fault['erreur2']}",
            fields={k: f"{{{err}}}{v}" for k, v in fault["fields"].items()},
            contact={k: f"{{{err}}}{v}" for k, v in fault["contact"].items()},
            language=str(fault.get("language", "fr")),
        )

    # records -------------------------------------------------------------------------------------------------
    def record_tag(self, record: str) -> str:
        """Clark tag of the element a record is written as."""
        spec = _require(self._records, record, "records")
        return f"{{{self.messages_ns}}}{_require(spec, 'element', f'records.{record}')}"

    def field_tag(self, record: str, field: str) -> str | None:
        """Clark tag of a record's field, or None when the field takes the tag of the record it holds."""
        fields = _require(_require(self._records, record, "records"), "fields", f"records.{record}")
        local = _require(fields, field, f"records.{record}.fields")
        return None if local is None else f"{{{self.messages_ns}}}{local}"

    def record_fields(self, record: str) -> tuple[str, ...]:
        return tuple(_require(_require(self._records, record, "records"), "fields", f"records.{record}"))

    @property
    def record_names(self) -> tuple[str, ...]:
        return tuple(self._records)

    # codes ---------------------------------------------------------------------------------------------------
    def code(self, table: str, value: str) -> str:
        """Wire code of a bench value (e.g. rights_status "open" → "OUVERTS")."""
        try:
            return self._codes[table][value]
        except KeyError:
            raise ProfileError(f"mapping.yaml: codes.{table} has no entry for {value!r}") from None

    def value(self, table: str, code: str) -> str:
        """Bench value of a wire code; KeyError when the code is not in the table."""
        return self._codes_back[table][code]

    def code_table(self, table: str) -> dict[str, str]:
        return dict(_require(self._codes, table, "codes"))

    # services --------------------------------------------------------------------------------------------------
    def service_id(self, wire_name: str) -> str:
        return self._service_by_name[wire_name]
