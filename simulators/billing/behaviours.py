"""Billing behaviours a session switches on through the control API, like the SOAP ones:

    billing_reject:<pct>[:<key>]          reject that share of invoices (whole invoice), seeded by the session
    billing_partial_reject:<pct>[:<key>]  reject one line of that share of invoices (the rest is paid)
    billing_return_delay:<days>d          returns become due that many days (session clock) after the lot

They are registered in the shared behaviour registry (so `POST /_bench/sessions/<s>/behaviours` accepts them) with
no effect on SOAP endpoints; the billing intake reads them. Give `actor: amo-billing` or `amc-billing` to aim them
at one payer; `target` may be the lot's recipient (organisme or numéro AMC) or its FINESS géographique. Generic
behaviours apply too: `latency:<n>ms` delays the intake, `http_<code>` refuses the lot (that HTTP status; SMTP 451);
the others (SOAP faults, resets) mean nothing to a file drop and are ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

from simulators.behaviours import Effect, UnknownBehaviour, behaviour, combine, parse_behaviour
from simulators.billing_files import get_profile

RETURN_PROFILES = ("bench-noemie-1", "bench-rmeh-1")
DEFAULT_REJECT_KEY = "amounts.incoherent"  # whole invoice: the payer found the amounts wrong
DEFAULT_PARTIAL_KEY = "coverage.line_not_covered"  # one line: not reimbursable / not covered
_PCT = r"(\d{1,3}(?:\.\d{1,2})?)"
_KEY = r"(?::([a-z_]+\.[a-z_]+))?"


@dataclass(frozen=True, slots=True)
class BillingPolicy:
    """How a payer treats a lot: seeded reject shares (percent) with their reasons, and the return delay."""

    reject_pct: float = 0.0
    reject_key: str = DEFAULT_REJECT_KEY
    partial_pct: float = 0.0
    partial_key: str = DEFAULT_PARTIAL_KEY
    return_delay_days: int = 0


def _reject_keys() -> frozenset[str]:
    """Reasons every return profile can carry (a seeded reject must be writable by both payers)."""
    tables = [set(get_profile(profile).codes["reject_reasons"]) for profile in RETURN_PROFILES]
    return frozenset(set.intersection(*tables))


def _pct_and_key(match: re.Match[str], default: str) -> tuple[float, str]:
    pct = float(match.group(1))
    if pct > 100:
        raise UnknownBehaviour(f"{match.group(0)!r}: the share must be within 0..100 %")
    key = match.group(2) or default
    if key not in _reject_keys():
        raise UnknownBehaviour(f"{match.group(0)!r}: reject reason {key!r} is not in the return profiles; "
                               f"valid: {', '.join(sorted(_reject_keys()))}")
    return pct, key


def _reject(policy: BillingPolicy, match: re.Match[str]) -> BillingPolicy:
    pct, key = _pct_and_key(match, DEFAULT_REJECT_KEY)
    return replace(policy, reject_pct=pct, reject_key=key)


def _partial(policy: BillingPolicy, match: re.Match[str]) -> BillingPolicy:
    pct, key = _pct_and_key(match, DEFAULT_PARTIAL_KEY)
    return replace(policy, partial_pct=pct, partial_key=key)


def _delay(policy: BillingPolicy, match: re.Match[str]) -> BillingPolicy:
    return replace(policy, return_delay_days=int(match.group(1)))


_KINDS: tuple[tuple[str, str, str, Callable[[BillingPolicy, re.Match[str]], BillingPolicy]], ...] = (
    (rf"billing_reject:{_PCT}{_KEY}", "billing_reject:50",
     "billing: reject that % of invoices as a whole (seeded), optional reason key", _reject),
    (rf"billing_partial_reject:{_PCT}{_KEY}", "billing_partial_reject:50:coverage.line_not_covered",
     "billing: reject one line of that % of invoices (seeded), optional reason key", _partial),
    (r"billing_return_delay:(\d{1,4})d", "billing_return_delay:30d",
     "billing: returns become due that many days (session clock) after the lot", _delay),
)
_COMPILED = tuple((re.compile(f"^{pattern}$"), apply) for pattern, _, _, apply in _KINDS)


def _register() -> None:
    for pattern, example, description, apply in _KINDS:
        def check(match: re.Match[str], apply=apply) -> Effect:
            apply(BillingPolicy(), match)  # refuses bad shares and reasons when the control API adds it
            return Effect()

        behaviour(pattern, example, description)(check)


_register()


def policy_from(names: list[str]) -> BillingPolicy:
    """Fold billing behaviour names into a policy (later names win); other names are ignored."""
    policy = BillingPolicy()
    for name in names:
        for pattern, apply in _COMPILED:
            match = pattern.match(name)
            if match:
                policy = apply(policy, match)
    return policy


def billing_effects(store, session: str, actor: str, targets: tuple[str, ...]) -> tuple[Effect, BillingPolicy]:
    """The behaviours that apply to one lot (counted ones are consumed): the generic effect and the policy."""
    names = [b.name for b in store.consume_behaviours(session, actor, "lot", targets)]
    return combine([parse_behaviour(name) for name in names]), policy_from(names)
