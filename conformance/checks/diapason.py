"""DIAPASON checks, the GAP under test (requirements DIA-*; docs/diapason-e2e.md).

They read the scenario session's journal — the terminal's exchanges (actor `terminal`: every unit in
`meta.frames`), the provider's calls (actor `diapason`: request and answer JSON) and the acquirer's messages
(actor `acquirer`) — and the DIAPASON statuses the driver returned (`facts["statuses"]`, entries with
`"flow": "diapason"`): what the GAP says it did, judged against what it actually sent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from conformance.checks import CheckContext, CheckFailed, CheckSkipped, check, params_schema
from conformance.checks.core import assert_no_pan
from simulators.journal import JournalEntry
from simulators.masking import find_pans, mask_pan

FROM_ECR, FROM_TERMINAL = "ecr->terminal", "terminal->ecr"
FRAMES = ("frame", "bad_frame", "partial_frame")
SENSITIVE_KEYS = frozenset({"cvv", "cvv2", "cvc", "cvc2", "pin", "pin_block", "track1", "track2", "track_data"})
_RETRIES = params_schema({"max_retries": {"type": "integer", "minimum": 0}})


# -- reading the journal -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProviderCall:
    """One call of the GAP to the DIAPASON provider, as the provider journaled it."""

    index: int
    service: str  # consent.create, notification.create, debit.create, refund.create, consent.revoke...
    status: int | None
    body: Mapping[str, Any]  # the request's JSON object ({} when none)
    answer: Mapping[str, Any]  # the answer's JSON object ({} when none or a list)
    key: str | None  # Idempotency-Key
    consent_id: str | None
    replayed: bool

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def problem(self) -> str | None:
        return None if self.ok else str(self.answer.get("code", self.status))

    @property
    def amount(self) -> int | None:
        value = self.body.get("amount_cents")
        return value if isinstance(value, int) else None


def _json_after(text: str, separator: str) -> Any:
    _, found, rest = text.partition(separator)
    try:
        return json.loads(rest) if found and rest.strip() else None
    except ValueError:
        return None


def provider_calls(journal: Iterable[JournalEntry], *services: str) -> list[ProviderCall]:
    calls = []
    for index, entry in enumerate(journal):
        if entry.actor != "diapason" or (services and entry.service not in services):
            continue
        head = entry.response.split("\n", 1)[0].strip()
        body, answer = _json_after(entry.request, "\n\n"), _json_after(entry.response, "\n")
        answer = answer if isinstance(answer, dict) else {}
        consent = entry.meta.get("consent_id") or answer.get("consent_id") or (
            answer.get("id") if entry.service == "consent.create" else None)
        key = next((line.split(":", 1)[1].strip() for line in entry.request.splitlines()
                    if line.startswith("Idempotency-Key:")), None)
        calls.append(ProviderCall(index, entry.service, int(head) if head.isdigit() else None,
                                  body if isinstance(body, dict) else {}, answer, key, consent,
                                  bool(entry.meta.get("replayed"))))
    return calls


def consents(journal: Iterable[JournalEntry]) -> dict[str, ProviderCall]:
    """Registered consents by id (the first successful creation)."""
    found: dict[str, ProviderCall] = {}
    for call in provider_calls(journal, "consent.create"):
        if call.status == 201 and call.consent_id:
            found.setdefault(call.consent_id, call)
    return found


def captured_debits(journal: Iterable[JournalEntry]) -> dict[str, ProviderCall]:
    """Captured debits by debit id (replays of one debit count once)."""
    found: dict[str, ProviderCall] = {}
    for call in provider_calls(journal, "debit.create"):
        if call.status == 201 and call.answer.get("status") == "captured":
            found.setdefault(str(call.answer.get("id")), call)
    return found


def terminal_units(entry: JournalEntry) -> list[dict[str, Any]]:
    return [u for u in entry.meta.get("frames", []) if isinstance(u, dict)]


def terminal_consents(journal: Iterable[JournalEntry]) -> list[tuple[int, JournalEntry]]:
    return [(i, e) for i, e in enumerate(journal) if e.actor == "terminal" and e.meta.get("action") == "consent"]


def payments(ctx: CheckContext) -> list[dict[str, Any]]:
    """The GAP's last DIAPASON status of each stay (what it reported after its last action)."""
    last: dict[str, dict[str, Any]] = {}
    for status in ctx.facts.get("statuses", []):
        if isinstance(status, Mapping) and status.get("flow") == "diapason":
            last[str(status.get("venue"))] = dict(status)
    return list(last.values())


