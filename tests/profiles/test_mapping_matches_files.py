"""mapping.yaml is the one place the code reads names from: the XSDs and WSDLs of the profile must agree with it."""
from __future__ import annotations

import pytest
import zeep
from lxml import etree

WSDL = "http://schemas.xmlsoap.org/wsdl/"
BINDINGS = {"1.1": "http://schemas.xmlsoap.org/wsdl/soap/", "1.2": "http://schemas.xmlsoap.org/wsdl/soap12/"}

# which XSD simple type each code table of the mapping feeds
CODE_TYPES = {
    "rights_status": "StatutDroits",
    "domaine": "Domaine",
    "stay_type": "TypeSejour",
    "family": "FamillePrestation",
    "cancel_status": "StatutAnnulation",
}


def clark(node: etree._Element, qname: str) -> str:
    prefix, local = qname.split(":")
    return f"{{{node.nsmap[prefix]}}}{local}"


def enumeration(profile, type_name: str) -> set[str]:
    return set(profile.xmlschema.maps.types[f"{{{profile.names.messages_ns}}}{type_name}"].enumeration)


@pytest.mark.parametrize("table, type_name", CODE_TYPES.items())
def test_code_tables_match_xsd_enumerations(profile, table, type_name):
    assert set(profile.names.code_table(table).values()) == enumeration(profile, type_name)


def test_service_names_match_the_annuaire_enumeration(profile):
    assert {s.name for s in profile.services.values()} == enumeration(profile, "NomService")


def test_message_elements_are_global_elements_of_the_schema(profile):
    elements = profile.xmlschema.maps.elements
    for op in profile.operations.values():
        assert op.request_tag in elements and op.answer_tag in elements, op.id
    fault = profile.names.fault
    assert fault.erreur in elements and fault.erreur2 in elements
    erreur2 = elements[fault.erreur2]
    children = {child.name for child in erreur2.type.content.iter_elements()}
    assert set(fault.fields.values()) <= children


@pytest.mark.parametrize("service_id", ["ANNUAIRE", "IDB", "SIM", "CLC", "ANN"])
def test_wsdl_names_come_from_the_mapping(profile, service_id):
    service = profile.service(service_id)
    names = profile.names.services[service_id]
    tree = etree.parse(str(service.wsdl_file))
    root = tree.getroot()
    ns = {"w": WSDL, "s11": BINDINGS["1.1"], "s12": BINDINGS["1.2"]}
    assert root.xpath("w:service/@name", namespaces=ns) == [names.wsdl_service]
    assert root.xpath("w:portType/@name", namespaces=ns) == [names.port_type]
    for op_id in service.operations:
        op = profile.operation(op_id)
        assert root.xpath("w:portType/w:operation/@name", namespaces=ns) == [op.name]
        actions = root.xpath("w:binding/w:operation/*[local-name()='operation']/@soapAction", namespaces=ns)
        assert actions == [op.soap_action, op.soap_action]
        parts = {clark(part, part.get("element")) for part in root.xpath("w:message/w:part", namespaces=ns)}
        assert {op.request_tag, op.answer_tag, profile.names.fault.erreur, profile.names.fault.erreur2} <= parts
    bindings = {etree.QName(b).namespace for b in root.xpath("w:binding/*[local-name()='binding']", namespaces=ns)}
    assert bindings == set(BINDINGS.values())


@pytest.mark.parametrize("service_id", ["ANNUAIRE", "IDB", "SIM", "CLC", "ANN"])
def test_zeep_loads_each_wsdl_with_both_bindings(profile, service_id):
    service = profile.service(service_id)
    client = zeep.Client(str(service.wsdl_file))
    ports = client.wsdl.services[profile.names.services[service_id].wsdl_service].ports
    assert len(ports) == 2
    for port in ports.values():
        assert sorted(port.binding._operations) == sorted(profile.operation(o).name for o in service.operations)
        assert port.binding_options["address"].startswith("https://location.invalid/")


def test_zeep_reads_a_sample_message_with_the_wsdl_types(profile):
    client = zeep.Client(str(profile.service("IDB").wsdl_file))
    element = client.get_element(profile.operation("IDB").request_tag)
    sample = etree.parse(str(profile.root / "samples" / "idb-request.xml")).getroot()
    value = element.parse(sample, client.wsdl.types)
    assert value.PatientBeneficiaire.NIR == "2850775123456"
    assert value.Venue.Domaine == "MCO"
