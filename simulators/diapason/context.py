"""What a provider handler works with: the session's records, date and profile, idempotent answers, and the
`Debitor` that moves money (installed per app, or built from the settings on first use)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from flask import Flask, current_app

from simulators.diapason.debitor import NO_ANSWER, DebitResult, Debitor
from simulators.diapason.endpoint import Answer, CallState, authorise
from simulators.diapason.model import CAPTURED, REFUNDED, Consent, Debit, Profile, from_document, public
from simulators.diapason.problems import Problem
from simulators.diapason.repository import Repository
from simulators.diapason.rules import ConsentFacts, consent_view
from simulators.runtime import runtime

DEBITOR_EXTENSION = "simphonie.diapason.debitor"


def install_debitor(app: Flask, debitor: Debitor) -> None:
    """Make `app`'s provider move money through `debitor` (an acquirer client adapter, a test fake...)."""
    app.extensions[DEBITOR_EXTENSION] = debitor


def current_debitor() -> Debitor:
    debitor = current_app.extensions.get(DEBITOR_EXTENSION)
    if debitor is None:
        from simulators.diapason.acquirer_link import debitor_from_settings

        settings = runtime().settings
        debitor = debitor_from_settings(settings.extra.get("diapason", {}), workers=settings.workers)
        install_debitor(current_app._get_current_object(), debitor)  # type: ignore[attr-defined]
    return debitor


def _default_profile() -> Profile:
    configured = runtime().settings.extra.get("diapason", {})
    return from_document(Profile, {**Profile().to_dict(), **configured})


@dataclass(frozen=True)
class Context:
    """Everything a handler needs for one request of one test session."""

    session: str
    repo: Repository
    today: date
    profile: Profile

    @classmethod
    def current(cls) -> "Context":
        rt = runtime()
        session = rt.current_session()
        repo = Repository(rt.store, session)
        return cls(session, repo, rt.today(session), repo.profile(_default_profile()))

    # -- loading ------------------------------------------------------------------------------------------
    def consent(self, consent_id: str) -> Consent:
        consent = self.repo.get(Consent, consent_id)
        if consent is None:
            raise Problem("consent.unknown", f"no consent {consent_id!r} in test session {self.session!r}",
                          consent_id=consent_id)
        authorise(consent.finess)
        return consent

    def debit(self, debit_id: str) -> tuple[Debit, Consent]:
        debit = self.repo.get(Debit, debit_id)
        if debit is None:
            raise Problem("debit.unknown", f"no debit {debit_id!r} in test session {self.session!r}",
                          debit_id=debit_id)
        return debit, self.consent(debit.consent_id)

    def facts(self, consent: Consent) -> ConsentFacts:
        debits_ = self.repo.debits_of(consent.id)
        refunds = [r for d in debits_ for r in self.repo.refunds_of(d.id)]
        return ConsentFacts(consent, tuple(self.repo.notifications_of(consent.id)), tuple(debits_), tuple(refunds))

    # -- views --------------------------------------------------------------------------------------------
    def consent_view(self, consent: Consent) -> dict[str, Any]:
        return consent_view(self.facts(consent), self.today, self.profile)

    def debit_view(self, debit: Debit) -> dict[str, Any]:
        refunds = self.repo.refunds_of(debit.id)
        refunded = sum(r.amount_cents for r in refunds if r.status == REFUNDED)
        refundable = debit.amount_cents - refunded if debit.status == CAPTURED else 0
        return {**public(debit, hidden=("sequence", "blocks_consent")), "refunded_cents": refunded,
                "refundable_cents": refundable, "refunds": [public(r) for r in refunds]}

    # -- idempotency --------------------------------------------------------------------------------------
    def idempotent(self, key: str | None, scope: str, body: dict[str, Any], perform: Callable[[], Answer],
                   state: CallState) -> Answer:
        """Run `perform` once per key: an answer it returns is remembered and replayed for the same key and
        request; a Problem it raises (nothing happened) is not, so the key can be used again."""
        if key is None:
            return perform()
        digest = hashlib.sha256(json.dumps({"scope": scope, "body": body}, sort_keys=True).encode()).hexdigest()
        state.meta["idempotency_key"] = key
        stored = self.repo.remembered_answer(key)
        if stored is not None:
            if stored["digest"] != digest:
                raise Problem("idempotency.conflict", f"Idempotency-Key {key!r} was used for another request "
                                                      f"({stored['scope']}); use a new key for a new operation")
            state.meta["replayed"] = True
            return Answer(stored["status"], stored["body"], {**stored["headers"], "Idempotent-Replayed": "true"},
                          stored["content_type"])
        answer = perform()
        self.repo.remember_answer(key, {"digest": digest, "scope": scope, "status": answer.status,
                                        "body": answer.body, "headers": answer.headers,
                                        "content_type": answer.content_type})
        return answer


def technical_failure_safe(call: Callable[[], DebitResult], state: CallState) -> DebitResult:
    """The debitor's answer; an unexpected failure of the link counts as no answer (a technical failure)."""
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - Debitors should not raise; a broken link is a technical failure
        current_app.logger.warning("DIAPASON debitor failed: %s", error)
        result = DebitResult(NO_ANSWER, detail=f"{type(error).__name__}: {error}")
    state.meta.update(response_code=result.response_code)
    return result