def roc_patient_cents(ctx: CheckContext) -> int | None:
    """The patient part of the GAP's last ROC quote (the CLC's), from the ROC statuses the driver returned."""
    value = None
    for status in ctx.facts.get("statuses", []):
        quote = status.get("quote") if isinstance(status, Mapping) else None
        if isinstance(quote, Mapping) and isinstance(quote.get("quote"), Mapping):
            value = quote["quote"].get("patient_cents")
    return value


def _fail(what: str, expected: Any, received: Any, where: str, evidence: Iterable[int] = ()) -> CheckFailed:
    return CheckFailed(what, expected=expected, received=received, where=where, evidence=list(evidence))


def _at(call: ProviderCall) -> str:
    return f"journal #{call.index} diapason/{call.service}"


def _needs(items: Any, why: str) -> None:
    if not items:
        raise CheckSkipped(why)


# -- the terminal --------------------------------------------------------------------------------------------------
@check("diapason.terminal_consent_request", verifies=["DIA-TPE-001"], params=params_schema({}),
       title="The consent is asked with the consent action, in euros, for the ceiling, with the long answer")
def terminal_consent_request(ctx: CheckContext) -> None:
    asked = terminal_consents(ctx.journal)
    _needs(asked, "no DIAPASON consent asked at the terminal")
    ceilings = {call.body.get("ceiling_cents") for call in provider_calls(ctx.journal, "consent.create")}
    ceilings |= {p.get("ceiling_cents") for p in payments(ctx)}
    for index, entry in asked:
        where = f"journal #{index} terminal/{entry.service}"
        if entry.meta.get("currency") != "978":
            raise _fail("currency of the consent", "978 (EUR)", entry.meta.get("currency"), where, [index])
        amount = entry.meta.get("amount_cents")
        if amount != 0 and amount not in ceilings:
            known = ", ".join(str(c) for c in sorted(c for c in ceilings if isinstance(c, int)))
            raise _fail("amount of the consent", f"0 or the ceiling ({known})", amount, where, [index])
        if entry.service == "concert" and entry.meta.get("answer_flag") not in (None, "1"):
            raise _fail("answer mode of the consent", "the long (83-byte) answer, flag 1",
                        entry.meta.get("answer_flag"), where, [index])


@check("diapason.terminal_well_formed", verifies=["DIA-TPE-002", "DIA-TPE-005"], params=_RETRIES,
       title="Requests to the terminal are well formed and ENQ retries are bounded")
def terminal_well_formed(ctx: CheckContext) -> None:
    limit = ctx.params.get("max_retries", 3)
    entries = [(i, e) for i, e in enumerate(ctx.journal) if e.actor == "terminal"]
    _needs(entries, "no exchange with the terminal")
    ignored_in_a_row: list[int] = []
    for index, entry in entries:
        where = f"journal #{index} terminal/{entry.service}"
        if entry.outcome == "format_error":
            raise _fail("request to the terminal", "a well-formed Caisse-AP message",
                        "; ".join(entry.meta.get("errors", [])) or "format error (AF=09)", where, [index])
        bad = [u for u in terminal_units(entry) if u.get("dir") == FROM_ECR and u.get("kind") == "bad_frame"]
        if bad:
            raise _fail("frame sent to the terminal", "well-formed Concert frames (STX, 34 characters, ETX, LRC)",
                        "; ".join(entry.meta.get("errors", [])) or bad[0].get("ascii"), where, [index])
        ignored_in_a_row = ignored_in_a_row + [index] if entry.outcome == "enq_ignored" else []
        if len(ignored_in_a_row) > limit + 1:
            raise _fail("ENQ attempts to a silent terminal", f"at most {limit + 1} (then give up)",
                        len(ignored_in_a_row), f"journal #{ignored_in_a_row[0]} to #{index}", ignored_in_a_row)


