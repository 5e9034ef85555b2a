"""Generic checks over journal entries: card data, schema validity, order, counts, uniqueness, retries,
outcomes. Each `assert_*` helper is pure and raises CheckFailed, so domain checks can reuse it under their own
id; the registered checks read their parameters from the scenario, which binds them to requirements with
`verifies:` where the same check serves several rules (e.g. "annuaire before IDB", "IDB before CLC").

Services, actors and outcomes match as shell-style patterns, ignoring case (`fault:*`, `CLC` matches the
journal's `clc` operation id, `*`).
"""
from __future__ import annotations

import json
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Literal, Sequence

from conformance.checks import CheckContext, CheckFailed, CheckSkipped, check, params_schema
from conformance.model import EntryRef
from simulators.journal import JournalEntry
from simulators.masking import find_pans, mask_pan

Source = Literal["journal", "answers"]
Indexed = list[tuple[int, JournalEntry]]


def matches(value: str, pattern: str) -> bool:
    return fnmatchcase(value.lower(), pattern.lower())


def select(entries: Sequence[JournalEntry], *, service: str | None = None, actor: str | None = None,
           outcome: str | None = None) -> Indexed:
    """Entries (with their positions) whose service, actor and outcome match the given patterns."""
    return [
        (index, entry) for index, entry in enumerate(entries)
        if (service is None or matches(entry.service, service))
        and (actor is None or matches(entry.actor, actor))
        and (outcome is None or matches(entry.outcome, outcome))
    ]


def label(index: int, entry: JournalEntry, source: Source = "journal") -> str:
    return f"{source} #{index} {entry.actor}/{entry.service}"


def refs(indexed: Indexed, source: Source = "journal") -> list[EntryRef]:
    return [EntryRef(source, index) for index, _ in indexed]


def _positions(indexed: Indexed, source: Source) -> str:
    return f"{source} " + ", ".join(f"#{index}" for index, _ in indexed)


# -- helpers ---------------------------------------------------------------------------------------

def assert_no_pan(entries: Sequence[JournalEntry], source: Source = "journal") -> None:
    """No Luhn-valid card number in any request, answer or meta; `meta["masked_pans"]` counts the PANs an actor
    had to mask out of a request before journaling it, which is a leak too."""
    for index, entry in enumerate(entries):
        meta_text = json.dumps(entry.meta, sort_keys=True, default=str)
        for part, text in (("request", entry.request), ("response", entry.response), ("meta", meta_text)):
            pans = find_pans(text)
            if pans:
                raise CheckFailed("card number in exchanges", expected="none", received=f"PAN {mask_pan(pans[0])}",
                                  where=f"{label(index, entry, source)} {part}", evidence=[EntryRef(source, index)])
        masked = entry.meta.get("masked_pans", 0)
        if isinstance(masked, int) and masked > 0:
            raise CheckFailed("card number in exchanges", expected="none",
                              received=f"{masked} PAN(s) masked by the bench", where=f"{label(index, entry, source)} request",
                              evidence=[EntryRef(source, index)])


def assert_schema_valid(indexed: Indexed, source: Source = "journal") -> None:
    """Every selected exchange has an empty `validation` (requests in the journal, answers in `answers`)."""
    invalid = [(index, entry) for index, entry in indexed if entry.validation]
    if not invalid:
        return
    what = "invalid request" if source == "journal" else "invalid answer"
    first_index, first = invalid[0]
    received = f"{len(invalid)} invalid, first: {first.validation[0]}"
    raise CheckFailed(what, expected="messages valid against the profile", received=received,
                      where=label(first_index, first, source), evidence=refs(invalid, source))


def assert_order(entries: Sequence[JournalEntry], before: str, after: str, *, actor: str | None = None,
                 before_outcome: str | None = None) -> None:
    """Every `after` exchange has at least one `before` exchange earlier (with `before_outcome` if given)."""
    seen_before = False
    for index, entry in enumerate(entries):
        if actor is not None and not matches(entry.actor, actor):
            continue
        if matches(entry.service, after) and not seen_before:
            qualifier = f" with outcome {before_outcome}" if before_outcome else ""
            raise CheckFailed("order of exchanges", expected=f"{before}{qualifier} before {after}",
                              received=f"{entry.service} with no {before}{qualifier} before it",
                              where=label(index, entry), evidence=[index])
        if matches(entry.service, before) and (before_outcome is None or matches(entry.outcome, before_outcome)):
            seen_before = True


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and minimum == maximum:
        return f"exactly {minimum}"
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    return f"at least {minimum}" if minimum is not None else f"at most {maximum}"


def assert_count(indexed: Indexed, what: str, *, minimum: int | None = None, maximum: int | None = None,
                 source: Source = "journal") -> None:
    count = len(indexed)
    if (minimum is not None and count < minimum) or (maximum is not None and count > maximum):
        where = _positions(indexed, source) if indexed else f"{source}: none"
        raise CheckFailed(f"number of {what}", expected=_bounds(minimum, maximum), received=count,
                          where=where, evidence=refs(indexed, source))


