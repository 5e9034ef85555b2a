"""The reference GAP's DIAPASON desk (domain notes §1.2, §1.4, §5.3; docs/diapason-e2e.md draws the machine).

At admission the patient consents on the terminal with their PIN: the GAP gets a token, a masked PAN and the
card's expiry, and registers the consent at the provider with a ceiling and a last debit date. After billing,
with the remaining charge R (the patient part of the ROC quote, or the whole stay in patient billing):
R = 0 closes the consent; 0 < R <= ceiling notifies the patient, then debits once after the lead time, with
one idempotency key; R above the ceiling, an expired, revoked or blocked consent, or a declined debit send the
patient an invoice instead. A debit whose answer was lost is resolved with the same key before anything else;
if its outcome stays unknown, any captured debit is reversed (refunded) before the invoice, so the patient
never pays twice. The GAP never holds a full card number, a PIN or a CVV.

Each decision is a small hook, so broken variants (diapason_variants.py) override exactly one.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import Enum
from typing import Any, Callable

from simulators import clock as bench_clock
from simulators.acquirer.cards import card_expired as _card_expired
from simulators.gap.diapason_provider import ProviderAnswer, ProviderClient
from simulators.gap.diapason_terminal import CAISSE_AP, CaisseApLink, ConcertLink, TerminalConsent, TerminalLink
from simulators.gap.status import plain


class PaymentState(str, Enum):
    NO_CONSENT = "no_consent"  # no usable consent (terminal refusal, provider refusal): the patient will be invoiced
    CONSENTED = "consented"  # registered at the provider; billing not done yet
    CLOSED = "closed"  # nothing to pay: the consent was released
    NOTIFIED = "notified"  # the patient was told the amount; the debit comes after the lead time
    DEBITED = "debited"  # paid by DIAPASON (refunds may follow)
    INVOICED = "invoiced"  # the patient pays another way: an invoice was issued
    REVOKED = "revoked"  # the patient chose another payment method before billing


USABLE = frozenset({PaymentState.CONSENTED, PaymentState.NOTIFIED})
# provider problems after which the consent cannot be debited: the patient gets an invoice
CONSENT_UNUSABLE = frozenset({"consent.revoked", "consent.blocked", "consent.expired", "card.expired",
                              "debit.above_ceiling", "consent.unknown"})


@dataclass(frozen=True, slots=True)
class DiapasonPolicy:
    """The establishment's DIAPASON settings (no national value is public: bench defaults, domain notes §1.2)."""

    ceiling_cents: int = 15_000
    max_delay_days: int = 60  # the consent's last debit date, counted from admission
    protocol: str = CAISSE_AP  # the desk terminal's link: caisse-ap or concert
    consent_amount: str = "ceiling"  # what the terminal is asked: "ceiling" (hold mode) or "zero" (verification)
    pos: str = "01"
    terminal_answer_wait_s: float = 30.0
    provider_timeout_s: float = 5.0
    replay_attempts: int = 8  # a lost debit answer: replays with the same key before reversing
    replay_backoff_s: float = 0.25
    channel: str = "sms"


@dataclass
class Payment:
    """The GAP's own book of one stay's DIAPASON payment (what `status` shows)."""

    venue: str
    state: PaymentState = PaymentState.NO_CONSENT
    ceiling_cents: int = 0
    terminal: list[dict[str, Any]] = field(default_factory=list)  # every consent asked at the terminal
    consent: dict[str, Any] | None = None  # id, token, masked_pan, card_expiry, expires_on
    reste_a_charge_cents: int | None = None
    reste_a_charge_source: str | None = None  # "clc" or "patient_billing"
    invoice_ref: str = ""
    notification: dict[str, Any] | None = None
    debit: dict[str, Any] | None = None  # the captured (or last) debit
    debit_attempts: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    invoice: dict[str, Any] | None = None  # amount_cents, reason, ref: the patient pays another way
    receipt: dict[str, Any] | None = None
    last_problem: dict[str, Any] | None = None
    events: list[str] = field(default_factory=list)

    @property
    def refunded_cents(self) -> int:
        return sum(r["amount_cents"] for r in self.refunds if r.get("status") == "refunded")

    def to_dict(self) -> dict[str, Any]:
        return {**plain({k: getattr(self, k) for k in self.__dataclass_fields__}), "flow": "diapason",
                "refunded_cents": self.refunded_cents}