@check("diapason.terminal_nak_handling", verifies=["DIA-TPE-003"], params=_RETRIES,
       title="A request frame the terminal NAKs is retransmitted, at most 3 times")
def terminal_nak_handling(ctx: CheckContext) -> None:
    limit = ctx.params.get("max_retries", 3)
    naked = False
    for index, entry in ((i, e) for i, e in enumerate(ctx.journal) if e.actor == "terminal" and e.service == "concert"):
        units = terminal_units(entry)
        retransmissions = 0
        for position, unit in enumerate(units):
            after_frame = position > 0 and units[position - 1].get("dir") == FROM_ECR \
                and units[position - 1].get("kind") in FRAMES
            if not (unit.get("dir") == FROM_TERMINAL and unit.get("kind") == "NAK" and after_frame):
                continue
            naked = True
            following = next((u for u in units[position + 1:] if u.get("dir") == FROM_ECR), None)
            where = f"journal #{index} terminal/concert, unit {position + 1}"
            if following is None or following.get("kind") not in FRAMES:
                got = "nothing" if following is None else following.get("kind")
                raise _fail("reaction to the terminal's NAK", "the same frame sent again", got, where, [index])
            retransmissions += 1
            if retransmissions > limit:
                raise _fail("retransmissions of one request", f"at most {limit}", retransmissions, where, [index])
    if not naked:
        raise CheckSkipped("the terminal never NAKed a request frame")


@check("diapason.terminal_no_nak_storm", verifies=["DIA-TPE-004"], params=_RETRIES,
       title="A corrupted answer is NAKed, and NAKs per answer stay within the bound")
def terminal_no_nak_storm(ctx: CheckContext) -> None:
    limit = ctx.params.get("max_retries", 3)
    entries = [(i, e) for i, e in enumerate(ctx.journal) if e.actor == "terminal" and e.service == "concert"]
    _needs(entries, "no Concert exchange")
    for index, entry in entries:
        units = terminal_units(entry)
        naks = [u for u in units if u.get("dir") == FROM_ECR and u.get("kind") == "NAK"]
        where = f"journal #{index} terminal/concert"
        if len(naks) > limit:
            raise _fail("NAKs sent for one answer", f"at most {limit}", len(naks), where, [index])
        if "corrupt_lrc" in entry.meta.get("faults", []):
            answers = [p for p, u in enumerate(units) if u.get("dir") == FROM_TERMINAL and u.get("kind") == "frame"]
            following = next((u for u in units[answers[0] + 1:] if u.get("dir") == FROM_ECR), None) if answers else None
            if following is None or following.get("kind") != "NAK":
                raise _fail("reaction to an answer with a bad LRC", "NAK (ask for it again)",
                            "nothing" if following is None else following.get("kind"), where, [index])


# -- consent -------------------------------------------------------------------------------------------------------
@check("diapason.consent_from_terminal", verifies=["DIA-CNS-001", "DIA-CNS-004", "DIA-TPE-006", "DIA-TPE-007"],
       params=params_schema({}), title="Each consent registered is one the terminal approved with the PIN, once")
def consent_from_terminal(ctx: CheckContext) -> None:
    creations = [c for c in provider_calls(ctx.journal, "consent.create")]
    _needs(creations, "no consent registered at the provider")
    approved: dict[str, tuple[int, JournalEntry]] = {}
    for index, entry in terminal_consents(ctx.journal):
        token = entry.meta.get("token")
        if token:
            approved.setdefault(str(token), (index, entry))
    registered: dict[str, ProviderCall] = {}
    for call in creations:
        token = str(call.body.get("token"))
        origin = approved.get(token)
        if origin is None or origin[0] > call.index:
            raise _fail("consent registered", "a token the terminal returned earlier", "a token it never gave",
                        _at(call), [call.index])
        index, entry = origin
        if entry.meta.get("result") != "approved":
            raise _fail("consent registered", "a PIN-verified card read (approved)",
                        f"a {entry.meta.get('result')} read at the terminal", _at(call), [index, call.index])
        for field, meta in (("masked_pan", "masked_pan"), ("card_expiry", "expiry")):
            if call.body.get(field) != entry.meta.get(meta):
                raise _fail(f"{field} of the consent", entry.meta.get(meta), call.body.get(field), _at(call),
                            [index, call.index])
        if call.status == 201 and not call.replayed:
            earlier = registered.get(token)
            if earlier is not None and earlier.answer.get("id") != call.answer.get("id"):
                raise _fail("consents for one terminal consent", "one", "two", _at(call), [earlier.index, call.index])
            registered[token] = call