def assert_unique(indexed: Indexed, key: str, *, allow_identical_retry: bool = True) -> None:
    """`meta[key]` differs between exchanges; a retry may reuse a value with the identical request."""
    first_seen: dict[str, tuple[int, JournalEntry]] = {}
    carrying = 0
    for index, entry in indexed:
        value = entry.meta.get(key)
        if value in (None, ""):
            continue
        carrying += 1
        value = str(value)
        if value in first_seen:
            earlier_index, earlier = first_seen[value]
            if not (allow_identical_retry and earlier.request == entry.request):
                raise CheckFailed(f"reuse of {key}", expected="a new value for each new request",
                                  received=f"{value!r} again with a different request",
                                  where=f"journal #{earlier_index} and #{index}", evidence=[earlier_index, index])
        else:
            first_seen[value] = (index, entry)
    if indexed and not carrying:
        raise CheckSkipped(f"no exchange carries meta {key!r}: the actor did not extract it")


def _instant(entry: JournalEntry) -> datetime:
    return datetime.fromisoformat(entry.at)


def _gap_ms(previous: JournalEntry, following: JournalEntry) -> float:
    ended = _instant(previous).timestamp() * 1000 + previous.duration_ms
    return _instant(following).timestamp() * 1000 - ended


def _attempt_chains(indexed: Indexed, key: str | None) -> list[Indexed]:
    """Consecutive attempts per (service, key value): a chain ends with an `ok` exchange."""
    open_chains: dict[tuple[str, str], Indexed] = {}
    chains: list[Indexed] = []
    for index, entry in indexed:
        group = (entry.service, str(entry.meta.get(key, "")) if key else "")
        chain = open_chains.setdefault(group, [])
        chain.append((index, entry))
        if entry.outcome == "ok":
            chains.append(open_chains.pop(group))
    chains.extend(open_chains.values())
    return sorted(chains, key=lambda c: c[0][0])


MEASUREMENT_SLACK_MS = 50.0


def assert_retry_policy(indexed: Indexed, *, max_attempts: int, min_gap_ms: float = 0, backoff: bool = True,
                        key: str | None = None) -> None:
    """Retries are bounded (`max_attempts` per operation), spaced (`min_gap_ms` between the end of an attempt
    and the next) and, with `backoff`, never closer than the previous gap."""
    for chain in _attempt_chains(indexed, key):
        service = chain[0][1].service
        if len(chain) > max_attempts:
            raise CheckFailed(f"number of attempts for {service}", expected=f"at most {max_attempts}",
                              received=len(chain), where=_positions(chain, "journal"), evidence=refs(chain))
        # When the server held an attempt on purpose (meta "held": a timeout behaviour) or was still holding it
        # when the retry came, the client gave up at its own timeout, which the server cannot see: that gap is
        # not measurable and is left out (the number of attempts still is checked).
        gaps = [(gap, ia, ib) for (ia, a), (ib, b) in zip(chain, chain[1:])
                if not a.meta.get("held") and (gap := _gap_ms(a, b)) >= 0]
        for gap, ia, ib in gaps:
            # the server sees an attempt end a little after the client does (it journals after answering)
            if gap < min_gap_ms - MEASUREMENT_SLACK_MS:
                raise CheckFailed(f"delay before retrying {service}", expected=f"at least {min_gap_ms:.0f} ms",
                                  received=f"{gap:.0f} ms", where=f"between journal #{ia} and #{ib}", evidence=[ia, ib])
        if backoff:
            for (gap, ia, _), (next_gap, _, ic) in zip(gaps, gaps[1:]):
                if next_gap < gap - MEASUREMENT_SLACK_MS:
                    raise CheckFailed(f"retry delays for {service}", expected="non-decreasing delays (backoff)",
                                      received=f"{gap:.0f} ms then {next_gap:.0f} ms",
                                      where=f"journal #{ia} to #{ic}", evidence=[ia, ic])


def assert_outcome(indexed: Indexed, what: str, expected: str, *, which: str = "last",
                   source: Source = "journal") -> None:
    """The outcome word of the `which` (first, last, all, any) selected exchange matches `expected`."""
    if not indexed:
        raise CheckFailed(f"missing {what}", expected=f"an exchange with outcome {expected}", received="none",
                          where=source)
    if which == "any":
        if not any(matches(e.outcome, expected) for _, e in indexed):
            raise CheckFailed(f"outcome of {what}", expected=f"{expected} at least once",
                              received=", ".join(sorted({e.outcome for _, e in indexed})),
                              where=_positions(indexed, source), evidence=refs(indexed, source))
        return
    targets = {"first": indexed[:1], "last": indexed[-1:], "all": indexed}[which]
    for index, entry in targets:
        if not matches(entry.outcome, expected):
            raise CheckFailed(f"outcome of {what}", expected=expected, received=entry.outcome,
                              where=label(index, entry, source), evidence=[EntryRef(source, index)])


