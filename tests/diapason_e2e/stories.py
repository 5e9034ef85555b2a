"""Hand-built DIAPASON exchanges for the check unit tests: journal entries as the terminal, the provider and
the acquirer write them, and the statuses the driver returns. `paid()` is a good stay from consent to refund;
the other stories are the good exchanges of the fallbacks. Tests change one thing to make each bad."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from simulators.journal import JournalEntry

SESSION = "unit"
AT = "2026-11-25T08:00:00.000+00:00"
TOKEN, MASKED, EXPIRY = "TICBENHSKPTHSLKKGDJYDIKO", "497010******2955", "2807"
CONSENT, DEBIT = "cns_0123456789ab", "dbt_0123456789ab"


def provider(service: str, status: int, body: dict[str, Any] | None = None, answer: dict[str, Any] | None = None, *,
             key: str | None = None, **meta: Any) -> JournalEntry:
    request = f"POST /s/{SESSION}/diapason/v1/{service}" + (f"\nIdempotency-Key: {key}" if key else "")
    if body is not None:
        request += "\n\n" + json.dumps(body)
    answer = answer or {}
    outcome = "ok" if status < 400 else f"problem:{answer.get('code', status)}"
    if key:
        meta["idempotency_key"] = key
    return JournalEntry(SESSION, "diapason", service, AT, 2.0, request, f"{status}\n{json.dumps(answer)}", outcome,
                        (), {"http_status": status, **meta})


def unit(direction: str, kind: str, ascii_text: str = "") -> dict[str, Any]:
    return {"dir": "ecr->terminal" if direction == "in" else "terminal->ecr", "kind": kind, "ascii": ascii_text,
            "hex": "", "t_ms": 0.0}


def terminal(service: str = "caisse-ap", *, outcome: str = "approved", units: list[dict[str, Any]] | None = None,
             **meta: Any) -> JournalEntry:
    base = {"action": "consent", "amount_cents": 15000, "currency": "978", "result": outcome, "approved": True,
            "token": TOKEN, "masked_pan": MASKED, "expiry": EXPIRY, "pos": "01"}
    if service == "concert":
        base["answer_flag"] = "1"
    units = units if units is not None else [unit("in", "message"), unit("out", "message")]
    return JournalEntry(SESSION, "terminal", service, AT, 5.0, "", "", outcome, (),
                        {**base, **meta, "frames": units})


def acquirer(service: str, outcome: str = "ok", request: str = "", **meta: Any) -> JournalEntry:
    return JournalEntry(SESSION, "acquirer", service, AT, 1.0, request, "", outcome, (), meta)


CONSENT_BODY = {"token": TOKEN, "masked_pan": MASKED, "card_expiry": EXPIRY, "ceiling_cents": 15000,
                "expires_on": "2027-01-24", "finess": "544885205", "venue": "9900000001",
                "patient_ref": "IPP0123456789", "terminal_id": "TPE-caisse-ap-01", "pin_verified": True}


def consent_created(**changes: Any) -> JournalEntry:
    body = {**CONSENT_BODY, **changes}
    return provider("consent.create", 201, body, {"id": CONSENT, "status": "active", "created_on": "2026-11-25",
                                                  **{k: body[k] for k in ("ceiling_cents", "expires_on")}},
                    key=f"CNS-9900000001-{TOKEN}", consent_id=CONSENT)


def notified(amount: int = 8000) -> JournalEntry:
    return provider("notification.create", 201, {"amount_cents": amount, "invoice_ref": "FAC-9900000001"},
                    {"id": "ntf_1", "consent_id": CONSENT, "amount_cents": amount, "earliest_debit_on": "2026-12-03"},
                    consent_id=CONSENT)


def debited(amount: int = 8000, *, key: str = f"DBT-{CONSENT}-FAC-9900000001", debit_id: str = DEBIT,
            created_on: str = "2026-12-03") -> JournalEntry:
    return provider("debit.create", 201, {"amount_cents": amount, "invoice_ref": "FAC-9900000001"},
                    {"id": debit_id, "consent_id": CONSENT, "status": "captured", "amount_cents": amount,
                     "created_on": created_on, "response_code": "00"}, key=key, consent_id=CONSENT, debit_id=debit_id)


def debit_refused(code: str, problem: str = "debit.declined", *, key: str = f"DBT-{CONSENT}-FAC-9900000001",
                  status: int = 402) -> JournalEntry:
    return provider("debit.create", status, {"amount_cents": 8000, "invoice_ref": "FAC-9900000001"},
                    {"code": problem, "consent_id": CONSENT, "debit_id": "dbt_x", "response_code": code,
                     "consent_usable": True}, key=key, consent_id=CONSENT)


def refunded(amount: int = 2000, *, n: int = 1) -> JournalEntry:
    return provider("refund.create", 201, {"amount_cents": amount, "reason": "corrected invoice"},
                    {"id": f"rfd_{n}", "debit_id": DEBIT, "status": "refunded", "amount_cents": amount},
                    key=f"RFD-{DEBIT}-{n}", debit_id=DEBIT)


def revoked(reason: str) -> JournalEntry:
    return provider("consent.revoke", 200, {"reason": reason}, {"id": CONSENT, "status": "revoked"},
                    consent_id=CONSENT)


def roc_status(patient_cents: int = 8000) -> dict[str, Any]:
    return {"action": "discharge", "venue": "9900000001", "state": "committed", "billing": "amc",
            "quote": {"source": "CLC", "quote": {"patient_cents": patient_cents}}}


def payment(**changes: Any) -> dict[str, Any]:
    """The GAP's DIAPASON status of a stay paid by DIAPASON (change fields for the other endings)."""
    status = {
        "action": "pay", "flow": "diapason", "venue": "9900000001", "state": "debited", "ceiling_cents": 15000,
        "terminal": [{"approved": True, "outcome": "approved", "masked_pan": MASKED, "card_expiry": EXPIRY,
                      "token": TOKEN, "notes": []}],
        "consent": {"id": CONSENT, "token": TOKEN, "masked_pan": MASKED, "card_expiry": EXPIRY,
                    "expires_on": "2027-01-24", "created_on": "2026-11-25"},
        "reste_a_charge_cents": 8000, "reste_a_charge_source": "clc", "invoice_ref": "FAC-9900000001",
        "notification": {"id": "ntf_1", "amount_cents": 8000, "earliest_debit_on": "2026-12-03"},
        "debit": {"id": DEBIT, "status": "captured", "amount_cents": 8000},
        "debit_attempts": [{"key": f"DBT-{CONSENT}-FAC-9900000001", "amount_cents": 8000, "outcome": "captured"}],
        "refunds": [], "invoice": None, "receipt": {"amount_cents": 8000, "debit_id": DEBIT}, "last_problem": None,
        "events": [], "refunded_cents": 0,
    }
    return {**status, **changes}


