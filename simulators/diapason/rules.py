"""The provider's rules, pure: a consent's status at a date, and why a notification or a debit is refused.

Debit checks run in a fixed order, so a request breaking several rules always gets the same code: revoked,
already debited, blocked, expired, card expired, above the ceiling, not notified, too early, above the
notified amount. Nothing here does I/O.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from simulators.diapason.model import (CAPTURED, REFUNDED, Consent, Debit, Notification, Profile, Refund,
                                       card_expired)
from simulators.diapason.problems import Problem
from simulators.domain.money import Cents, format_cents


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    """A consent with everything that happened to it, oldest first."""

    consent: Consent
    notifications: tuple[Notification, ...]
    debits: tuple[Debit, ...]
    refunds: tuple[Refund, ...]

    @property
    def captured(self) -> tuple[Debit, ...]:
        return tuple(d for d in self.debits if d.status == CAPTURED)

    @property
    def debited_cents(self) -> Cents:
        return sum(d.amount_cents for d in self.captured)

    @property
    def refunded_cents(self) -> Cents:
        return sum(r.amount_cents for r in self.refunds if r.status == REFUNDED)

    @property
    def blocking_debit(self) -> Debit | None:
        return next((d for d in self.debits if d.blocks_consent), None)

    @property
    def pending_notification(self) -> Notification | None:
        """The latest notification not yet followed by a captured debit (a debit consumes its notification)."""
        if not self.notifications:
            return None
        latest = self.notifications[-1]
        used = {d.notification_id for d in self.captured}
        return None if latest.id in used else latest

    def status(self, today: date) -> str:
        if self.consent.revoked_on:
            return "revoked"
        if self.captured:
            return "debited"
        if self.blocking_debit:
            return "blocked"
        if self.consent.expired(today):
            return "expired"
        return "notified" if self.pending_notification else "active"

    def usable(self, today: date) -> bool:
        """Could the stay still be debited one day (what `consent.exists` guards)?"""
        return self.status(today) in ("active", "notified")


def eur(cents: Cents) -> str:
    return f"{format_cents(cents)} EUR"


# -- checks shared by notifications and debits, in order ----------------------------------------------------
Check = Callable[[ConsentFacts, Cents, date, Profile], "Problem | None"]


def _revoked(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    consent = facts.consent
    if consent.revoked_on:
        return Problem("consent.revoked", f"consent {consent.id} was revoked on {consent.revoked_on} "
                                          f"({consent.revoke_reason}); invoice the patient instead")
    return None


def _duplicate(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    if facts.captured and not profile.partial_debits:
        first = facts.captured[0]
        return Problem("debit.duplicate", f"consent {facts.consent.id} was already debited "
                                          f"({first.id}, {eur(first.amount_cents)}); one debit per consent")
    return None


def _blocked(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    debit = facts.blocking_debit
    if debit:
        return Problem("consent.blocked", f"debit {debit.id} was declined with {debit.response_code} "
                                          f"({debit.response_label}): this card cannot be debited again")
    return None


def _expired(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    if facts.consent.expired(today):
        return Problem("consent.expired", f"consent {facts.consent.id} expired on {facts.consent.expires_on}; "
                                          f"the session's date is {today.isoformat()}")
    return None


def card_problem(masked_pan: str, expiry: str, today: date) -> Problem | None:
    if card_expired(expiry, today):
        return Problem("card.expired", f"card {masked_pan} expired at the end of 20{expiry[:2]}-{expiry[2:]}; "
                                       f"the session's date is {today.isoformat()}")
    return None


def _card_expired(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    return card_problem(facts.consent.masked_pan, facts.consent.card_expiry, today)


def _above_ceiling(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    ceiling, already = facts.consent.ceiling_cents, facts.debited_cents
    if amount + already > ceiling:
        before = f" plus {eur(already)} already debited" if already else ""
        return Problem("debit.above_ceiling", f"expected at most {eur(ceiling - already)}, received "
                                              f"{eur(amount)}{before} (ceiling {eur(ceiling)})")
    return None


def _not_notified(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    if facts.pending_notification is None:
        return Problem("debit.not_notified", f"the patient of consent {facts.consent.id} was not notified of this "
                                             f"debit; POST .../consents/{facts.consent.id}/notifications first")
    return None


def _too_early(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    notification = facts.pending_notification
    assert notification is not None  # _not_notified runs first
    if today < date.fromisoformat(notification.earliest_debit_on):
        return Problem("debit.too_early", f"notified on {notification.notified_on}: no debit before "
                                          f"{notification.earliest_debit_on} ({profile.notification_lead_days} days "
                                          f"lead time); the session's date is {today.isoformat()}")
    return None


def _above_notified(facts: ConsentFacts, amount: Cents, today: date, profile: Profile) -> Problem | None:
    notification = facts.pending_notification
    assert notification is not None
    if amount > notification.amount_cents:
        return Problem("debit.above_notified", f"expected at most the notified {eur(notification.amount_cents)} "
                                               f"({notification.id}), received {eur(amount)}")
    return None


NOTIFICATION_CHECKS: tuple[Check, ...] = (_revoked, _duplicate, _blocked, _expired, _card_expired, _above_ceiling)
DEBIT_CHECKS: tuple[Check, ...] = NOTIFICATION_CHECKS + (_not_notified, _too_early, _above_notified)


def first_problem(checks: tuple[Check, ...], facts: ConsentFacts, amount: Cents, today: date,
                  profile: Profile) -> Problem | None:
    for check in checks:
        problem = check(facts, amount, today, profile)
        if problem is not None:
            return problem
    return None


def debit_blocker(facts: ConsentFacts, today: date, profile: Profile) -> str | None:
    """The code a debit of the pending notified amount would get today (None: it would go to the acquirer)."""
    notification = facts.pending_notification
    amount = notification.amount_cents if notification else 1
    problem = first_problem(DEBIT_CHECKS, facts, amount, today, profile)
    return problem.code if problem else None


def refund_problem(debit: Debit, refunds: list[Refund], amount: Cents) -> Problem | None:
    if debit.status != CAPTURED:
        return Problem("debit.not_captured", f"debit {debit.id} is {debit.status}: nothing to refund",
                       debit_id=debit.id)
    refunded = sum(r.amount_cents for r in refunds if r.status == REFUNDED)
    if amount + refunded > debit.amount_cents:
        already = f" ({eur(refunded)} already refunded)" if refunded else ""
        return Problem("refund.above_original", f"expected at most {eur(debit.amount_cents - refunded)}, "
                                                f"received {eur(amount)}; debit {debit.id} was "
                                                f"{eur(debit.amount_cents)}{already}", debit_id=debit.id)
    return None


def consent_view(facts: ConsentFacts, today: date, profile: Profile) -> dict[str, Any]:
    """A consent as the API shows it at the session's date."""
    consent = facts.consent
    pending = facts.pending_notification
    return {
        "id": consent.id, "status": facts.status(today), "token": consent.token, "masked_pan": consent.masked_pan,
        "card_expiry": consent.card_expiry, "card_expired": consent.card_expired(today),
        "ceiling_cents": consent.ceiling_cents, "expires_on": consent.expires_on, "finess": consent.finess,
        "venue": consent.venue, "patient_ref": consent.patient_ref, "terminal_id": consent.terminal_id,
        "created_on": consent.created_on, "revoked_on": consent.revoked_on, "revoke_reason": consent.revoke_reason,
        "blocked_reason": (f"card declined with {facts.blocking_debit.response_code} "
                           f"({facts.blocking_debit.response_label})" if facts.blocking_debit else None),
        "notified_cents": pending.amount_cents if pending else None,
        "earliest_debit_on": pending.earliest_debit_on if pending else None,
        "debited_cents": facts.debited_cents, "refunded_cents": facts.refunded_cents,
        "debit_ids": [d.id for d in facts.debits],
        "debit_blocker": debit_blocker(facts, today, profile),
        "session_date": today.isoformat(),
    }
