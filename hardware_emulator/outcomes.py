"""What happens at the card reader, one registry entry per outcome, with the codes each protocol answers.

The Concert E+ status ("0" accepted, "7" refused) is from pyTeliumManager/pypostelium; the Caisse-AP AE/AF codes
are from the OCA and akretion simulators (domain notes §2.3). The two-digit response code written in the Concert
83-byte report is the ISO 8583 code a French acquirer would give (§3.3); its place in the report is inferred.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    name: str
    approved: bool
    concert_status: str  # "0" accepted, "7" refused
    response_code: str  # ISO 8583 two-digit code ("  " when no authorisation was attempted)
    caisse_ap_af: str | None  # AF failure detail, None when approved
    read_mode: str  # Caisse-AP CI: "0" none, "1" contact, "2" contactless
    card_read: bool  # a card was presented, so a masked PAN and expiry can be reported
    scriptable: bool = True  # False for outcomes the terminal decides itself (bad currency, unknown action)
    description: str = ""


_OUTCOMES: dict[str, OutcomeSpec] = {}


def _register(*specs: OutcomeSpec) -> None:
    for spec in specs:
        _OUTCOMES[spec.name] = spec


_register(
    OutcomeSpec("approved", True, "0", "00", None, "1", True, description="chip and PIN, authorised"),
    OutcomeSpec("contactless", True, "0", "00", None, "2", True, description="contactless, authorised"),
    OutcomeSpec("wrong_pin", False, "7", "55", "04", "1", True, description="PIN wrong"),
    OutcomeSpec("pin_tries_exceeded", False, "7", "75", "04", "1", True, description="PIN tries exceeded"),
    OutcomeSpec("expired_card", False, "7", "54", "04", "1", True, description="card past its expiry date"),
    OutcomeSpec("declined", False, "7", "05", "04", "1", True, description="do not honour"),
    OutcomeSpec("insufficient_funds", False, "7", "51", "04", "1", True, description="insufficient funds"),
    OutcomeSpec("operator_abort", False, "7", "17", "11", "0", False, description="red key at the desk"),
    OutcomeSpec("input_timeout", False, "7", "  ", "08", "0", False, description="no card or PIN in time"),
    OutcomeSpec("currency_not_supported", False, "7", "  ", "13", "0", False, scriptable=False,
                description="currency other than the terminal's"),
    OutcomeSpec("unknown_action", False, "7", "12", "12", "0", False, scriptable=False,
                description="transaction type or action the terminal does not know"),
    OutcomeSpec("answer_mode_refused", False, "7", "30", "09", "0", False, scriptable=False,
                description="a consent asked with the short (28-byte) answer, which has no room for the token"),
    OutcomeSpec("no_transaction", False, "7", "  ", "07", "0", False, scriptable=False,
                description="status asked before any transaction"),
)


class UnknownOutcome(ValueError):
    pass


def outcome(name: str) -> OutcomeSpec:
    """The registered outcome `name`, or a clear error naming the valid ones."""
    try:
        return _OUTCOMES[name]
    except KeyError:
        raise UnknownOutcome(f"unknown outcome {name!r}; valid: {', '.join(scriptable_outcomes())}") from None


def scriptable_outcomes() -> list[str]:
    return [name for name, spec in _OUTCOMES.items() if spec.scriptable]


def catalogue() -> list[dict[str, object]]:
    """The scriptable outcomes with their codes, for the control API and the docs."""
    return [
        {"name": s.name, "approved": s.approved, "concert_status": s.concert_status,
         "response_code": s.response_code, "caisse_ap_af": s.caisse_ap_af, "read_mode": s.read_mode,
         "description": s.description}
        for s in _OUTCOMES.values() if s.scriptable
    ]