@dataclass
class Story:
    journal: list[JournalEntry]
    statuses: list[dict[str, Any]] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        return {"statuses": self.statuses, "status": self.statuses[-1] if self.statuses else None}

    def with_entry(self, position: int, entry: JournalEntry) -> "Story":
        journal = list(self.journal)
        journal.insert(position if position >= 0 else len(journal) + position + 1, entry)
        return Story(journal, list(self.statuses))

    def replacing(self, service: str, entry: JournalEntry) -> "Story":
        return Story([entry if e.service == service else e for e in self.journal], list(self.statuses))

    def with_status(self, **changes: Any) -> "Story":
        return Story(list(self.journal), self.statuses[:-1] + [{**self.statuses[-1], **changes}])


def paid() -> Story:
    """Consent, notice, one debit of R = 8000, a refund of 2000."""
    return Story([terminal(), consent_created(), notified(), acquirer("0200"), debited(), refunded()],
                 [roc_status(), payment(refunds=[{"amount_cents": 2000, "status": "refunded"}],
                                        refunded_cents=2000)])


def refused_at_terminal() -> Story:
    entry = terminal(outcome="wrong_pin", approved=False, token=None)
    return Story([entry], [roc_status(), payment(
        state="invoiced", consent=None, terminal=[{"approved": False, "outcome": "refused"}], notification=None,
        debit=None, debit_attempts=[], receipt=None,
        invoice={"amount_cents": 8000, "reason": "no_consent", "ref": "FAC-9900000001"})])


def nothing_due() -> Story:
    return Story([terminal(), consent_created(), revoked("nothing_to_pay")], [roc_status(0), payment(
        state="closed", reste_a_charge_cents=0, notification=None, debit=None, debit_attempts=[], receipt=None)])


def above_ceiling() -> Story:
    return Story([terminal(amount_cents=5000), consent_created(ceiling_cents=5000), revoked("above_ceiling")],
                 [roc_status(), payment(state="invoiced", ceiling_cents=5000, notification=None, debit=None,
                                        debit_attempts=[], receipt=None,
                                        invoice={"amount_cents": 8000, "reason": "above_ceiling"})])


def declined(code: str = "51") -> Story:
    return Story([terminal(), consent_created(), notified(), acquirer("0200", f"declined:{code}"),
                  debit_refused(code), revoked("paid_otherwise")],
                 [roc_status(), payment(state="invoiced", debit={"id": "dbt_x", "status": "declined"},
                                        debit_attempts=[{"key": "k", "outcome": "debit.declined"}], receipt=None,
                                        invoice={"amount_cents": 8000, "reason": f"debit_declined:{code}"})])


def acquirer_timeout() -> Story:
    story = declined("XX")
    story.journal[3] = acquirer("0200", "no_response", "MTI=0200\nDE11=000001", stan="000001")
    story.journal[4] = debit_refused("XX", "acquirer.unavailable", status=502)
    de90 = "0200" + "000001" + "1125012120" + "0" * 22  # original MTI, STAN, DE7, DE32, DE33
    story.journal.insert(4, acquirer("0420", "ok", f"MTI=0420\nDE11=000002\nDE90={de90}"))
    story.statuses[-1]["invoice"] = {"amount_cents": 8000, "reason": "acquirer_unavailable:XX"}
    return story


def concert_units(*kinds: tuple[str, str]) -> list[dict[str, Any]]:
    return [unit(direction, kind) for direction, kind in kinds]

