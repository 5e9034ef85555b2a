"""The CDRi messages as typed, frozen values (profile bench-cdri-1); parts are the AMO rights types themselves."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from simulators.amo.rights import AmoOrganisme, AmoStatus, Css, Exoneration, Quality, RightsPeriod
from simulators.domain.identifiers import Nir
from simulators.domain.people import Beneficiary
from simulators.roc.messages import Header


@dataclass(frozen=True, slots=True)
class CdriRequest:
    """AMO rights of `beneficiary` on `care_date` (consultation des droits intégrée)."""

    header: Header
    beneficiary: Beneficiary
    care_date: date


@dataclass(frozen=True, slots=True)
class CdriAnswer:
    """The rights on the date asked: status, quality, organisme, every rights period, the exonerations and the
    CSS that apply on that date. `insured` is the ouvrant droit's NIR for a dependant."""

    header: Header
    status: AmoStatus
    quality: Quality
    rang_beneficiaire: int
    organisme: AmoOrganisme
    periods: tuple[RightsPeriod, ...]
    exonerations: tuple[Exoneration, ...] = ()
    css: Css | None = None
    insured: Nir | None = None
