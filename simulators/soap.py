"""SOAP 1.1 and 1.2 envelopes and faults, over the hardened parser.

The version is the envelope's namespace; the HTTP content type must not contradict it (text/xml is SOAP 1.1,
application/soap+xml is SOAP 1.2). Fault details carry the profile's <Erreur>/<Erreur2> (see profiles/faults.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Mapping

from lxml import etree

from simulators.xml import MAX_BYTES, MAX_DEPTH, XmlRejected, parse_xml, xml_safe

if TYPE_CHECKING:
    from simulators.domain.contracts import Contact
    from simulators.profiles import CatalogueError, Profile

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class SoapVersion(str, Enum):
    V11 = "1.1"
    V12 = "1.2"


@dataclass(frozen=True, slots=True)
class SoapSpec:
    """What differs between the two versions: namespace, content type and fault vocabulary."""

    version: SoapVersion
    namespace: str
    media_type: str
    client_code: str  # local name of the fault code for a faulty request
    server_code: str  # ... and for a failure of the receiver


SPECS = {
    SoapVersion.V11: SoapSpec(
        SoapVersion.V11, "http://schemas.xmlsoap.org/soap/envelope/", "text/xml", "Client", "Server"
    ),
    SoapVersion.V12: SoapSpec(
        SoapVersion.V12, "http://www.w3.org/2003/05/soap-envelope", "application/soap+xml", "Sender", "Receiver"
    ),
}
_BY_NAMESPACE = {spec.namespace: spec for spec in SPECS.values()}
_BY_MEDIA_TYPE = {spec.media_type: spec for spec in SPECS.values()}
_PREFIX = {SoapVersion.V11: "soap", SoapVersion.V12: "env"}


def spec_for(version: SoapVersion | str) -> SoapSpec:
    return SPECS[SoapVersion(version)]


@dataclass(frozen=True, slots=True)
class SoapMessage:
    version: SoapVersion
    header: etree._Element | None
    body: etree._Element  # the single child of soap:Body (the operation element, or soap:Fault)

    @property
    def is_fault(self) -> bool:
        return self.body.tag == f"{{{SPECS[self.version].namespace}}}Fault"

    @property
    def body_bytes(self) -> bytes:
        """Exclusive C14N of the body element: equal for equal content, whatever the envelope's prefixes."""
        return etree.tostring(self.body, method="c14n", exclusive=True)


@dataclass(frozen=True, slots=True)
class SoapFault:
    """A parsed soap:Fault: `side` is "client" (Client/Sender) or "server" (anything else)."""

    version: SoapVersion
    code: str
    side: str
    reason: str
    detail: etree._Element | None  # first element child of the fault detail, if any


