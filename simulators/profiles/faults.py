"""The detail of a ROC SOAP fault: <Erreur> (code, label, group) or <Erreur2> (the same plus the AMC contact).

Structure after CI_SEL_AMC v1.2 (roc-amo.md §1.2); element names come from the profile mapping.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from simulators.domain.contracts import Contact
from simulators.profiles.errors import CatalogueError, ErrorCatalogue
from simulators.profiles.names import Names
from simulators.xml import xml_safe


@dataclass(frozen=True, slots=True)
class FaultDetail:
    """What a fault detail says. `error.side` is taken from the catalogue when the code is known."""

    error: CatalogueError
    contact: Contact | None = None
    detail: str | None = None
    schema_path: str | None = None


def build_detail(
    names: Names,
    error: CatalogueError,
    *,
    contact: Contact | None = None,
    detail_text: str | None = None,
    schema_path: str | None = None,
) -> etree._Element:
    """<Erreur> without a contact, <Erreur2> with one."""
    f = names.fault
    nsmap = {names.prefixes.get("errors", "err"): names.errors_ns}
    root = etree.Element(f.erreur2 if contact else f.erreur, nsmap=nsmap)
    for field, value in (
        ("code", error.code),
        ("label", error.label),
        ("group", error.group),
        ("group_label", error.group_label),
        ("schema_path", schema_path),
        ("detail", detail_text),
    ):
        if value:
            etree.SubElement(root, f.fields[field]).text = xml_safe(value[:1024])
    if contact:
        holder = etree.SubElement(root, f.fields["contact"])
        for field in ("name", "phone", "email"):
            etree.SubElement(holder, f.contact[field]).text = xml_safe(getattr(contact, field))
    return root


def _text(parent: etree._Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None:
        return None
    return "".join(child.itertext()).strip() or None


def read_detail(names: Names, errors: ErrorCatalogue, element: etree._Element) -> FaultDetail | None:
    """Read an <Erreur>/<Erreur2> element; None when `element` is neither. Tolerant: fields may be missing."""
    f = names.fault
    if element.tag not in (f.erreur, f.erreur2):
        return None
    code = _text(element, f.fields["code"]) or ""
    known = errors.key_for_code(code)
    side = errors.by_code(code).side if known else "client"
    error = CatalogueError(
        key=known,
        group=_text(element, f.fields["group"]) or "",
        group_label=_text(element, f.fields["group_label"]) or "",
        code=code,
        label=_text(element, f.fields["label"]) or "",
        side=side,
    )
    contact = None
    holder = element.find(f.fields["contact"])
    if holder is not None:
        contact = Contact(*(_text(holder, f.contact[k]) or "" for k in ("name", "phone", "email")))
    return FaultDetail(
        error=error,
        contact=contact,
        detail=_text(element, f.fields["detail"]),
        schema_path=_text(element, f.fields["schema_path"]),
    )
