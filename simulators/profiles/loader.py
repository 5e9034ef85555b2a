"""Loading a message profile folder (profile.yaml, mapping.yaml, errors.yaml, XSDs, WSDLs) into a `Profile`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from lxml import etree

from simulators.domain.contracts import Contact
from simulators.profiles.errors import CatalogueError, ErrorCatalogue, ProfileError
from simulators.profiles.faults import FaultDetail, build_detail, read_detail
from simulators.profiles.names import Names
from simulators.profiles.publish import publish_wsdl, publish_xsd
from simulators.profiles.schema import SchemaProblem, SchemaValidator
from simulators.xml import XmlRejected

PROFILES_DIR = Path(__file__).resolve().parent
DEFAULT_PROFILE = "bench-roc-1"


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a service, with the Clark tags of its request and answer elements."""

    id: str
    service: str
    name: str
    request_record: str
    answer_record: str
    request_tag: str
    answer_tag: str
    soap_action: str


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str  # wire name, e.g. "IDB", "ANN"
    operations: tuple[str, ...]
    wsdl_file: Path
    xsd_file: Path


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ProfileError(f"profile file missing: {path}")
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a mapping at the top level")
    return data


class Profile:
    """A message profile: names, error catalogue, schema validation, operations and published WSDLs.

    Build it with `load_profile`; it is immutable and shared by every thread.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        meta = _read_yaml(root / "profile.yaml")
        self.meta = meta
        self.name: str = str(meta["name"])
        self.version: str = str(meta["version"])
        self.names = Names(_read_yaml(root / meta.get("mapping", "mapping.yaml")))
        self.errors = ErrorCatalogue.from_yaml(_read_yaml(root / meta.get("errors", "errors.yaml")))
        self._schema = SchemaValidator(root / meta["schema"])
        self._schema.compile()
        self.operations: dict[str, Operation] = {
            op.id: Operation(
                id=op.id,
                service=op.service,
                name=op.name,
                request_record=op.request,
                answer_record=op.answer,
                request_tag=self.names.record_tag(op.request),
                answer_tag=self.names.record_tag(op.answer),
                soap_action=op.soap_action,
            )
            for op in self.names.operations.values()
        }
        files = meta.get("services") or {}
        self.services: dict[str, Service] = {}
        for sid, names in self.names.services.items():
            if sid not in files:
                raise ProfileError(f"{root / 'profile.yaml'}: services lacks {sid!r} (declared in mapping.yaml)")
            self.services[sid] = Service(
                id=sid,
                name=names.name,
                operations=tuple(o.id for o in self.operations.values() if o.service == sid),
                wsdl_file=root / files[sid]["wsdl"],
                xsd_file=root / files[sid]["xsd"],
            )
        self._by_tag: dict[str, Operation] = {}
        for op in self.operations.values():
            self._by_tag[op.request_tag] = op
            self._by_tag[op.answer_tag] = op
        self._roles = {op.request_tag: "request" for op in self.operations.values()}
        self._roles.update({op.answer_tag: "answer" for op in self.operations.values()})
        self._xsd_files = {p.name: p for p in (root / meta["schema"]).parent.glob("*.xsd")}

    def __repr__(self) -> str:
        return f"<Profile {self.name} {self.version} at {self.root}>"

    @property
    def namespaces(self) -> dict[str, str]:
        return dict(self.names.namespaces)

    # schema --------------------------------------------------------------------------------------------------
    def validate(self, element: etree._Element) -> list[SchemaProblem]:
        """Problems of `element` against the profile XSD (empty when valid). Fast: compiled libxml2 schema."""
        return self._schema.validate(element)

    def explain(self, element: etree._Element) -> list[SchemaProblem]:
        """The same verdict in detail (offending element's path, reason) with xmlschema. Slow: failures only."""
        return self._schema.explain(element)

    @property
    def xmlschema(self):
        """The profile's xmlschema.XMLSchema (loaded on first use)."""
        return self._schema.xmlschema

    # operations ----------------------------------------------------------------------------------------------
    def operation_for(self, element: etree._Element) -> str:
        """Id of the operation whose request or answer `element` is ("idb", "cancel", ...).

        Raises XmlRejected(request.unsupported_operation) for any other element.
        """
        op = self._by_tag.get(element.tag)
        if op is None:
            known = ", ".join(sorted(etree.QName(t).localname for t in self._roles if self._roles[t] == "request"))
            raise XmlRejected(
                "request.unsupported_operation",
                f"unexpected body element {element.tag!r}: expected one of {known} ({self.name})",
            )
        return op.id

    def role_of(self, element: etree._Element) -> str | None:
        """"request", "answer" or None for an element that is neither."""
        return self._roles.get(element.tag)

    def operation(self, operation_id: str) -> Operation:
        return self.operations[operation_id]

    def service(self, service_id: str) -> Service:
        return self.services[service_id]

    def operation_by_action(self, soap_action: str) -> Operation | None:
        action = soap_action.strip().strip('"')
        return next((op for op in self.operations.values() if op.soap_action == action), None)

    # faults --------------------------------------------------------------------------------------------------
    def fault_detail(
        self,
        error: CatalogueError,
        *,
        contact: Contact | None = None,
        detail_text: str | None = None,
        schema_path: str | None = None,
    ) -> etree._Element:
        """The <Erreur> (no contact) or <Erreur2> (contact given) element of a SOAP fault."""
        return build_detail(self.names, error, contact=contact, detail_text=detail_text, schema_path=schema_path)

    def read_fault_detail(self, element: etree._Element) -> FaultDetail | None:
        return read_detail(self.names, self.errors, element)

    # publishing ----------------------------------------------------------------------------------------------
    def wsdl(self, service: str, location: str) -> bytes:
        """Self-contained WSDL of `service` (id, e.g. "IDB"): SOAP 1.1/1.2 addresses set to `location`, the
        profile's schemas inlined (a server only answers `?wsdl`)."""
        return publish_wsdl(self.services[service].wsdl_file, location)

    def xsd(self, name: str, location: str | None = None) -> bytes:
        """Schema file `name` (e.g. "idb.xsd"); with `location`, its includes point at `<location>?xsd=NAME`.

        Raises KeyError for a name that is not one of the profile's schema files (no path is ever opened).
        """
        path = self._xsd_files.get(name)
        if path is None:
            raise KeyError(f"no schema {name!r} in profile {self.name}: expected one of {sorted(self._xsd_files)}")
        return publish_xsd(path, location)

    @property
    def xsd_names(self) -> tuple[str, ...]:
        return tuple(sorted(self._xsd_files))


def _profile_root(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if (candidate / "profile.yaml").is_file():
        return candidate.resolve()
    folder = PROFILES_DIR / name_or_path.replace("-", "_")
    if "/" in name_or_path or not (folder / "profile.yaml").is_file():
        available = sorted(p.parent.name.replace("_", "-") for p in PROFILES_DIR.glob("*/profile.yaml"))
        raise ProfileError(f"unknown profile {name_or_path!r}: expected one of {available} or a profile folder")
    return folder


@lru_cache(maxsize=8)
def _load(root: Path) -> Profile:
    return Profile(root)


def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """The profile called `name` (folder simulators/profiles/<name with _>), or the profile folder at path
    `name`. Cached per folder: every caller shares one instance."""
    return _load(_profile_root(name))
