"""The provider's error vocabulary: stable problem codes, each with its HTTP status, as RFC 9457 documents.

One registry (`PROBLEMS`) feeds the answers, `GET /diapason/v1/problems` and docs/diapason.md, so a GAP can
branch on `code` and never on the wording of `detail`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ProblemKind:
    code: str
    status: int
    title: str
    meaning: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "title": self.title, "meaning": self.meaning}


PROBLEMS: dict[str, ProblemKind] = {kind.code: kind for kind in (
    # -- the request itself ---------------------------------------------------------------------------------
    ProblemKind("request.malformed_json", 400, "Malformed JSON", "the body is not JSON, or not a JSON object"),
    ProblemKind("request.invalid", 422, "Invalid request",
                "a field is missing, unexpected, or has the wrong type or format; `errors` names each field"),
    ProblemKind("request.media_type", 415, "Unsupported media type", "send the body as application/json"),
    ProblemKind("request.too_large", 413, "Request too large", "the body is above the bench's size limit"),
    ProblemKind("request.unknown_route", 404, "No such endpoint", "GET /diapason/v1/openapi.yaml lists them"),
    ProblemKind("request.method_not_allowed", 405, "Method not allowed", "the `Allow` header lists the methods"),
    ProblemKind("pan.forbidden", 422, "Full card number refused",
                "a Luhn-valid 13-19 digit number was found in the request; send the token and masked PAN only. "
                "Nothing was stored"),
    ProblemKind("card_data.forbidden", 422, "Sensitive card data refused",
                "a CVV, PIN or track field was sent; they must never leave the terminal. Nothing was stored"),
    ProblemKind("idempotency.key_missing", 400, "Idempotency-Key missing",
                "debits and refunds need an Idempotency-Key header, one per intended operation"),
    ProblemKind("idempotency.conflict", 409, "Idempotency-Key reused",
                "the key was already used for another request (different body or endpoint)"),
    ProblemKind("finess.not_authorised", 403, "FINESS not authorised",
                "the client certificate does not speak for the consent's establishment"),
    # -- consents ---------------------------------------------------------------------------------------------
    ProblemKind("consent.unknown", 404, "Unknown consent", "no consent with this id in the test session"),
    ProblemKind("consent.exists", 409, "Consent already registered",
                "the stay already has a usable consent; revoke it before registering another"),
    ProblemKind("consent.expired", 409, "Consent expired", "the session's date is after the consent's expires_on"),
    ProblemKind("consent.revoked", 409, "Consent revoked", "the consent was cancelled; invoice the patient"),
    ProblemKind("consent.blocked", 409, "Consent blocked",
                "an earlier debit was declined for a reason that makes the card unusable (lost, stolen, expired...)"),
    ProblemKind("consent.expiry_too_far", 422, "Consent expiry too far",
                "expires_on is further than the profile's max_consent_days after the session's date"),
    ProblemKind("consent.pin_not_verified", 422, "PIN not verified",
                "a DIAPASON consent needs the patient's PIN on the terminal"),
    ProblemKind("card.expired", 422, "Card expired", "the card's expiry month is before the session's date"),
    # -- debits -----------------------------------------------------------------------------------------------
    ProblemKind("debit.unknown", 404, "Unknown debit", "no debit with this id in the test session"),
    ProblemKind("debit.above_ceiling", 422, "Amount above the ceiling",
                "the amount (plus what was already debited) is above the consent's ceiling; no DIAPASON debit, "
                "invoice the patient"),
    ProblemKind("debit.not_notified", 409, "Patient not notified",
                "no pending notification: notify the patient of the amount before debiting"),
    ProblemKind("debit.too_early", 409, "Notification lead time not elapsed",
                "the debit comes before the notification date plus the lead time (earliest_debit_on)"),
    ProblemKind("debit.above_notified", 422, "Amount above the notified amount",
                "the patient was told a smaller amount; notify again first"),
    ProblemKind("debit.duplicate", 409, "Consent already debited",
                "the consent already has a captured debit and the profile allows one only"),
    ProblemKind("debit.in_progress", 409, "Debit in progress",
                "another debit of this consent is being processed; retry with the same Idempotency-Key"),
    ProblemKind("debit.declined", 402, "Debit declined",
                "the card's bank declined; `response_code` says why and `consent_usable` whether to try again"),
    ProblemKind("debit.not_captured", 409, "Debit not captured", "only a captured debit can be refunded"),
    # -- refunds ----------------------------------------------------------------------------------------------
    ProblemKind("refund.unknown", 404, "Unknown refund", "no refund with this id in the test session"),
    ProblemKind("refund.above_original", 422, "Refund above the original",
                "the refunds of a debit may add up to its amount, no more"),
    ProblemKind("refund.in_progress", 409, "Refund in progress",
                "another refund of this debit is being processed; retry with the same Idempotency-Key"),
    ProblemKind("refund.declined", 402, "Refund declined", "the acquirer declined the refund"),
    # -- the bench and the acquirer ---------------------------------------------------------------------------
    ProblemKind("problem.unknown", 404, "Unknown problem code", "GET /diapason/v1/problems lists them"),
    ProblemKind("acquirer.unavailable", 502, "Acquirer unavailable",
                "no usable answer from the acquirer (technical failure); the provider reversed what it sent, "
                "the consent stays usable"),
    ProblemKind("service.unavailable", 503, "Service unavailable",
                "fault injected by a session behaviour (http_503...)"),
    ProblemKind("service.timeout", 504, "Service timeout", "the session's timeout behaviour held the request"),
    ProblemKind("service.internal_error", 500, "Internal error of the bench", "a bench bug; please report it"),
)}


class Problem(Exception):
    """Raised anywhere in the provider; the endpoint turns it into an `application/problem+json` answer."""

    def __init__(self, code: str, detail: str, *, status: int | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.kind = PROBLEMS[code]
        self.detail = detail
        self.status = status or self.kind.status
        self.extensions = {key: value for key, value in extensions.items() if value is not None}

    @property
    def code(self) -> str:
        return self.kind.code

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/diapason/v1/problems/{self.code}",
            "title": self.kind.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


def field_problem(errors: list[dict[str, str]]) -> Problem:
    """422 request.invalid naming every bad field; the detail repeats the first for people reading logs."""
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return Problem("request.invalid", f"{first['field']}: {first['detail']}{more}", errors=errors)