def media_type(content_type: str | None) -> str | None:
    """The bare media type of a Content-Type header ("text/xml; charset=utf-8" -> "text/xml")."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def parse_envelope(
    data: bytes, content_type: str | None = None, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> SoapMessage:
    """Parse a SOAP request or answer. Raises XmlRejected (parse keys, or request.malformed_xml when it is not a
    SOAP envelope, the content type contradicts the envelope version, or the Body does not hold one element)."""
    return read_envelope(parse_xml(data, max_bytes=max_bytes, max_depth=max_depth), content_type)


def read_envelope(root: etree._Element, content_type: str | None = None) -> SoapMessage:
    """The SoapMessage of an already parsed envelope element (same checks as parse_envelope)."""
    qname = etree.QName(root)
    spec = _BY_NAMESPACE.get(qname.namespace or "")
    if spec is None or qname.localname != "Envelope":
        raise XmlRejected(
            "request.malformed_xml",
            f"expected a SOAP 1.1 or 1.2 Envelope, received <{root.tag}>",
        )
    announced = _BY_MEDIA_TYPE.get(media_type(content_type) or "")
    if announced is not None and announced is not spec:
        raise XmlRejected(
            "request.malformed_xml",
            f"content type {media_type(content_type)} announces SOAP {announced.version.value}, "
            f"but the envelope is SOAP {spec.version.value}",
        )
    header = body = None
    for child in root:
        if not isinstance(child.tag, str):
            continue  # comments
        if child.tag == f"{{{spec.namespace}}}Header" and header is None and body is None:
            header = child
        elif child.tag == f"{{{spec.namespace}}}Body" and body is None:
            body = child
        else:
            raise XmlRejected("request.malformed_xml", f"unexpected <{child.tag}> in the SOAP Envelope")
    if body is None:
        raise XmlRejected("request.malformed_xml", "the SOAP Envelope has no Body")
    payload = [child for child in body if isinstance(child.tag, str)]
    if len(payload) != 1:
        raise XmlRejected(
            "request.malformed_xml",
            f"the SOAP Body must hold exactly one element (document/literal), found {len(payload)}",
        )
    return SoapMessage(spec.version, header, payload[0])


def envelope(version: SoapVersion | str, body_element: etree._Element, header: etree._Element | None = None) -> bytes:
    """Serialise `body_element` (and optional header children holder) in a SOAP envelope of `version`."""
    spec = spec_for(version)
    root = etree.Element(f"{{{spec.namespace}}}Envelope", nsmap={_PREFIX[spec.version]: spec.namespace})
    if header is not None:
        holder = etree.SubElement(root, f"{{{spec.namespace}}}Header")
        holder.append(header)
    body = etree.SubElement(root, f"{{{spec.namespace}}}Body")
    body.append(body_element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fault_element(
    version: SoapVersion | str,
    error: "CatalogueError",
    *,
    contact: "Contact | None" = None,
    detail_text: str | None = None,
    schema_path: str | None = None,
    profile: "Profile | None" = None,
) -> etree._Element:
    """The soap:Fault element for a catalogue error, with <Erreur>/<Erreur2> in its detail."""
    if profile is None:
        from simulators.profiles import load_profile

        profile = load_profile()
    spec = spec_for(version)
    ns, prefix = spec.namespace, _PREFIX[spec.version]
    code = f"{prefix}:{spec.server_code if error.side == 'server' else spec.client_code}"
    reason = xml_safe(f"{error.code} {error.label}")
    fault = etree.Element(f"{{{ns}}}Fault", nsmap={prefix: ns})
    detail = profile.fault_detail(error, contact=contact, detail_text=detail_text, schema_path=schema_path)
    if spec.version is SoapVersion.V11:
        etree.SubElement(fault, "faultcode").text = code
        etree.SubElement(fault, "faultstring").text = reason
        etree.SubElement(fault, "detail").append(detail)
    else:
        etree.SubElement(etree.SubElement(fault, f"{{{ns}}}Code"), f"{{{ns}}}Value").text = code
        text = etree.SubElement(etree.SubElement(fault, f"{{{ns}}}Reason"), f"{{{ns}}}Text")
        text.set(XML_LANG, profile.names.fault.language)
        text.text = reason
        etree.SubElement(fault, f"{{{ns}}}Detail").append(detail)
    return fault


def fault(
    version: SoapVersion | str,
    error: "CatalogueError",
    *,
    contact: "Contact | None" = None,
    detail_text: str | None = None,
    schema_path: str | None = None,
    profile: "Profile | None" = None,
) -> bytes:
    """A whole SOAP envelope holding the fault for `error` (client or server fault after `error.side`)."""
    element = fault_element(
        version, error, contact=contact, detail_text=detail_text, schema_path=schema_path, profile=profile
    )
    return envelope(version, element)


def fault_status(version: SoapVersion | str, side: str) -> int:
    """HTTP status of a fault: 500 in SOAP 1.1; 400 (Sender) or 500 (Receiver) in SOAP 1.2."""
    return 400 if SoapVersion(version) is SoapVersion.V12 and side == "client" else 500


def _child_text(parent: etree._Element | None, *tags: str) -> str:
    for tag in tags:
        if parent is None:
            return ""
        parent = parent.find(tag)
    return "".join(parent.itertext()).strip() if parent is not None else ""


def parse_fault(element: etree._Element) -> SoapFault:
    """Read a soap:Fault element of either version (tolerant: missing parts read as empty)."""
    qname = etree.QName(element)
    spec = _BY_NAMESPACE.get(qname.namespace or "")
    if spec is None or qname.localname != "Fault":
        raise XmlRejected("request.malformed_xml", f"expected a SOAP Fault, received <{element.tag}>")
    ns = spec.namespace
    if spec.version is SoapVersion.V11:
        code = _child_text(element, "faultcode")
        reason = _child_text(element, "faultstring")
        holder = element.find("detail")
    else:
        code = _child_text(element, f"{{{ns}}}Code", f"{{{ns}}}Value")
        reason = _child_text(element, f"{{{ns}}}Reason", f"{{{ns}}}Text")
        holder = element.find(f"{{{ns}}}Detail")
    local = code.rsplit(":", 1)[-1]
    side = "client" if local.split(".", 1)[0] in (spec.client_code, "Client", "Sender") else "server"
    detail = next((child for child in holder if isinstance(child.tag, str)), None) if holder is not None else None
    return SoapFault(spec.version, code, side, reason, detail)


def http_headers(version: SoapVersion | str, soap_action: str | None) -> dict[str, str]:
    """Request headers for a SOAP call: SOAPAction header (1.1) or the `action` content-type parameter (1.2)."""
    spec = spec_for(version)
    if spec.version is SoapVersion.V11:
        return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action or ""}"'}
    action = f'; action="{soap_action}"' if soap_action else ""
    return {"Content-Type": f"application/soap+xml; charset=utf-8{action}"}


def content_type(version: SoapVersion | str) -> str:
    """Content type of an answer (no action)."""
    return f"{spec_for(version).media_type}; charset=utf-8"


def requested_action(
    version: SoapVersion | str, headers: Mapping[str, str] | None, content_type_value: str | None
) -> str | None:
    """The action a request announces: SOAPAction header (1.1) or the content type's action parameter (1.2)."""
    if SoapVersion(version) is SoapVersion.V11:
        value = next((v for k, v in (headers or {}).items() if k.lower() == "soapaction"), None)
        return value.strip().strip('"') if value is not None else None
    for param in (content_type_value or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "action":
            return value.strip().strip('"')
    return None
