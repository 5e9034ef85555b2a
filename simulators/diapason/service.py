"""DIAPASON provider blueprint: consents, notifications, debits, refunds and their status, under /diapason/v1.

The contract is openapi.yaml beside this module (served at /diapason/v1/openapi.yaml); request bodies are
validated against its schemas. Money moves through a `Debitor` (the in-process simulated acquirer unless
`install_debitor`, the `diapason.acquirer` setting or SIMPHONIE_DIAPASON_ACQUIRER say otherwise).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, current_app, request

from simulators.diapason import debitor as debits
from simulators.diapason.context import Context, current_debitor, install_debitor, technical_failure_safe
from simulators.diapason.debitor import CardOnFile, DebitOrder, RefundOrder
from simulators.diapason.endpoint import (Answer, CallState, api, authorise, client_finess, idempotency_key,
                                          json_body, problem_answer)
from simulators.diapason.model import (CAPTURED, DECLINED, FAILED, REFUNDED, Consent, Debit, Notification, Refund,
                                       public)
from simulators.diapason.problems import PROBLEMS, Problem, field_problem
from simulators.diapason.rules import (DEBIT_CHECKS, NOTIFICATION_CHECKS, card_problem, eur, first_problem,
                                       refund_problem)
from simulators.diapason.schema import check_body, openapi_text
from simulators.domain.identifiers import Finess, InvalidIdentifier

__all__ = ["bp", "install_debitor", "PREFIX"]

PREFIX = "/diapason/v1"
bp = Blueprint("diapason", __name__)


def _location(path: str) -> str:
    return f"{request.script_root}{PREFIX}{path}"


# -- bench: the contract, the problem catalogue, the profile ---------------------------------------------------
@bp.get(f"{PREFIX}/openapi.yaml")
@api("openapi")
def openapi(state: CallState) -> Answer:
    return Answer(200, openapi_text(), content_type="application/yaml")


@bp.get(f"{PREFIX}/problems")
@api("problem.list")
def list_problems(state: CallState) -> Answer:
    return Answer(200, [kind.to_dict() for kind in PROBLEMS.values()])


@bp.get(f"{PREFIX}/problems/<code>")
@api("problem.read")
def get_problem(state: CallState, code: str) -> Answer:
    if code not in PROBLEMS:
        raise Problem("problem.unknown", f"no problem code {code!r}; GET {PREFIX}/problems lists them")
    return Answer(200, PROBLEMS[code].to_dict())


@bp.get(f"{PREFIX}/profile")
@api("profile.read")
def get_profile(state: CallState) -> Answer:
    return Answer(200, Context.current().profile.to_dict())


@bp.put(f"{PREFIX}/profile")
@api("profile.update")
def put_profile(state: CallState) -> Answer:
    body = check_body("ProfileRequest", json_body())
    ctx = Context.current()
    profile = replace(ctx.profile, **body)
    ctx.repo.put_profile(profile)
    return Answer(200, profile.to_dict())


# -- consents -------------------------------------------------------------------------------------------------
def _check_establishment(finess: str) -> None:
    try:
        Finess.parse(finess)
    except InvalidIdentifier as error:
        raise field_problem([{"field": "finess", "detail": str(error)}]) from None
    authorise(finess)


def _check_new_consent(ctx: Context, body: dict[str, Any]) -> None:
    if not body["pin_verified"]:
        raise Problem("consent.pin_not_verified", "pin_verified is false: a DIAPASON consent is given with the "
                                                  "patient's PIN on the terminal")
    expires_on = date.fromisoformat(body["expires_on"])
    if expires_on < ctx.today:
        raise field_problem([{"field": "expires_on", "detail": f"{expires_on} is before the session's date "
                                                               f"{ctx.today}"}])
    latest = ctx.today + timedelta(days=ctx.profile.max_consent_days)
    if expires_on > latest:
        raise Problem("consent.expiry_too_far", f"expected expires_on at most {latest} ({ctx.profile.max_consent_days}"
                                                f" days after {ctx.today}), received {expires_on}")
    problem = card_problem(body["masked_pan"], body["card_expiry"], ctx.today)
    if problem:
        raise problem
    for other in ctx.repo.all(Consent):
        if (other.finess, other.venue) == (body["finess"], body["venue"]) and ctx.facts(other).usable(ctx.today):
            raise Problem("consent.exists", f"stay {other.venue} of FINESS {other.finess} already has consent "
                                            f"{other.id}; revoke it first", consent_id=other.id)


@bp.post(f"{PREFIX}/consents")
@api("consent.create")
def create_consent(state: CallState) -> Answer:
    key = idempotency_key(required=False)
    body = check_body("ConsentRequest", json_body())
    _check_establishment(body["finess"])  # before any replay: a key never shows one FINESS another's consent
    ctx = Context.current()

    def perform() -> Answer:
        _check_new_consent(ctx, body)
        consent_id, sequence = ctx.repo.next_id(Consent)
        consent = Consent(id=consent_id, sequence=sequence, token=body["token"], masked_pan=body["masked_pan"],
                          card_expiry=body["card_expiry"], ceiling_cents=body["ceiling_cents"],
                          expires_on=body["expires_on"], finess=body["finess"], venue=body["venue"],
                          patient_ref=body["patient_ref"], terminal_id=body.get("terminal_id"),
                          created_on=ctx.today.isoformat())
        ctx.repo.put(consent)
        state.meta["consent_id"] = consent.id
        return Answer(201, ctx.consent_view(consent), {"Location": _location(f"/consents/{consent.id}")})

    return ctx.idempotent(key, "consent.create", body, perform, state)


@bp.get(f"{PREFIX}/consents")
@api("consent.list")
def list_consents(state: CallState) -> Answer:
    ctx = Context.current()
    venue = request.args.get("venue")
    tls = request.environ.get("simphonie.tls")
    consents = [c for c in ctx.repo.all(Consent)
                if (venue is None or c.venue == venue) and (not tls or c.finess == client_finess())]
    return Answer(200, [ctx.consent_view(c) for c in consents])


@bp.get(f"{PREFIX}/consents/<consent_id>")
@api("consent.read", targets=("consent_id",))
def get_consent(state: CallState, consent_id: str) -> Answer:
    ctx = Context.current()
    return Answer(200, ctx.consent_view(ctx.consent(consent_id)))


@bp.post(f"{PREFIX}/consents/<consent_id>/revoke")
@api("consent.revoke", targets=("consent_id",))
def revoke_consent(state: CallState, consent_id: str) -> Answer:
    ctx = Context.current()
    consent = ctx.consent(consent_id)
    body = check_body("RevokeRequest", json_body(optional=True))
    if consent.revoked_on is None:
        consent = replace(consent, revoked_on=ctx.today.isoformat(), revoke_reason=body["reason"])
        ctx.repo.put(consent)
    else:
        state.meta["already_revoked"] = True
    return Answer(200, ctx.consent_view(consent))


# -- notifications --------------------------------------------------------------------------------------------
@bp.post(f"{PREFIX}/consents/<consent_id>/notifications")
@api("notification.create", targets=("consent_id",))
def notify(state: CallState, consent_id: str) -> Answer:
    key = idempotency_key(required=False)
    ctx = Context.current()
    consent = ctx.consent(consent_id)
    body = check_body("NotificationRequest", json_body())

    def perform() -> Answer:
        amount = body["amount_cents"]
        problem = first_problem(NOTIFICATION_CHECKS, ctx.facts(consent), amount, ctx.today, ctx.profile)
        if problem:
            problem.extensions.setdefault("consent_id", consent.id)
            raise problem
        notification_id, sequence = ctx.repo.next_id(Notification)
        earliest = ctx.today + timedelta(days=ctx.profile.notification_lead_days)
        invoice = f" (invoice {body['invoice_ref']})" if body.get("invoice_ref") else ""
        message = (f"DIAPASON: {eur(amount)} will be debited from your card {consent.masked_pan} on or after "
                   f"{earliest.isoformat()} for your stay {consent.venue}{invoice}. To pay another way, contact "
                   f"the establishment's cashier before that date.")
        notification = Notification(id=notification_id, sequence=sequence, consent_id=consent.id,
                                    channel=body["channel"], amount_cents=amount, invoice_ref=body.get("invoice_ref"),
                                    notified_on=ctx.today.isoformat(), earliest_debit_on=earliest.isoformat(),
                                    patient_ref=consent.patient_ref, venue=consent.venue, finess=consent.finess,
                                    message=message)
        ctx.repo.put(notification)
        state.meta["notification_id"] = notification.id
        return Answer(201, public(notification))

    return ctx.idempotent(key, f"notification.create:{consent.id}", body, perform, state)


@bp.get(f"{PREFIX}/notifications")
@api("notification.list")
def list_notifications(state: CallState) -> Answer:
    ctx = Context.current()
    consent_id = request.args.get("consent_id")
    tls = request.environ.get("simphonie.tls")
    found = [n for n in ctx.repo.all(Notification)
             if (consent_id is None or n.consent_id == consent_id) and (not tls or n.finess == client_finess())]
    return Answer(200, [public(n) for n in found])


# -- debits ---------------------------------------------------------------------------------------------------
@bp.post(f"{PREFIX}/consents/<consent_id>/debits")
@api("debit.create", targets=("consent_id",))
def create_debit(state: CallState, consent_id: str) -> Answer:
    key = idempotency_key(required=True)
    ctx = Context.current()
    consent = ctx.consent(consent_id)
    body = check_body("DebitRequest", json_body())
    return ctx.idempotent(key, f"debit.create:{consent.id}", body, lambda: _debit(ctx, consent, body, key, state),
                          state)


def _debit(ctx: Context, consent: Consent, body: dict[str, Any], key: str | None, state: CallState) -> Answer:
    amount = body["amount_cents"]
    facts = ctx.facts(consent)
    problem = first_problem(DEBIT_CHECKS, facts, amount, ctx.today, ctx.profile)
    if problem:
        problem.extensions.setdefault("consent_id", consent.id)
        raise problem
    if not ctx.repo.claim(f"debit-slot.{consent.id}.{len(facts.debits)}", key or ""):
        raise Problem("debit.in_progress", f"another debit of consent {consent.id} is being processed; retry with "
                                           f"the same Idempotency-Key to learn its outcome", consent_id=consent.id)
    debit_id, sequence = ctx.repo.next_id(Debit)
    card = CardOnFile(consent.token, consent.masked_pan, consent.card_expiry)
    result = technical_failure_safe(lambda: current_debitor().debit(DebitOrder(ctx.session, debit_id, card, amount, consent.finess)), state)
    outcome = result.outcome
    status = {debits.APPROVAL: CAPTURED, debits.TECHNICAL: FAILED}.get(outcome, DECLINED)
    pending = facts.pending_notification
    debit = Debit(id=debit_id, sequence=sequence, consent_id=consent.id, status=status, amount_cents=amount,
                  currency=body["currency"], invoice_ref=body["invoice_ref"],
                  notification_id=pending.id if pending else None, response_code=result.response_code,
                  response_label=debits.label_of(result.response_code),
                  authorisation_code=result.authorisation_code if status == CAPTURED else None,
                  acquirer_reference=result.acquirer_reference, created_on=ctx.today.isoformat(),
                  blocks_consent=outcome == debits.HARD_DECLINE)
    ctx.repo.put(debit)
    state.meta["debit_id"] = debit.id
    if status == CAPTURED:
        return Answer(201, ctx.debit_view(debit), {"Location": _location(f"/debits/{debit.id}")})
    usable = not debit.blocks_consent
    if status == FAILED:
        return problem_answer(Problem(
            "acquirer.unavailable", f"no usable answer from the acquirer for debit {debit.id} "
                                    f"({result.response_code}: {debit.response_label}; {result.detail}); "
                                    f"the debit is recorded as failed",
            consent_id=consent.id, debit_id=debit.id, response_code=result.response_code, consent_usable=usable))
    after = "the consent stays usable" if usable else "the consent is now blocked: invoice the patient"
    return problem_answer(Problem(
        "debit.declined", f"debit {debit.id} declined with {result.response_code} ({debit.response_label}); {after}",
        consent_id=consent.id, debit_id=debit.id, response_code=result.response_code, consent_usable=usable))


@bp.get(f"{PREFIX}/consents/<consent_id>/debits")
@api("debit.list", targets=("consent_id",))
def list_debits(state: CallState, consent_id: str) -> Answer:
    ctx = Context.current()
    consent = ctx.consent(consent_id)
    return Answer(200, [ctx.debit_view(d) for d in ctx.repo.debits_of(consent.id)])


@bp.get(f"{PREFIX}/debits/<debit_id>")
@api("debit.read", targets=("debit_id",))
def get_debit(state: CallState, debit_id: str) -> Answer:
    ctx = Context.current()
    debit, _ = ctx.debit(debit_id)
    return Answer(200, ctx.debit_view(debit))


# -- refunds --------------------------------------------------------------------------------------------------
@bp.post(f"{PREFIX}/debits/<debit_id>/refunds")
@api("refund.create", targets=("debit_id",))
def create_refund(state: CallState, debit_id: str) -> Answer:
    key = idempotency_key(required=True)
    ctx = Context.current()
    debit, consent = ctx.debit(debit_id)
    body = check_body("RefundRequest", json_body())
    return ctx.idempotent(key, f"refund.create:{debit.id}", body,
                          lambda: _refund(ctx, debit, consent, body, key, state), state)


def _refund(ctx: Context, debit: Debit, consent: Consent, body: dict[str, Any], key: str | None,
            state: CallState) -> Answer:
    amount = body["amount_cents"]
    refunds = ctx.repo.refunds_of(debit.id)
    problem = refund_problem(debit, refunds, amount)
    if problem:
        raise problem
    if not ctx.repo.claim(f"refund-slot.{debit.id}.{len(refunds)}", key or ""):
        raise Problem("refund.in_progress", f"another refund of debit {debit.id} is being processed; retry with "
                                            f"the same Idempotency-Key to learn its outcome", debit_id=debit.id)
    refund_id, sequence = ctx.repo.next_id(Refund)
    card = CardOnFile(consent.token, consent.masked_pan, consent.card_expiry)
    order = RefundOrder(ctx.session, refund_id, debit.id, debit.acquirer_reference, card, amount, consent.finess)
    result = technical_failure_safe(lambda: current_debitor().refund(order), state)
    status = {debits.APPROVAL: REFUNDED, debits.TECHNICAL: FAILED}.get(result.outcome, DECLINED)
    refund = Refund(id=refund_id, sequence=sequence, debit_id=debit.id, consent_id=consent.id, status=status,
                    amount_cents=amount, reason=body.get("reason"), response_code=result.response_code,
                    response_label=debits.label_of(result.response_code),
                    authorisation_code=result.authorisation_code if status == REFUNDED else None,
                    acquirer_reference=result.acquirer_reference, created_on=ctx.today.isoformat())
    ctx.repo.put(refund)
    state.meta["refund_id"] = refund.id
    if status == REFUNDED:
        return Answer(201, public(refund), {"Location": _location(f"/refunds/{refund.id}")})
    code = "acquirer.unavailable" if status == FAILED else "refund.declined"
    return problem_answer(Problem(code, f"refund {refund.id} of debit {debit.id}: {result.response_code} "
                                        f"({refund.response_label}); no money moved",
                                  debit_id=debit.id, refund_id=refund.id, response_code=result.response_code))


@bp.get(f"{PREFIX}/refunds/<refund_id>")
@api("refund.read", targets=("refund_id",))
def get_refund(state: CallState, refund_id: str) -> Answer:
    ctx = Context.current()
    refund = ctx.repo.get(Refund, refund_id)
    if refund is None:
        raise Problem("refund.unknown", f"no refund {refund_id!r} in test session {ctx.session!r}")
    ctx.consent(refund.consent_id)  # authorisation
    return Answer(200, public(refund))


# -- anything else under /diapason ----------------------------------------------------------------------------
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@bp.route("/diapason/", defaults={"rest": ""}, methods=_METHODS, strict_slashes=False)
@bp.route("/diapason/<path:rest>", methods=_METHODS)
@api("unknown_route")
def unknown_route(state: CallState, rest: str) -> Answer:
    adapter = current_app.url_map.bind("bench")
    allowed = []
    for method in _METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except Exception:  # noqa: BLE001 - no rule for this method (or a redirect): not allowed
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        problem = Problem("request.method_not_allowed", f"{request.method} is not allowed on {request.path}; "
                                                        f"allowed: {', '.join(allowed)}")
        answer = problem_answer(problem)
        return Answer(answer.status, answer.body, {"Allow": ", ".join(allowed)}, answer.content_type)
    raise Problem("request.unknown_route", f"no endpoint {request.method} {request.path}; "
                                           f"GET {PREFIX}/openapi.yaml lists them")
