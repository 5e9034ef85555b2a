"""Reading answers under load: cheap extraction of what the next request needs, sampled schema validation.

Failures are read the same way for every SOAP profile (`FaultReader`: HTTP status, fault code and key). For ROC,
the IDB reference and the commitment number are found with a pattern built from the profile's mapping (no XML
parse per request); the annuaire answer and every failure are decoded properly (they are rare). A sampled share
of successful answers is parsed and validated against the profile XSDs; the counts travel as a custom metric
(`ValidationTally`, merged from the workers by the master) and feed the `min_schema_valid` threshold.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from simulators.profiles import Profile
from simulators.roc import DecodeError, RocFault, decode
from simulators.soap import parse_envelope
from simulators.xml import XmlRejected

MAX_EXAMPLES = 5


def _field_pattern(profile: Profile, record: str, field_name: str) -> re.Pattern[bytes]:
    tag = profile.names.field_tag(record, field_name)
    if tag is None:
        raise ValueError(f"profile {profile.name}: {record}.{field_name} has no element of its own")
    local = re.escape(etree.QName(tag).localname).encode()
    return re.compile(rb"<(?:[\w.-]+:)?" + local + rb"(?:\s[^>]*)?>\s*([^<\s]+)\s*</")


class FaultReader:
    """A one-line reason when a SOAP call of the profile failed, None when it succeeded."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    def failure(self, status: int, body: bytes, content_type: str | None) -> str | None:
        """None for a 200 that is not a SOAP fault; else why the call failed (fault code and key, HTTP status)."""
        if status == 0:
            return "no answer (connection failed or timed out)"
        if status == 200 and b"Fault" not in body:
            return None
        try:
            message = parse_envelope(body, content_type)
        except XmlRejected as exc:
            return f"HTTP {status}, not SOAP: {exc.message}"
        if not message.is_fault:
            return None if status == 200 else f"HTTP {status} with a non-fault SOAP body"
        try:
            fault = decode(message.body, self.profile)
        except DecodeError as exc:
            return f"HTTP {status}, unreadable SOAP fault: {exc.message}"
        if isinstance(fault, RocFault):
            return f"SOAP fault {fault.error.code} ({fault.error.key or 'unknown code'})"
        return f"HTTP {status}, SOAP fault"


class AnswerReader(FaultReader):
    """What a ROC GAP takes from each answer, and (FaultReader) why a call failed."""

    def __init__(self, profile: Profile) -> None:
        super().__init__(profile)
        self._reference = _field_pattern(profile, "IdbAnswer", "idb_reference")
        self._commitment = _field_pattern(profile, "ClcAnswer", "commitment_number")

    def idb_reference(self, body: bytes) -> str | None:
        match = self._reference.search(body)
        return match.group(1).decode() if match else None

    def commitment_number(self, body: bytes) -> str | None:
        match = self._commitment.search(body)
        return match.group(1).decode() if match else None

    def endpoints(self, body: bytes, content_type: str | None) -> dict[str, str] | None:
        """The service URLs of an annuaire answer, or None when it is not one."""
        try:
            message = parse_envelope(body, content_type)
            answer = decode(message.body, self.profile)
        except (XmlRejected, DecodeError):
            return None
        return dict(answer.endpoints) if hasattr(answer, "endpoints") else None


@dataclass
class ValidationTally:
    """Counts of sampled answers; `examples` keeps the first few problems for the summary."""

    sampled: int = 0
    valid: int = 0
    invalid: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, problem: str | None) -> None:
        self.sampled += 1
        if problem is None:
            self.valid += 1
            return
        self.invalid += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def to_dict(self) -> dict[str, Any]:
        return {"sampled": self.sampled, "valid": self.valid, "invalid": self.invalid,
                "examples": list(self.examples)}

    def merge(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.sampled += int(data.get("sampled", 0))
        self.valid += int(data.get("valid", 0))
        self.invalid += int(data.get("invalid", 0))
        room = MAX_EXAMPLES - len(self.examples)
        self.examples.extend(list(data.get("examples", []))[:max(0, room)])

    def drain(self) -> dict[str, Any]:
        """The counts since the last drain (what a worker reports to the master), reset to zero."""
        data = self.to_dict()
        self.sampled = self.valid = self.invalid = 0
        self.examples = []
        return data


class SampledValidation:
    """Validate a share of successful answers against the profile; returns the problem of an invalid one."""

    def __init__(self, profile: Profile, share: float, tally: ValidationTally, rng: random.Random | None = None) -> None:
        self.profile = profile
        self.share = share
        self.tally = tally
        self._rng = rng or random.Random()

    def check(self, operation: str, body: bytes, content_type: str | None) -> str | None:
        if self.share <= 0 or self._rng.random() >= self.share:
            return None
        problem = self.problem(operation, body, content_type)
        self.tally.add(problem)
        return problem

    def problem(self, operation: str, body: bytes, content_type: str | None) -> str | None:
        expected = self.profile.operation(operation).answer_tag
        try:
            message = parse_envelope(body, content_type)
        except XmlRejected as exc:
            return f"{operation} answer: not usable SOAP ({exc.message})"
        if message.body.tag != expected:
            return f"{operation} answer: expected <{etree.QName(expected).localname}>, received <{message.body.tag}>"
        problems = self.profile.validate(message.body)
        if problems:
            return f"{operation} answer breaks the profile schema: {problems[0]}"
        return None