class NotBilled(Exception):
    """The stay has no remaining charge yet (not discharged, or its ROC state says nothing)."""


def reste_a_charge(status: Any, case: Any) -> tuple[int, str]:
    """R from the ROC stay: the quote's patient part, or the whole stay when the patient is billed (no AMC)."""
    if status.billing == "patient":
        return sum(line.unit_price_cents * line.quantity for line in case.lines), "patient_billing"
    if status.quote is not None and status.billing == "amc":
        return status.quote.quote.patient_cents, "clc"
    raise NotBilled(f"stay {status.venue} is {status.state.value}: no remaining charge known yet")


class DiapasonDesk:
    name = "reference"

    def __init__(self, provider: ProviderClient, terminals: Callable[[str], str], roc: Any, *,
                 policy: DiapasonPolicy = DiapasonPolicy(), clock: Callable[[], date] = bench_clock.today,
                 release: Callable[[], None] | None = None) -> None:
        self.provider = provider
        self.terminals = terminals  # protocol -> address of the desk's terminal (host:port or a serial path)
        self.roc = roc  # the ROC side of the GAP: status(venue), case_of(venue)
        self.policy = policy
        self.clock = clock
        self._release = release
        self._payments: dict[str, Payment] = {}

    def close(self) -> None:
        self.provider.close()
        if self._release is not None:
            self._release()

    def configure(self, **changes: Any) -> None:
        """Policy fields for this desk from now on (unknown names are ignored by the caller)."""
        if changes:
            self.policy = replace(self.policy, **changes)
            self.provider.timeout = self.policy.provider_timeout_s

    def status(self, venue: str) -> dict[str, Any]:
        return self._payment(venue).to_dict()

    # -- admission: consent on the terminal, then at the provider -------------------------------------------------
    def consent(self, venue: str, case: Any) -> dict[str, Any]:
        payment = self._payment(venue)
        if payment.state in USABLE:
            payment.events.append("consent: already registered")
            return payment.to_dict()
        payment.ceiling_cents = self.policy.ceiling_cents
        amount = payment.ceiling_cents if self.policy.consent_amount == "ceiling" else 0
        result = self._link(self.policy.protocol, self.terminals(self.policy.protocol)).consent(amount)
        payment.terminal.append(self._card_view(result))
        if not result.approved:
            payment.events.append(f"terminal: {result.outcome}")
            self._problem(payment, "terminal", result.outcome, "; ".join(result.notes))
            return payment.to_dict()
        expires_on = self.clock() + timedelta(days=self.policy.max_delay_days)
        body = {"token": result.token, "masked_pan": result.masked_pan, "card_expiry": result.card_expiry,
                "ceiling_cents": payment.ceiling_cents, "expires_on": expires_on.isoformat(),
                "finess": case.establishment.finess_geographique.value, "venue": venue,
                "patient_ref": patient_ref(case), "terminal_id": f"TPE-{self.policy.protocol}-{self.policy.pos}",
                "pin_verified": result.pin_verified}
        answer = self._replayed(lambda: self.provider.create_consent(body, f"CNS-{venue}-{result.token}"))
        if answer.status == 201:
            payment.state = PaymentState.CONSENTED
            payment.consent = {key: answer.field(key) for key in ("id", "token", "masked_pan", "card_expiry",
                                                                     "expires_on", "created_on")}
            payment.invoice_ref = f"FAC-{venue}"
            payment.events.append(f"consent {answer.field('id')} registered, ceiling {payment.ceiling_cents}")
        else:
            payment.events.append(f"consent refused by the provider: {answer.problem or answer.error}")
            self._problem(payment, "consent.create", answer.problem or answer.error, answer.field("detail", ""))
        return payment.to_dict()

    # -- after billing ---------------------------------------------------------------------------------------------
    def notify(self, venue: str) -> dict[str, Any]:
        """Billing is done: close, notify or invoice, from R."""
        payment = self._payment(venue)
        if payment.state in (PaymentState.CLOSED, PaymentState.NOTIFIED, PaymentState.DEBITED,
                             PaymentState.INVOICED):
            return payment.to_dict()
        try:
            amount, source = reste_a_charge(self.roc.status(venue), self.roc.case_of(venue))
        except NotBilled as error:
            self._problem(payment, "billing", "not_billed", str(error))
            return payment.to_dict()
        payment.reste_a_charge_cents, payment.reste_a_charge_source = amount, source
        payment.invoice_ref = payment.invoice_ref or f"FAC-{venue}"
        if payment.state is not PaymentState.CONSENTED:
            reason = "consent_revoked" if payment.state is PaymentState.REVOKED else "no_consent"
            self._invoice_or_close(payment, reason)
            return payment.to_dict()
        if amount == 0:
            self._revoke(payment, "nothing_to_pay")
            payment.state = PaymentState.CLOSED
            payment.events.append("nothing to pay: consent released")
            return payment.to_dict()
        blocker = self._blocker(payment, amount)
        if blocker:
            self._revoke(payment, "above_ceiling" if blocker == "above_ceiling" else "other")
            self._invoice(payment, blocker)
            return payment.to_dict()
        consent_id = payment.consent["id"]
        answer = self._replayed(lambda: self.provider.notify(consent_id, amount, payment.invoice_ref,
                                                             self.policy.channel, f"NTF-{consent_id}-{amount}"))
        if answer.status == 201:
            payment.state = PaymentState.NOTIFIED
            payment.notification = {key: answer.field(key) for key in ("id", "amount_cents", "channel", "notified_on",
                                                                       "earliest_debit_on")}
            payment.events.append(f"patient notified of {amount}, debit from {answer.field('earliest_debit_on')}")
        elif answer.problem in CONSENT_UNUSABLE:
            self._invoice(payment, answer.problem)
        else:
            self._problem(payment, "notification.create", answer.problem or answer.error, answer.field("detail", ""))
        return payment.to_dict()

    def pay(self, venue: str) -> dict[str, Any]:
        """Debit once the lead time has passed (notifying first if billing was not settled yet)."""
        payment = self._payment(venue)
        if payment.state in (PaymentState.CONSENTED, PaymentState.NO_CONSENT, PaymentState.REVOKED):
            self.notify(venue)
        if payment.state is PaymentState.DEBITED and self._already_debited(payment):
            payment.events.append("pay: already debited")
            return payment.to_dict()
        if payment.state not in (PaymentState.NOTIFIED, PaymentState.DEBITED):
            return payment.to_dict()
        today = self.clock()
        due = date.fromisoformat(payment.notification["earliest_debit_on"])
        if today < due:
            payment.events.append(f"pay: not due before {due}")
            return payment.to_dict()
        blocker = self._blocker(payment, payment.reste_a_charge_cents)
        if blocker:
            self._revoke(payment, "other")
            self._invoice(payment, blocker)
            return payment.to_dict()
        key = self._debit_key(payment)
        answer = self._debit(payment, key)
        if answer.lost:
            self._on_lost_debit(payment, key)
        else:
            self._on_debit_answer(payment, answer)
        return payment.to_dict()

    def refund(self, venue: str, amount_cents: int, reason: str = "corrected invoice") -> dict[str, Any]:
        payment = self._payment(venue)
        debit = payment.debit
        if payment.state is not PaymentState.DEBITED or debit is None:
            self._problem(payment, "refund", "debit.not_captured", "no captured debit to refund")
            return payment.to_dict()
        refundable = debit["amount_cents"] - payment.refunded_cents
        if not 0 < amount_cents <= refundable:
            self._problem(payment, "refund", "refund.above_original",
                          f"{amount_cents} asked, {refundable} refundable: nothing sent")
            return payment.to_dict()
        key = f"RFD-{debit['id']}-{len(payment.refunds) + 1}"
        answer = self._replayed(lambda: self.provider.refund(debit["id"], amount_cents, reason, key))
        payment.refunds.append({"id": answer.field("id"), "amount_cents": amount_cents, "reason": reason,
                                "status": answer.field("status") if answer.ok else (answer.problem or "lost"),
                                "key": key})
        payment.events.append(f"refund of {amount_cents}: {payment.refunds[-1]['status']}")
        return payment.to_dict()

    def revoke(self, venue: str, reason: str = "patient_request") -> dict[str, Any]:
        """The patient chose another payment method: no debit will be made."""
        payment = self._payment(venue)
        if payment.state in USABLE:
            self._revoke(payment, reason)
            payment.state = PaymentState.REVOKED
            if payment.reste_a_charge_cents:
                self._invoice(payment, "consent_revoked")
        return payment.to_dict()

    # -- debits ----------------------------------------------------------------------------------------------------
    def _debit(self, payment: Payment, key: str) -> ProviderAnswer:
        answer = self.provider.debit(payment.consent["id"], payment.reste_a_charge_cents, payment.invoice_ref, key)
        payment.debit_attempts.append({"key": key, "amount_cents": payment.reste_a_charge_cents,
                                       "outcome": answer.error if answer.lost else answer.problem or "captured",
                                       "replayed": answer.replayed})
        return answer

    def _on_debit_answer(self, payment: Payment, answer: ProviderAnswer) -> None:
        problem = answer.problem
        if answer.status == 201:
            payment.state = PaymentState.DEBITED
            payment.debit = _debit_view(answer.body)
            payment.receipt = {"amount_cents": answer.field("amount_cents"), "debit_id": answer.field("id"),
                               "authorisation_code": answer.field("authorisation_code"),
                               "invoice_ref": payment.invoice_ref}
            payment.events.append(f"debited {answer.field('amount_cents')}: receipt sent")
        elif problem == "debit.duplicate":  # already paid under another key: learn it, never debit again
            self._adopt_captured(payment)
        elif problem in ("debit.declined", "acquirer.unavailable"):
            payment.debit = {"id": answer.field("debit_id"), "status": "declined" if problem == "debit.declined"
                             else "failed", "response_code": answer.field("response_code")}
            if answer.field("consent_usable", False):
                self._revoke(payment, "paid_otherwise")
            kind = "debit_declined" if problem == "debit.declined" else "acquirer_unavailable"
            self._invoice(payment, f"{kind}:{answer.field('response_code')}")
        elif problem in CONSENT_UNUSABLE:
            self._invoice(payment, problem)
        else:  # too early, not notified, in progress...: nothing moved; the desk can try again later
            self._problem(payment, "debit.create", problem or "", answer.field("detail", ""))

    def _on_lost_debit(self, payment: Payment, key: str) -> None:
        """No answer: replay with the same key (the provider answers what happened, or that it is still
        running); if the outcome stays unknown, reverse whatever was captured, then invoice."""
        for _ in range(self.policy.replay_attempts):
            time.sleep(self.policy.replay_backoff_s)
            answer = self._debit(payment, key)
            if not answer.lost and answer.problem != "debit.in_progress":
                self._on_debit_answer(payment, answer)
                return
        self._reverse_captured(payment)
        self._invoice(payment, "debit_unconfirmed")

    def _reverse_captured(self, payment: Payment) -> None:
        answer = self.provider.debits(payment.consent["id"])
        for debit in answer.body if answer.ok and isinstance(answer.body, list) else []:
            if debit.get("status") == "captured" and debit.get("refundable_cents", 0) > 0:
                key = f"REV-{debit['id']}"
                refund = self._replayed(lambda: self.provider.refund(debit["id"], debit["refundable_cents"],
                                                                     "reversal of an unconfirmed debit", key))
                payment.refunds.append({"id": refund.field("id"), "amount_cents": debit["refundable_cents"],
                                        "reason": "reversal", "status": refund.field("status") if refund.ok
                                        else (refund.problem or "lost"), "key": key})
                payment.events.append(f"reversed debit {debit['id']}")

    def _adopt_captured(self, payment: Payment) -> None:
        answer = self.provider.debits(payment.consent["id"])
        captured = [d for d in answer.body or [] if d.get("status") == "captured"] if answer.ok else []
        if captured:
            payment.state = PaymentState.DEBITED
            payment.debit = _debit_view(captured[0])
            payment.events.append(f"debit {captured[0]['id']} was already captured")

    # -- hooks (broken variants override one each) ---------------------------------------------------------------
    def _link(self, protocol: str, address: str) -> TerminalLink:
        if protocol == CAISSE_AP:
            host, _, port = address.rpartition(":")
            return CaisseApLink(host, int(port), pos=self.policy.pos, answer_wait_s=self.policy.terminal_answer_wait_s)
        return ConcertLink(address, pos=self.policy.pos, answer_wait_s=self.policy.terminal_answer_wait_s)

    def _card_view(self, result: TerminalConsent) -> dict[str, Any]:
        """What the GAP writes down of the card: the terminal's masked view, nothing more."""
        return result.to_dict()

    def _blocker(self, payment: Payment, amount: int) -> str | None:
        """Why this consent cannot take `amount` today (None: it can)."""
        today = self.clock()
        if self._expired(payment, today):
            return "consent_expired"
        if _card_expired(payment.consent["card_expiry"], today):
            return "card_expired"
        if not self._within_ceiling(payment, amount):
            return "above_ceiling"
        return None

    def _expired(self, payment: Payment, today: date) -> bool:
        return today > date.fromisoformat(payment.consent["expires_on"])

    def _within_ceiling(self, payment: Payment, amount: int) -> bool:
        return amount <= payment.ceiling_cents

    def _already_debited(self, payment: Payment) -> bool:
        return payment.debit is not None and payment.debit.get("status") == "captured"

    def _debit_key(self, payment: Payment) -> str:
        """One key per intended debit: the consent and the invoice it pays (retries reuse it)."""
        return f"DBT-{payment.consent['id']}-{payment.invoice_ref}"

    # -- plumbing --------------------------------------------------------------------------------------------------
    def _payment(self, venue: str) -> Payment:
        return self._payments.setdefault(venue, Payment(venue))

    def _replayed(self, call: Callable[[], ProviderAnswer]) -> ProviderAnswer:
        """An idempotent call (same key), resent while its answer is lost, within the replay budget."""
        answer = call()
        for _ in range(self.policy.replay_attempts):
            if not answer.lost:
                break
            time.sleep(self.policy.replay_backoff_s)
            answer = call()
        return answer

    def _revoke(self, payment: Payment, reason: str) -> None:
        if payment.consent is not None:
            answer = self._replayed(lambda: self.provider.revoke(payment.consent["id"], reason))
            payment.events.append(f"consent revoked ({reason}): {answer.status or answer.error}")

    def _invoice(self, payment: Payment, reason: str) -> None:
        payment.state = PaymentState.INVOICED
        payment.invoice = {"amount_cents": payment.reste_a_charge_cents, "reason": reason, "ref": payment.invoice_ref}
        payment.events.append(f"invoice of {payment.reste_a_charge_cents} to the patient ({reason})")

    def _invoice_or_close(self, payment: Payment, reason: str) -> None:
        if payment.reste_a_charge_cents:
            self._invoice(payment, reason)
        else:
            payment.state = PaymentState.CLOSED
            payment.events.append("nothing to pay")

    @staticmethod
    def _problem(payment: Payment, operation: str, key: str, detail: str) -> None:
        payment.last_problem = {"operation": operation, "key": key, "detail": detail}


def _debit_view(body: dict[str, Any]) -> dict[str, Any]:
    return {key: body.get(key) for key in ("id", "status", "amount_cents", "response_code", "authorisation_code",
                                           "created_on", "invoice_ref")}


def patient_ref(case: Any) -> str:
    """The establishment's patient reference (IPP) sent to the provider: derived, never the NIR itself."""
    seed = f"{case.beneficiary.nir.body}|{case.beneficiary.rang_naissance}"
    return "IPP" + hashlib.sha256(seed.encode()).hexdigest()[:10].upper()
