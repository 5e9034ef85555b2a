"""Validate one document against a profile: a bare message, a SOAP envelope, or a SOAP fault (its detail).

Used by `simphonie validate FILE.xml` (click command `validate_command` below) and by checks that judge a peer's
messages. This is the slow, explanatory path: problems come from `Profile.explain` (xmlschema).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from lxml import etree

from simulators.profiles.loader import DEFAULT_PROFILE, Profile, load_profile
from simulators.profiles.schema import SchemaProblem
from simulators.soap import SPECS, read_envelope
from simulators.xml import XmlRejected, parse_xml

_ENVELOPES = {f"{{{spec.namespace}}}Envelope" for spec in SPECS.values()}
_FAULTS = {f"{{{spec.namespace}}}Fault" for spec in SPECS.values()}


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """`operation` is the operation id ("idb"...) when the message is one; `role` "request", "answer" or
    "fault"; `key` the error-catalogue key of the first failure (None when ok)."""

    ok: bool
    operation: str | None
    problems: tuple[SchemaProblem, ...] = ()
    role: str | None = None
    soap_version: str | None = None
    key: str | None = None


def _fault_detail(fault: etree._Element) -> etree._Element | None:
    holder = next((c for c in fault if isinstance(c.tag, str) and etree.QName(c).localname.lower() == "detail"), None)
    if holder is None:
        return None
    return next((c for c in holder if isinstance(c.tag, str)), None)


def _problems(profile: Profile, element: etree._Element) -> tuple[SchemaProblem, ...]:
    fast = profile.validate(element)
    if not fast:
        return ()
    return tuple(profile.explain(element) or fast)


def validate_document(data: bytes, profile: Profile | None = None) -> ValidationReport:
    """Parse (hardened), unwrap a SOAP envelope if there is one, and validate the message against `profile`."""
    profile = profile or load_profile()
    try:
        root = parse_xml(data)
        version = None
        message = root
        if root.tag in _ENVELOPES:
            soap = read_envelope(root)
            version, message = soap.version.value, soap.body
    except XmlRejected as exc:
        return ValidationReport(False, None, (SchemaProblem("/", exc.message),), key=exc.key)
    if message.tag in _FAULTS:
        detail = _fault_detail(message)
        if detail is None:
            problem = SchemaProblem("/Fault", "the SOAP fault has no detail element (expected the profile's error)")
            return ValidationReport(False, None, (problem,), "fault", version, "request.schema_invalid")
        problems = _problems(profile, detail)
        key = "request.schema_invalid" if problems else None
        return ValidationReport(not problems, None, problems, "fault", version, key)
    try:
        operation = profile.operation_for(message)
    except XmlRejected as exc:
        problem = SchemaProblem(f"/{etree.QName(message).localname}", exc.message)
        return ValidationReport(False, None, (problem,), None, version, exc.key)
    problems = _problems(profile, message)
    key = "request.schema_invalid" if problems else None
    return ValidationReport(not problems, operation, problems, profile.role_of(message), version, key)


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True, help="profile name or folder")
def validate_command(files: tuple[Path, ...], profile_name: str) -> None:
    """Validate ROC messages (bare, in a SOAP envelope, or SOAP faults) against a message profile."""
    profile = load_profile(profile_name)
    failed = 0
    for path in files:
        report = validate_document(path.read_bytes(), profile)
        soap = f"SOAP {report.soap_version}" if report.soap_version else None
        what = " ".join(filter(None, (report.operation, report.role, soap)))
        if report.ok:
            click.echo(f"{path}: valid ({what}, {profile.name})")
            continue
        failed += 1
        click.echo(f"{path}: INVALID [{report.key}] ({what or 'unknown message'}, {profile.name})")
        for problem in report.problems:
            click.echo(f"  {problem.path}: {problem.reason}")
    raise SystemExit(1 if failed else 0)
