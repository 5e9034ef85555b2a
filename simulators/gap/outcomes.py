"""How the reference GAP reads the end of a ROC call: success, refusal (the AMC said no) or transient failure
(nobody answered usefully), and what each means for retries, fallbacks and the stay's report."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulators.gap.client import RocAnswerError, RocClientError, RocFaultError, RocTransportError
from simulators.gap.status import ProblemView

# Faults that say "try again later" (ROC-FLT-016/017); every other fault is a refusal.
TRANSIENT_FAULTS = frozenset({"service.unavailable", "service.internal_error", "service.timeout"})
# Faults caused by the request itself: the same data is not sent again (ROC-FLT-020).
REQUEST_FAULTS = frozenset({"amounts.incoherent", "dates.incoherent", "request.malformed_xml",
                            "request.schema_invalid", "request.too_large", "request.forbidden_construct",
                            "request.unsupported_operation"})
# Annuaire answers that put the AMC outside ROC (ROC-ANN-005, ROC-FLT-009).
OUT_OF_ROC = frozenset({"amc.unknown", "amc.not_in_roc", "routing.unknown"})


def is_transient(error: RocClientError) -> bool:
    """Timeouts, lost connections, HTTP errors, unreadable answers and service.* faults."""
    if isinstance(error, (RocTransportError, RocAnswerError)):
        return True
    return isinstance(error, RocFaultError) and error.key in TRANSIENT_FAULTS


def may_have_been_processed(error: RocClientError) -> bool:
    """Could the AMC have acted on the request although the GAP got no usable answer?

    A timeout or a dropped connection (no HTTP status) or an unreadable 200 answer: yes. An HTTP error page or a
    service.* fault: the AMC says it did nothing.
    """
    if isinstance(error, RocTransportError):
        return error.status is None or error.status < 400
    return isinstance(error, RocAnswerError)


def outcome_of(error: RocClientError | None) -> str:
    """The outcome word of one attempt, in the journal's vocabulary."""
    if error is None:
        return "ok"
    if isinstance(error, RocFaultError):
        return f"fault:{error.key or error.fault.error.code}"
    if isinstance(error, RocTransportError):
        if error.key == "service.timeout":
            return "timeout"
        if error.status is not None and error.status >= 400:
            return f"http_{error.status}"
        return "malformed_answer" if error.key == "request.malformed_xml" else "unreachable"
    if isinstance(error, RocAnswerError):
        return "invalid_answer"
    return f"error:{error.key}"


def fallback_key(error: RocClientError) -> str:
    """The error key a stay reports when it falls back to patient billing because of `error`."""
    if is_transient(error):
        if error.key in TRANSIENT_FAULTS:
            return error.key
        return "service.unavailable"
    if error.key:
        return error.key
    if isinstance(error, RocFaultError):
        return f"code:{error.fault.error.code}"
    return "service.unavailable"


def problem_of(operation: str, error: RocClientError) -> ProblemView:
    contact = error.fault.contact if isinstance(error, RocFaultError) else None
    shown = None if contact is None else {"name": contact.name, "phone": contact.phone, "email": contact.email}
    return ProblemView(operation, error.key, error.message, shown)


@dataclass(frozen=True, slots=True)
class CallResult:
    """The end of one ROC call (after its retries): the request sent, and the answer or the last error."""

    operation: str
    request: Any
    answer: Any = None
    error: RocClientError | None = None
    url: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def transient(self) -> bool:
        return self.error is not None and is_transient(self.error)

    @property
    def refused(self) -> bool:
        return self.error is not None and not is_transient(self.error)

    @property
    def key(self) -> str | None:
        return self.error.key if self.error is not None else None