@check("diapason.no_consent_fallback", verifies=["DIA-CNS-002"], params=params_schema({}),
       title="A consent refused at the terminal leaves no consent and no paid state")
def no_consent_fallback(ctx: CheckContext) -> None:
    refused = [p for p in payments(ctx) if p.get("terminal") and not any(t.get("approved") for t in p["terminal"])]
    _needs(refused, "every stay got a consent at the terminal")
    registered_venues = {c.body.get("venue") for c in provider_calls(ctx.journal, "consent.create")}
    for payment in refused:
        venue = payment.get("venue")
        if venue in registered_venues:
            raise _fail("consent after a refusal at the terminal", "none registered", "a consent", f"stay {venue}")
        if payment.get("state") in ("debited", "notified", "consented"):
            raise _fail("state after a refused consent", "no consent, then an invoice", payment.get("state"),
                        f"stay {venue} status")
        due = payment.get("reste_a_charge_cents")
        if due and (payment.get("invoice") or {}).get("amount_cents") != due:
            raise _fail("invoice after a refused consent", f"an invoice of {due}", payment.get("invoice"),
                        f"stay {venue} status")


@check("diapason.consent_terms", verifies=["DIA-CNS-003"], params=params_schema({}),
       title="The consent carries the ceiling and a last debit date, and the GAP keeps both")
def consent_terms(ctx: CheckContext) -> None:
    registered = consents(ctx.journal)
    _needs(registered, "no consent registered")
    kept = {p["consent"]["id"]: p for p in payments(ctx) if p.get("consent")}
    for consent_id, call in registered.items():
        ceiling, expires = call.body.get("ceiling_cents"), call.body.get("expires_on")
        if not isinstance(ceiling, int) or ceiling <= 0:
            raise _fail("ceiling of the consent", "a positive amount in cents", ceiling, _at(call), [call.index])
        created = str(call.answer.get("created_on", ""))
        if not expires or str(expires) <= created:
            raise _fail("last debit date of the consent", f"after the consent's date {created}", expires, _at(call),
                        [call.index])
        payment = kept.get(consent_id)
        if payment is not None and (payment.get("ceiling_cents") != ceiling
                                    or payment["consent"].get("expires_on") != expires):
            raise _fail("terms the GAP kept", f"ceiling {ceiling}, last debit date {expires}",
                        f"ceiling {payment.get('ceiling_cents')}, {payment['consent'].get('expires_on')}",
                        f"stay {payment.get('venue')} status", [call.index])


# -- debits ----------------------------------------------------------------------------------------------------------
@check("diapason.within_ceiling", verifies=["DIA-DBT-001"], params=params_schema({}),
       title="No amount above the ceiling is announced or debited")
def within_ceiling(ctx: CheckContext) -> None:
    registered = consents(ctx.journal)
    calls = provider_calls(ctx.journal, "notification.create", "debit.create")
    _needs(registered, "no consent registered")
    for call in calls:
        consent = registered.get(call.consent_id or "")
        ceiling = consent.body.get("ceiling_cents") if consent else None
        if call.problem == "debit.above_ceiling" or (ceiling is not None and (call.amount or 0) > ceiling):
            raise _fail(f"amount of {call.service}", f"at most the ceiling {ceiling}", call.amount, _at(call),
                        [call.index])


