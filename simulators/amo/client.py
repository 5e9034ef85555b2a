"""A reference CDRi client (the hospital side): the ROC client's SOAP machinery over the bench-cdri-1 profile."""
from __future__ import annotations

from datetime import date
from typing import Any

from simulators.amo import records as _records  # noqa: F401  (registers the CDRi codecs)
from simulators.amo.messages import CdriAnswer, CdriRequest
from simulators.domain.people import Beneficiary
from simulators.gap.client import RocClient

CDRI_PROFILE = "bench-cdri-1"


class CdriClient:
    """`rights(beneficiary, care_date)` against the CDRi endpoint at `url`. Failures raise the ROC client's typed
    errors (RocFaultError with `.key`, RocTransportError, RocAnswerError); `soap.history` keeps the exchanges."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.soap = RocClient(url, profile=CDRI_PROFILE, **options)

    def rights(self, beneficiary: Beneficiary, care_date: date) -> CdriAnswer:
        return self.soap.call(self.url, CdriRequest(self.soap.header(), beneficiary, care_date))

    def close(self) -> None:
        self.soap.close()

    def __enter__(self) -> "CdriClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
