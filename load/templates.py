"""Pre-encoded ROC (and CDRi) requests, so that a load user spends its CPU on sending, not on building XML.

Each drawn stay is encoded once per operation with the profile codec (about 0.5 ms a message); what changes from
one request to the next (exchange id, timestamp, venue number, IDB reference, commitment number) is left as a
slot and filled by byte joins (about a microsecond). A `StayPool` hands out visits: a template and a venue
number of its own, `WWWIIIIIII` (worker, draw index) as `Dataset.draw_stays` numbers them, so no two users of
a run, in any process, ever touch the same stay. With a CDRi profile (bench-cdri-1), each stay also gets its
`CDRI` request: the AMO rights of its beneficiary on the admission date.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from simulators import clock as bench_clock
from simulators.data.dataset import MAX_DRAWS_PER_WORKER, Dataset, DrawnStay
from simulators.amo import records as _cdri_records  # noqa: F401  (registers the CDRi codecs)
from simulators.amo.messages import CdriRequest
from simulators.domain import Establishment
from simulators.domain.identifiers import Finess
from simulators.gap.client import make_header
from simulators.profiles import Profile
from simulators.roc import (AnnuaireRequest, CancelRequest, ClcRequest, IdbRequest, SimRequest, encode)
from simulators.soap import envelope, http_headers

# Placeholders written by the codec, then cut out of the bytes. They match the profile's lexical types, so a
# template that leaked unfilled would still be a well-formed request (and the tests check none does).
_EXCHANGE = "LOADSLOTEXCHANGE"
_REFERENCE = "LOADSLOTREFERENCE"
_COMMITMENT = "LOADSLOTCOMMITMENT"
_TIMESTAMP = datetime(1999, 12, 31, 23, 59, 58, tzinfo=timezone.utc)

SLOT_MARKERS: dict[str, bytes] = {
    "exchange": f">{_EXCHANGE}<".encode(),
    "timestamp": f">{_TIMESTAMP.isoformat()}<".encode(),
    "reference": f">{_REFERENCE}<".encode(),
    "commitment": f">{_COMMITMENT}<".encode(),
}

OPERATIONS = ("ANNUAIRE", "IDB", "SIM", "CLC", "ANN")
CDRI = "CDRI"  # the CDRi operation (profile bench-cdri-1), also its name in the statistics
CDRI_PROFILE = "bench-cdri-1"


class TemplateError(ValueError):
    """A template could not be cut (a slot missing or repeated): the codec changed how it writes a field."""


@dataclass(frozen=True, slots=True)
class Template:
    """A request body cut around its slots: parts[0] slot[0] parts[1] slot[1] ... parts[-1]."""

    parts: tuple[bytes, ...]
    slots: tuple[str, ...]

    @classmethod
    def cut(cls, body: bytes, markers: dict[str, bytes]) -> "Template":
        found: list[tuple[int, str, bytes]] = []
        for slot, marker in markers.items():
            count = body.count(marker)
            if count != 1:
                raise TemplateError(f"slot {slot}: expected the marker {marker!r} once in the body, found {count}")
            found.append((body.index(marker), slot, marker))
        parts, slots, position = [], [], 0
        for index, slot, marker in sorted(found):
            parts.append(body[position:index + 1])  # keep the '>' of the opening tag
            slots.append(slot)
            position = index + len(marker) - 1  # ... and the '<' of the closing tag
        parts.append(body[position:])
        return cls(tuple(parts), tuple(slots))

    def render(self, values: dict[str, bytes]) -> bytes:
        pieces = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:]):
            pieces.append(values[slot])
            pieces.append(part)
        return b"".join(pieces)


@dataclass(frozen=True, slots=True)
class StayTemplates:
    """The requests of one drawn stay (five ROC, and CDRI when asked), and the attestation's routing key for
    the annuaire cache."""

    drawn: DrawnStay
    requests: dict[str, Template]

    @property
    def route_key(self) -> tuple[str, str, str]:
        a = self.drawn.attestation
        return (a.numero_amc, a.type_convention, a.critere_secondaire)


def _slot_header(drawn: DrawnStay, profile: Profile):
    establishment = drawn.establishment
    return make_header(str(establishment.finess_juridique), str(establishment.finess_geographique),
                       profile=profile.name, exchange_id=_EXCHANGE, timestamp=_TIMESTAMP)


def _template(message: object, profile: Profile, soap_version: str, venue_number: str) -> Template:
    """One message enveloped and cut around whichever slots it carries."""
    body = envelope(soap_version, encode(message, profile))
    markers = {slot: marker for slot, marker in SLOT_MARKERS.items() if marker in body}
    venue_marker = f">{venue_number}<".encode()
    if venue_marker in body:
        markers["venue"] = venue_marker
    return Template.cut(body, markers)


def encode_cdri(drawn: DrawnStay, profile: Profile, soap_version: str = "1.1") -> Template:
    """The stay's CDRi request (rights of its beneficiary on the admission date); slots: exchange, timestamp."""
    message = CdriRequest(_slot_header(drawn, profile), drawn.beneficiary, drawn.stay.admission_date)
    return _template(message, profile, soap_version, drawn.stay.venue_number)