@check("diapason.not_after_expiry", verifies=["DIA-DBT-002"], params=params_schema({}),
       title="No debit after the consent's last debit date or the card's expiry")
def not_after_expiry(ctx: CheckContext) -> None:
    registered = consents(ctx.journal)
    _needs(registered, "no consent registered")
    for call in provider_calls(ctx.journal, "notification.create", "debit.create"):
        if call.problem in ("consent.expired", "card.expired"):
            raise _fail(f"{call.service} attempt", "none after expiry", call.problem, _at(call), [call.index])
    for debit in captured_debits(ctx.journal).values():
        consent = registered.get(debit.consent_id or "")
        if consent and str(debit.answer.get("created_on")) > str(consent.body.get("expires_on")):
            raise _fail("date of the debit", f"on or before {consent.body.get('expires_on')}",
                        debit.answer.get("created_on"), _at(debit), [debit.index])


@check("diapason.single_debit", verifies=["DIA-DBT-003"], params=params_schema({}),
       title="At most one debit per consent, and no new debit once one is captured")
def single_debit(ctx: CheckContext) -> None:
    calls = provider_calls(ctx.journal, "debit.create")
    _needs(calls, "no debit attempted")
    captured: dict[str, ProviderCall] = {}
    for call in calls:
        first = captured.get(call.consent_id or "")
        if first is not None and call.key != first.key:
            raise _fail("debit attempt after a captured debit", "none (or a replay with the same key)",
                        f"a new debit under key {call.key}", _at(call), [first.index, call.index])
        if call.problem == "debit.duplicate":
            raise _fail("debit attempt", "one debit per consent", "debit.duplicate", _at(call), [call.index])
        if call.status == 201 and call.answer.get("status") == "captured":
            captured.setdefault(call.consent_id or "", call)


@check("diapason.notify_before_debit", verifies=["DIA-DBT-004"], params=params_schema({}),
       title="The patient is notified of the amount before the debit, and the lead time is kept")
def notify_before_debit(ctx: CheckContext) -> None:
    debits = provider_calls(ctx.journal, "debit.create")
    _needs(debits, "no debit attempted")
    notified: dict[str, ProviderCall] = {}
    for call in provider_calls(ctx.journal, "notification.create", "debit.create"):
        if call.service == "notification.create":
            if call.status == 201:
                notified[call.consent_id or ""] = call
            continue
        if call.problem in ("debit.not_notified", "debit.too_early", "debit.above_notified"):
            raise _fail("debit attempt", "after the notification's lead time, within its amount", call.problem,
                        _at(call), [call.index])
        notice = notified.get(call.consent_id or "")
        if notice is None:
            raise _fail("debit attempt", "a notification of the patient first", "no notification", _at(call),
                        [call.index])
        if (call.amount or 0) > (notice.amount or 0):
            raise _fail("debited amount", f"at most the notified {notice.amount}", call.amount, _at(call),
                        [notice.index, call.index])


@check("diapason.idempotent_debits", verifies=["DIA-DBT-005"], params=params_schema({}),
       title="Debits carry an idempotency key, and a debit whose answer was lost is retried with the same key")
def idempotent_debits(ctx: CheckContext) -> None:
    calls = provider_calls(ctx.journal, "debit.create", "refund.create")
    _needs(calls, "no debit attempted")
    for call in calls:
        if not call.key or call.problem in ("idempotency.key_missing", "idempotency.conflict"):
            raise _fail(f"Idempotency-Key of {call.service}", "one key per operation, reused on retries",
                        call.problem or "none", _at(call), [call.index])
    for payment in payments(ctx):
        attempts = payment.get("debit_attempts") or []
        for previous, following in zip(attempts, attempts[1:]):
            lost = previous.get("outcome") in ("timeout", "debit.in_progress") or \
                str(previous.get("outcome", "")).startswith(("unreachable", "unreadable"))
            if lost and following.get("key") != previous.get("key"):
                raise _fail("key of a retried debit", previous.get("key"), following.get("key"),
                            f"stay {payment.get('venue')} status")


