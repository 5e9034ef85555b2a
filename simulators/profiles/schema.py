"""Schema validation of profile messages: lxml (libxml2) on the hot path, xmlschema to explain a failure.

libxml2 validates a 3 KB message in tens of microseconds; xmlschema is two orders of magnitude slower but says
precisely which element is wrong and why, so it only runs once a message is known to be invalid.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from simulators.xml import PerThread

_PREFIX = re.compile(r"(?<=/)[A-Za-z_][\w.\-]*:")


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """Where a message breaks the schema (`/IDBRequete/PatientBeneficiaire/NIR`, prefixes dropped) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def normalise_path(path: str | None) -> str:
    """Drop namespace prefixes: they depend on the sender's choices, the local names do not."""
    return _PREFIX.sub("", path or "") or "/"


def _reason(error) -> str:
    """xmlschema's reason, with the offending text when the error is about a simple value."""
    reason = str(error.reason or error.message)
    return f"{reason}: received {error.obj!r}" if isinstance(error.obj, str) else reason


class SchemaValidator:
    """A profile's driver XSD compiled twice over: lxml per thread (fast), xmlschema once on demand (precise)."""

    def __init__(self, driver: Path) -> None:
        self.driver = driver
        self._lxml = PerThread(self._compile_lxml)
        self._xmlschema = None
        self._lock = threading.Lock()

    def _compile_lxml(self) -> etree.XMLSchema:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        return etree.XMLSchema(etree.parse(str(self.driver), parser))

    def compile(self) -> None:
        """Compile the lxml schema now (fails early on a broken profile)."""
        self._lxml.get()

    def validate(self, element: etree._Element) -> list[SchemaProblem]:
        schema = self._lxml.get()
        if schema.validate(element):
            return []
        return [SchemaProblem(normalise_path(e.path), e.message) for e in schema.error_log]

    def explain(self, element: etree._Element) -> list[SchemaProblem]:
        from xmlschema import XMLResource

        source = XMLResource(element, allow="none")  # an element in memory: no file or network access at all
        return [SchemaProblem(normalise_path(e.path), _reason(e)) for e in self.xmlschema.iter_errors(source)]

    @property
    def xmlschema(self):
        """The xmlschema view of the profile (loaded on first use: it takes a few hundred milliseconds)."""
        if self._xmlschema is None:
            with self._lock:
                if self._xmlschema is None:
                    import xmlschema

                    self._xmlschema = xmlschema.XMLSchema(str(self.driver), allow="sandbox", defuse="always")
        return self._xmlschema
