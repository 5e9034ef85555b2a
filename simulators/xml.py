"""Hardened XML parsing for everything the bench receives: no DTD, no entities, no network, bounded size and depth.

This is the hot path of every SOAP request, so the checks are ordered from cheapest to dearest: size, a byte scan
for DOCTYPE/ENTITY (catches XXE and billion laughs before libxml2 sees them), the parse itself with a parser that
resolves nothing, then one compiled XPath for depth and processing instructions.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Callable, Generic, TypeVar

from lxml import etree

MAX_BYTES = 262_144
MAX_DEPTH = 64

T = TypeVar("T")

_FORBIDDEN_MARKERS = ((b"<!DOCTYPE", "a DOCTYPE/DTD"), (b"<!ENTITY", "an entity declaration"))


_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (lxml refuses them), e.g. from an echoed bad input."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


class XmlRejected(ValueError):
    """A body the bench refuses to read; `key` is an error-catalogue key (docs/error-keys.md)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class PerThread(Generic[T]):
    """A lazily built object per thread: lxml parsers, XPath evaluators and schema validators keep state (their
    error logs) and are not safe to share between the threads of a server."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._local = threading.local()

    def get(self) -> T:
        value = getattr(self._local, "value", None)
        if value is None:
            value = self._local.value = self._factory()
        return value


_PARSER = PerThread(
    lambda: etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
    )
)
_HAS_PI = PerThread(lambda: etree.XPath("boolean(//processing-instruction())"))


@lru_cache(maxsize=8)
def _too_deep_or_pi(max_depth: int) -> PerThread:
    """True when an element sits deeper than `max_depth` or the document holds a processing instruction."""
    return PerThread(lambda: etree.XPath(f"boolean(/*{'/*' * max_depth}) or boolean(//processing-instruction())"))


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse `data` into its root element, or raise XmlRejected with the reason.

    Keys: request.too_large (over `max_bytes`), request.forbidden_construct (DTD, entity, processing instruction,
    nesting deeper than `max_depth`), request.malformed_xml (empty, not bytes, not well-formed).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise XmlRejected("request.malformed_xml", f"expected the body as bytes, received {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise XmlRejected("request.too_large", f"body of {len(data)} bytes exceeds the limit of {max_bytes} bytes")
    if not data or data.isspace():
        raise XmlRejected("request.malformed_xml", "empty body: expected an XML document")
    for marker, what in _FORBIDDEN_MARKERS:
        if marker in data:
            raise XmlRejected(
                "request.forbidden_construct",
                f"the document contains {what}; DTDs and entities are refused (XXE / entity expansion protection)",
            )
    try:
        root = etree.fromstring(data, _PARSER.get())
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if "Excessive depth" in message:
            raise XmlRejected(
                "request.forbidden_construct", f"element nesting deeper than {max_depth} levels"
            ) from None
        raise XmlRejected("request.malformed_xml", f"not well-formed XML: {message}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise XmlRejected("request.malformed_xml", f"not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.internalDTD is not None:  # a DOCTYPE the byte scan missed (UTF-16, UTF-32)
        raise XmlRejected("request.forbidden_construct", "the document contains a DOCTYPE/DTD; DTDs are refused")
    if _too_deep_or_pi(max_depth).get()(root):
        if _HAS_PI.get()(root):
            raise XmlRejected("request.forbidden_construct", "the document contains a processing instruction (refused)")
        raise XmlRejected("request.forbidden_construct", f"element nesting deeper than {max_depth} levels")
    return root