@check("diapason.closed_when_nothing_due", verifies=["DIA-DBT-006"], params=params_schema({}),
       title="Nothing to pay: the consent is released, no notification, no debit")
def closed_when_nothing_due(ctx: CheckContext) -> None:
    nothing = [p for p in payments(ctx) if p.get("reste_a_charge_cents") == 0 and p.get("consent")]
    _needs(nothing, "no stay with a consent and nothing to pay")
    for payment in nothing:
        consent_id = payment["consent"]["id"]
        calls = [c for c in provider_calls(ctx.journal) if c.consent_id == consent_id]
        moved = [c for c in calls if c.service in ("notification.create", "debit.create")]
        if moved:
            raise _fail(f"{moved[0].service} with nothing to pay", "none", moved[0].amount, _at(moved[0]),
                        [moved[0].index])
        if not any(c.service == "consent.revoke" and c.ok for c in calls) or payment.get("state") != "closed":
            raise _fail("consent with nothing to pay", "released (revoked) and the payment closed",
                        payment.get("state"), f"stay {payment.get('venue')} status")


@check("diapason.debit_matches_rac", verifies=["DIA-DBT-007"], params=params_schema({}),
       title="The debit is the remaining charge of the ROC quote, and a receipt follows it")
def debit_matches_rac(ctx: CheckContext) -> None:
    debited = [p for p in payments(ctx) if p.get("state") == "debited"]
    _needs(debited, "no stay paid by DIAPASON")
    roc = roc_patient_cents(ctx)
    captured = captured_debits(ctx.journal)
    for payment in debited:
        due = payment.get("reste_a_charge_cents")
        where = f"stay {payment.get('venue')} status"
        if payment.get("reste_a_charge_source") == "clc" and roc is not None and due != roc:
            raise _fail("remaining charge", f"the patient part of the CLC ({roc})", due, where)
        debit = captured.get(str((payment.get("debit") or {}).get("id")))
        if debit is None or debit.amount != due:
            raise _fail("debited amount", due, debit.amount if debit else "no captured debit", where,
                        [debit.index] if debit else [])
        if not payment.get("receipt"):
            raise _fail("receipt", "a receipt for the captured debit", "none", where, [debit.index])


@check("diapason.refund_within_original", verifies=["DIA-DBT-008"], params=params_schema({}),
       title="Refunds reference a captured debit and never exceed it")
def refund_within_original(ctx: CheckContext) -> None:
    refunds = provider_calls(ctx.journal, "refund.create")
    _needs(refunds, "no refund asked")
    captured = {debit_id: call.amount or 0 for debit_id, call in captured_debits(ctx.journal).items()}
    given: dict[str, int] = {}
    for call in refunds:
        debit_id = str(ctx.journal[call.index].meta.get("debit_id", ""))
        if call.problem in ("refund.above_original", "debit.not_captured", "debit.unknown"):
            raise _fail("refund", "of a captured debit, within its amount", call.problem, _at(call), [call.index])
        if call.status == 201 and not call.replayed:
            given[debit_id] = given.get(debit_id, 0) + (call.amount or 0)
            if given[debit_id] > captured.get(debit_id, 0):
                raise _fail("refunds of a debit", f"at most {captured.get(debit_id, 0)}", given[debit_id],
                            _at(call), [call.index])


# -- fallbacks -------------------------------------------------------------------------------------------------------
UNUSABLE_CONSENT = ("consent.expired", "consent.revoked", "consent.blocked", "card.expired")
INVOICE_REASONS = ("above_ceiling", "consent_expired", "card_expired", "consent_revoked", "consent.revoked",
                   "consent.blocked", "consent.expired", "card.expired", "debit.above_ceiling")


@check("diapason.fallback_invoice", verifies=["DIA-FBK-001", "DIA-FBK-002"], params=params_schema({}),
       title="Above the ceiling, expired or revoked: no debit, an invoice of the remaining charge")