# -- registered checks -----------------------------------------------------------------------------

_FILTER = {"service": {"type": "string"}, "actor": {"type": "string"}}
_WHICH = {"enum": ["first", "last", "all", "any"]}


@check("journal.no_pan_leak", verifies=["ROC-SEC-006"], params=params_schema({}),
       title="No card number in any exchange")
def no_pan_leak(ctx: CheckContext) -> None:
    assert_no_pan(ctx.journal, "journal")
    assert_no_pan(ctx.answers, "answers")


@check("journal.all_requests_schema_valid", verifies=["ROC-MSG-001"], params=params_schema(_FILTER),
       title="Every request the SUT sent validates against the profile")
def all_requests_schema_valid(ctx: CheckContext) -> None:
    assert_schema_valid(select(ctx.journal, **ctx.params), "journal")


@check("answers.all_schema_valid", verifies=["AMC-MSG-001"], params=params_schema({"service": {"type": "string"}}),
       title="Every answer the SUT gave validates against the profile")
def all_answers_schema_valid(ctx: CheckContext) -> None:
    assert_schema_valid(select(ctx.answers, **ctx.params), "answers")


@check("journal.order", title="Service A is called before service B",
       params=params_schema({"before": {"type": "string"}, "after": {"type": "string"}, "actor": {"type": "string"},
                             "before_outcome": {"type": "string"}}, required=["before", "after"]))
def order(ctx: CheckContext) -> None:
    p = ctx.params
    assert_order(ctx.journal, p["before"], p["after"], actor=p.get("actor"), before_outcome=p.get("before_outcome"))


_COUNT = params_schema({**_FILTER, "outcome": {"type": "string"}, "min": {"type": "integer", "minimum": 0},
                        "max": {"type": "integer", "minimum": 0}}, required=["service"])
_COUNT["anyOf"] = [{"required": ["min"]}, {"required": ["max"]}]


@check("journal.count", title="A service is called a bounded number of times", params=_COUNT)
def count(ctx: CheckContext) -> None:
    p = ctx.params
    indexed = select(ctx.journal, service=p["service"], actor=p.get("actor"), outcome=p.get("outcome"))
    what = f"{p['service']} exchanges" + (f" with outcome {p['outcome']}" if "outcome" in p else "")
    assert_count(indexed, what, minimum=p.get("min"), maximum=p.get("max"))


@check("journal.unique", verifies=["ROC-MSG-002"], title="Exchange ids are never reused for another request",
       params=params_schema({**_FILTER, "key": {"type": "string"}, "allow_identical_retry": {"type": "boolean"}}))
def unique(ctx: CheckContext) -> None:
    p = ctx.params
    assert_unique(select(ctx.journal, service=p.get("service"), actor=p.get("actor")), p.get("key", "exchange_id"),
                  allow_identical_retry=p.get("allow_identical_retry", True))


@check("journal.retry_policy", verifies=["ROC-FLT-040", "ROC-FLT-041"],
       title="Retries are bounded and spaced with backoff",
       params=params_schema({**_FILTER, "max_attempts": {"type": "integer", "minimum": 1},
                             "min_gap_ms": {"type": "number", "minimum": 0}, "backoff": {"type": "boolean"},
                             "key": {"type": "string"}}, required=["service", "max_attempts"]))
def retry_policy(ctx: CheckContext) -> None:
    p = ctx.params
    assert_retry_policy(select(ctx.journal, service=p["service"], actor=p.get("actor")),
                        max_attempts=p["max_attempts"], min_gap_ms=p.get("min_gap_ms", 0),
                        backoff=p.get("backoff", True), key=p.get("key"))


@check("journal.outcome", title="The SUT's exchanges with a service ended as expected",
       params=params_schema({**_FILTER, "expected": {"type": "string"}, "which": _WHICH},
                            required=["service", "expected"]))
def journal_outcome(ctx: CheckContext) -> None:
    p = ctx.params
    indexed = select(ctx.journal, service=p["service"], actor=p.get("actor"))
    assert_outcome(indexed, f"{p['service']} exchange", p["expected"], which=p.get("which", "last"))


@check("answers.outcome", title="The SUT answered the bench's request as expected",
       params=params_schema({"service": {"type": "string"}, "expected": {"type": "string"}, "which": _WHICH},
                            required=["expected"]))
def answers_outcome(ctx: CheckContext) -> None:
    p = ctx.params
    indexed = select(ctx.answers, service=p.get("service"))
    if not indexed:
        raise CheckSkipped("the bench sent no request to judge (no answer recorded)")
    assert_outcome(indexed, "answer", p["expected"], which=p.get("which", "last"), source="answers")
