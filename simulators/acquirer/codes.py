"""DE39 response codes (ISO 8583:1987, two digits) the acquirer answers with, and what each means."""
from __future__ import annotations

APPROVED = "00"
DO_NOT_HONOUR = "05"
INVALID_TRANSACTION = "12"
INVALID_AMOUNT = "13"
INVALID_CARD = "14"
ORIGINAL_NOT_FOUND = "25"
FORMAT_ERROR = "30"
LOST_CARD = "41"
STOLEN_CARD = "43"
INSUFFICIENT_FUNDS = "51"
EXPIRED_CARD = "54"
WRONG_PIN = "55"
SUSPECTED_FRAUD = "59"
AMOUNT_LIMIT_EXCEEDED = "61"
PIN_TRIES_EXCEEDED = "75"
ISSUER_UNAVAILABLE = "91"
DUPLICATE_TRANSMISSION = "94"
SYSTEM_MALFUNCTION = "96"

LABELS: dict[str, str] = {
    APPROVED: "approved",
    DO_NOT_HONOUR: "do not honour",
    INVALID_TRANSACTION: "invalid transaction",
    INVALID_AMOUNT: "invalid amount",
    INVALID_CARD: "invalid card number",
    ORIGINAL_NOT_FOUND: "unable to locate the original transaction",
    FORMAT_ERROR: "format error",
    LOST_CARD: "lost card",
    STOLEN_CARD: "stolen card",
    INSUFFICIENT_FUNDS: "insufficient funds",
    EXPIRED_CARD: "expired card",
    WRONG_PIN: "incorrect PIN",
    SUSPECTED_FRAUD: "suspected fraud",
    AMOUNT_LIMIT_EXCEEDED: "exceeds amount limit",
    PIN_TRIES_EXCEEDED: "PIN tries exceeded",
    ISSUER_UNAVAILABLE: "issuer or switch inoperative",
    DUPLICATE_TRANSMISSION: "duplicate transmission",
    SYSTEM_MALFUNCTION: "system malfunction",
}


def is_response_code(code: str) -> bool:
    """Two alphanumeric characters, as DE39 is defined (an2)."""
    return len(code) == 2 and code.isascii() and code.isalnum()