def fallback_invoice(ctx: CheckContext) -> None:
    registered = consents(ctx.journal)
    judged = False
    for payment in payments(ctx):
        due, consent = payment.get("reste_a_charge_cents"), payment.get("consent")
        if not due or not consent:
            continue
        call = registered.get(consent["id"])
        ceiling = call.body.get("ceiling_cents") if call else payment.get("ceiling_cents")
        reason = (payment.get("invoice") or {}).get("reason", "")
        if not (due > (ceiling or 0) or reason in INVOICE_REASONS):
            continue
        judged = True
        where = f"stay {payment.get('venue')} status"
        attempts = [c for c in provider_calls(ctx.journal, "notification.create", "debit.create")
                    if c.consent_id == consent["id"]]
        if due > (ceiling or 0) and attempts:
            raise _fail(f"{attempts[0].service} above the ceiling", "none: an invoice instead", attempts[0].amount,
                        _at(attempts[0]), [attempts[0].index])
        if payment.get("state") != "invoiced" or (payment.get("invoice") or {}).get("amount_cents") != due:
            raise _fail("fallback", f"an invoice of {due} to the patient",
                        payment.get("invoice") or payment.get("state"), where)
        unusable = [c for c in attempts if c.service == "debit.create" and c.problem in UNUSABLE_CONSENT]
        if unusable:
            raise _fail("debit attempt on an unusable consent", "none: an invoice instead", unusable[0].problem,
                        _at(unusable[0]), [unusable[0].index])
        if any(c.status == 201 and c.service == "debit.create" for c in attempts):
            raise _fail("debit with an invoice", "no captured debit", "a captured debit", where)
    if not judged:
        raise CheckSkipped("no stay above the ceiling, expired or revoked")


@check("diapason.decline_no_retry", verifies=["DIA-FBK-003"], params=params_schema({}),
       title="A declined or failed debit is not retried; the patient is invoiced, decline and failure told apart")
def decline_no_retry(ctx: CheckContext) -> None:
    calls = provider_calls(ctx.journal, "debit.create")
    refused = [c for c in calls if c.problem in ("debit.declined", "acquirer.unavailable")]
    _needs(refused, "no debit declined or failed")
    for call in refused:
        later = [c for c in calls if c.index > call.index and c.consent_id == call.consent_id and c.key != call.key]
        if later:
            raise _fail("debit attempt after a refusal", "none (invoice the patient)", f"a new debit ({later[0].key})",
                        _at(later[0]), [call.index, later[0].index])
    by_consent = {c.consent_id: c for c in refused}
    for payment in payments(ctx):
        call = by_consent.get((payment.get("consent") or {}).get("id"))
        if call is None:
            continue
        reason = str((payment.get("invoice") or {}).get("reason", ""))
        code = str(call.answer.get("response_code", ""))
        expected = "debit_declined" if call.problem == "debit.declined" else "acquirer_unavailable"
        if payment.get("state") != "invoiced" or not reason.startswith(expected) or code not in reason:
            raise _fail("fallback after the refusal", f"an invoice, reason {expected}:{code}",
                        f"{payment.get('state')} ({reason or 'no invoice'})", f"stay {payment.get('venue')} status",
                        [call.index])


@check("diapason.no_double_charge", verifies=["DIA-FBK-004", "DIA-FLT-001"], params=params_schema({}),
       title="The patient never pays more than the remaining charge: card debits net of refunds plus invoice")
def no_double_charge(ctx: CheckContext) -> None:
    judged = [p for p in payments(ctx) if p.get("consent") and p.get("reste_a_charge_cents") is not None]
    _needs(judged, "no billed stay with a consent")
    captured = captured_debits(ctx.journal)
    refunded: dict[str, int] = {}
    for call in provider_calls(ctx.journal, "refund.create"):
        if call.status == 201 and call.answer.get("status") == "refunded" and not call.replayed:
            debit_id = str(call.answer.get("debit_id"))
            refunded[debit_id] = refunded.get(debit_id, 0) + (call.amount or 0)
    for payment in judged:
        consent_id = payment["consent"]["id"]
        debits = [(d, c) for d, c in captured.items() if c.consent_id == consent_id]
        paid = sum((c.amount or 0) - refunded.get(d, 0) for d, c in debits)
        invoiced = (payment.get("invoice") or {}).get("amount_cents") or 0
        due = payment["reste_a_charge_cents"]
        if paid + invoiced > due:
            raise _fail("amount charged to the patient", f"at most the remaining charge {due}",
                        f"{paid} by card and {invoiced} invoiced", f"stay {payment.get('venue')} status",
                        [c.index for _, c in debits])


