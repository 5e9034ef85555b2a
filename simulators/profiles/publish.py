"""Publishing a profile's WSDLs (and XSDs) at a server's address.

The files on disk point at each other with relative paths, so zeep and editors load them as they are. A
published WSDL is self-contained: its SOAP addresses are the server's endpoint and the schemas it imports are
inlined in wsdl:types, so a server only has to answer `?wsdl`. `publish_xsd` serves single schema files for
servers that also answer `?xsd=NAME`.
"""
from __future__ import annotations

from pathlib import Path

from lxml import etree

XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_SOAP11_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
WSDL_SOAP12_NS = "http://schemas.xmlsoap.org/wsdl/soap12/"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"

_ADDRESSES = (f"{{{WSDL_SOAP11_NS}}}address", f"{{{WSDL_SOAP12_NS}}}address")
_SCHEMA_REFS = (f"{{{XSD_NS}}}import", f"{{{XSD_NS}}}include")


def _parse(path: Path) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(path), parser)


def xsd_url(location: str, name: str) -> str:
    """Where the server publishes the schema file `name` next to the endpoint `location`."""
    return f"{location}{'&' if '?' in location else '?'}xsd={name}"


def _point_schemas_at(tree: etree._ElementTree, location: str) -> None:
    for ref in tree.iter(*_SCHEMA_REFS):
        target = ref.get("schemaLocation")
        if target:
            ref.set("schemaLocation", xsd_url(location, Path(target).name))


def inline_schema(path: Path, seen: set[Path] | None = None) -> etree._Element:
    """The xs:schema at `path` with its xs:include-d files merged in (each file once)."""
    seen = seen if seen is not None else {path.resolve()}
    root = _parse(path).getroot()
    for include in root.findall(f"{{{XSD_NS}}}include"):
        position = root.index(include)
        root.remove(include)
        target = (path.parent / include.get("schemaLocation", "")).resolve()
        if target in seen:
            continue
        seen.add(target)
        parts = [child for child in inline_schema(target, seen) if isinstance(child.tag, str)]
        for offset, child in enumerate(parts):
            root.insert(position + offset, child)
    return root


def publish_wsdl(path: Path, location: str) -> bytes:
    """The WSDL at `path`, self-contained: every SOAP address set to `location`, imported schemas inlined."""
    tree = _parse(path)
    for address in tree.iter(*_ADDRESSES):
        address.set("location", location)
    types = tree.getroot().find(f"{{{WSDL_NS}}}types")
    inlined: set[str] = set()
    for schema in list(types.iterfind(f"{{{XSD_NS}}}schema")) if types is not None else ():
        for ref in schema.iterfind(f"{{{XSD_NS}}}import"):
            target = ref.attrib.pop("schemaLocation", None)
            namespace = ref.get("namespace")
            if target and namespace not in inlined:
                inlined.add(namespace)
                types.append(inline_schema(path.parent / target))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def publish_xsd(path: Path, location: str | None) -> bytes:
    """The XSD at `path`; with a `location`, its includes/imports point at `<location>?xsd=NAME`."""
    if location is None:
        return path.read_bytes()
    tree = _parse(path)
    _point_schemas_at(tree, location)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