def encode_stay(drawn: DrawnStay, profile: Profile, soap_version: str = "1.1",
                cdri_profile: Profile | None = None) -> StayTemplates:
    """Encode the stay's annuaire, IDB, SIM, CLC and cancellation requests once, with slots (and its CDRi
    request with `cdri_profile`)."""
    header = _slot_header(drawn, profile)
    a, stay, lines = drawn.attestation, drawn.stay, tuple(drawn.lines)
    messages = {
        "ANNUAIRE": AnnuaireRequest(header, a.numero_amc, a.type_convention, a.critere_secondaire),
        "IDB": IdbRequest(header, drawn.beneficiary, a, stay),
        "SIM": SimRequest(header, _REFERENCE, drawn.beneficiary, a, stay, lines),
        "CLC": ClcRequest(header, _REFERENCE, drawn.beneficiary, a, stay, lines),
        "ANN": CancelRequest(header, _COMMITMENT, "Correction du séjour"),
    }
    templates = {operation: _template(message, profile, soap_version, stay.venue_number)
                 for operation, message in messages.items()}
    if cdri_profile is not None:
        templates[CDRI] = encode_cdri(drawn, cdri_profile, soap_version)
    return StayTemplates(drawn, templates)


def soap_headers(profile: Profile, soap_version: str = "1.1",
                 operations: tuple[str, ...] = OPERATIONS) -> dict[str, dict[str, str]]:
    """HTTP headers of each operation (content type of the SOAP version, SOAPAction)."""
    return {operation: http_headers(soap_version, profile.operation(operation).soap_action)
            for operation in operations}


class Clock:
    """The header timestamp, formatted once per second."""

    def __init__(self, now: Callable[[], float] = bench_clock.timestamp) -> None:
        self._now = now
        self._second = -1
        self._text = b""

    def __call__(self) -> bytes:
        second = int(self._now())
        if second != self._second:
            self._second = second
            self._text = datetime.fromtimestamp(second, timezone.utc).isoformat().encode()
        return self._text


@dataclass(frozen=True, slots=True)
class Visit:
    """One stay to walk through: its templates and its own venue number."""

    templates: StayTemplates
    venue: str

    @property
    def route_key(self) -> tuple[str, str, str]:
        return self.templates.route_key


def establishment_for(dataset: Dataset, finess: str) -> Establishment:
    """The dataset's establishment with this FINESS (juridique or géographique), else one standing for it alone.

    With mutual TLS a GAP speaks for the FINESS of its client certificate, so every request of the run does."""
    for establishment in dataset.establishments:
        if finess in (str(establishment.finess_juridique), str(establishment.finess_geographique)):
            return establishment
    parsed = Finess.parse(finess)
    return Establishment(parsed, parsed, f"FINESS {finess}")


class StayPool:
    """Visits for one load process: `size` stays encoded up front, then reused with fresh venue numbers.

    Visit n has venue `{worker:03d}{offset + n:07d}`; the first `size` visits are exactly the stays
    `draw_stays(seed, size, worker, offset)` draws (distinct patients), later ones reuse their templates.
    `establishment`, when given, replaces the drawn stays' (a run speaking for one FINESS); `cdri_profile`, when
    given, adds each stay's CDRi request.
    """

    def __init__(self, dataset: Dataset, profile: Profile, *, seed: int, worker_index: int, offset: int = 0,
                 size: int = 64, soap_version: str = "1.1", establishment: Establishment | None = None,
                 cdri_profile: Profile | None = None) -> None:
        size = max(1, min(size, MAX_DRAWS_PER_WORKER - offset))
        drawn = dataset.draw_stays(seed, size, worker_index, offset)
        if establishment is not None:
            drawn = tuple(dataclasses.replace(stay, establishment=establishment) for stay in drawn)
        self.templates = tuple(encode_stay(stay, profile, soap_version, cdri_profile) for stay in drawn)
        self.worker_index = worker_index
        self.offset = offset
        self._counter = itertools.count(offset)

    def next_visit(self) -> Visit:
        index = next(self._counter)
        if index >= MAX_DRAWS_PER_WORKER:
            raise RuntimeError(f"worker {self.worker_index} used all {MAX_DRAWS_PER_WORKER} venue numbers")
        templates = self.templates[(index - self.offset) % len(self.templates)]
        return Visit(templates, f"{self.worker_index:03d}{index:07d}")