@check("diapason.acquirer_timeout_reversed", verifies=["DIA-FLT-002"], params=params_schema({}),
       title="An acquirer that never answered a debit gets a reversal, and the GAP keeps no paid state")
def acquirer_timeout_reversed(ctx: CheckContext) -> None:
    silent = [(i, e) for i, e in enumerate(ctx.journal) if e.actor == "acquirer" and e.outcome == "no_response"
              and e.service in ("0100", "0200")]
    _needs(silent, "the acquirer answered every message")
    for index, entry in silent:
        stan = str(entry.meta.get("stan", ""))
        reversal = [i for i, e in enumerate(ctx.journal) if i > index and e.actor == "acquirer"
                    and e.service in ("0400", "0420", "0401", "0421") and f"DE90={entry.service}{stan}" in e.request]
        if not reversal:
            raise _fail("reversal of an unanswered message", f"0420 naming {entry.service} STAN {stan}", "none",
                        f"journal #{index} acquirer/{entry.service}", [index])
    captured = {call.consent_id for call in captured_debits(ctx.journal).values()}
    for payment in payments(ctx):
        if payment.get("state") == "debited" and (payment.get("consent") or {}).get("id") not in captured:
            raise _fail("state after an acquirer timeout", "not paid (no captured debit)", "debited",
                        f"stay {payment.get('venue')} status")


# -- card data -------------------------------------------------------------------------------------------------------
def _outputs(facts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The GAP's own outputs as text: every status the driver returned, and the facts reports are built from."""
    texts = []
    for position, status in enumerate(facts.get("statuses", [])):
        texts.append((f"status #{position + 1} ({status.get('action', '?')})", json.dumps(status, default=str)))
    for key, value in facts.items():
        if key not in ("statuses", "case", "dataset"):
            texts.append((f"fact {key}", json.dumps(value, default=str)))
    return texts


@check("diapason.no_pan_leak", verifies=["DIA-SEC-001"], params=params_schema({}),
       title="No card number in any exchange, report input or output of the GAP")
def no_pan_leak(ctx: CheckContext) -> None:
    assert_no_pan(ctx.journal, "journal")
    assert_no_pan(ctx.answers, "answers")
    for where, text in _outputs(ctx.facts):
        pans = find_pans(text)
        if pans:
            raise CheckFailed("card number in the GAP's output", expected="none",
                              received=f"PAN {mask_pan(pans[0])}", where=where)


def _sensitive(value: Any, path: str = "") -> list[str]:
    if isinstance(value, Mapping):
        return [f"{path}{k}" for k in value if str(k).lower() in SENSITIVE_KEYS] + [
            hit for k, v in value.items() for hit in _sensitive(v, f"{path}{k}.")]
    if isinstance(value, list):
        return [hit for i, v in enumerate(value) for hit in _sensitive(v, f"{path}{i}.")]
    return []


@check("diapason.no_sensitive_card_data", verifies=["DIA-SEC-002"], params=params_schema({}),
       title="No PIN, CVV or track data is sent to the provider or kept by the GAP")
def no_sensitive_card_data(ctx: CheckContext) -> None:
    calls = provider_calls(ctx.journal)
    _needs(calls or payments(ctx), "no DIAPASON exchange")
    for call in calls:
        hits = _sensitive(call.body)
        if hits or call.problem in ("card_data.forbidden", "pan.forbidden"):
            raise _fail("card data sent to the provider", "token and masked PAN only",
                        hits[0] if hits else call.problem, _at(call), [call.index])
    for position, status in enumerate(ctx.facts.get("statuses", [])):
        hits = _sensitive(status)
        if hits:
            raise _fail("card data kept by the GAP", "none", hits[0], f"status #{position + 1}")

