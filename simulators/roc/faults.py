"""Codec of RocFault: a SOAP fault (either version) whose detail is the profile's <Erreur>/<Erreur2>."""
from __future__ import annotations

from dataclasses import replace

from lxml import etree

from simulators.profiles import CatalogueError, Profile
from simulators.roc.codec import register_codec
from simulators.roc.messages import RocFault
from simulators.soap import SPECS, fault_element, parse_fault


class FaultCodec:
    def encode(self, message: RocFault, profile: Profile) -> etree._Element:
        return fault_element(
            message.version,
            message.error,
            contact=message.contact,
            detail_text=message.detail,
            schema_path=message.schema_path,
            profile=profile,
        )

    def decode(self, element: etree._Element, profile: Profile) -> RocFault:
        """Tolerant: a fault without a profile detail still reads, with the SOAP reason as its label."""
        soap_fault = parse_fault(element)
        found = profile.read_fault_detail(soap_fault.detail) if soap_fault.detail is not None else None
        if found is None:
            error = CatalogueError(None, "", "", "", soap_fault.reason, soap_fault.side)
            return RocFault(soap_fault.version, error)
        error = found.error if found.error.key else replace(found.error, side=soap_fault.side)
        return RocFault(soap_fault.version, error, found.contact, found.detail, found.schema_path)


register_codec(RocFault, FaultCodec(), lambda profile: [f"{{{spec.namespace}}}Fault" for spec in SPECS.values()])
