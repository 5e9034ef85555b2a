"""The checks registry: plain functions `fn(ctx) -> None` registered under dotted ids with the requirements
they verify. A check raises CheckFailed (the SUT broke a rule) or CheckSkipped (it could not be judged);
anything else it raises is a bench error. Modules of this package register themselves when imported;
`builtin()` imports them all.
"""
from __future__ import annotations

import dataclasses
import difflib
import importlib
import pkgutil
import re
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Literal, Mapping, Protocol, Sequence

import jsonschema

from conformance.model import CheckResult, EntryRef, Outcome
from simulators.journal import JournalEntry

CHECK_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
REQUIREMENT_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d{3}$")


def _describe(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


class CheckFailed(Exception):
    """The SUT broke the rule. Message: "Unexpected X: expected A, but received B (where)".

    `evidence` points at the exchanges that show it: EntryRef values, or plain ints for journal positions.
    """

    def __init__(self, what: str, *, expected: Any = None, received: Any = None, where: str = "",
                 evidence: Iterable[EntryRef | int] = ()) -> None:
        if expected is None and received is None:
            message = what
        else:
            message = f"Unexpected {what}: expected {_describe(expected)}, but received {_describe(received)}"
        if where:
            message = f"{message} ({where})"
        super().__init__(message)
        self.message = message
        self.where = where
        self.evidence = tuple(ref if isinstance(ref, EntryRef) else EntryRef("journal", ref) for ref in evidence)


class CheckSkipped(Exception):
    """The check could not be judged (the exchange it reads never happened, a precondition is missing)."""


class UnknownCheck(LookupError):
    def __init__(self, check_id: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(check_id, list(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        super().__init__(f"unknown check {check_id!r}{hint}")
        self.check_id = check_id
        self.suggestions = tuple(close)

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may read: the scenario session's journal so far, its own parameters, the answers the
    bench received as a client, and facts the runner knows (persona, expected amounts, profile...)."""

    journal: tuple[JournalEntry, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    answers: tuple[JournalEntry, ...] = ()
    scenario_id: str = ""
    step_index: int = 0  # 1-based; 0 outside a step
    session: str = ""
    facts: Mapping[str, Any] = field(default_factory=dict)

    def exchanges(self, source: Literal["journal", "answers"] = "journal") -> tuple[JournalEntry, ...]:
        return self.journal if source == "journal" else self.answers


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    fn: Callable[[CheckContext], None]
    verifies: tuple[str, ...] = ()
    title: str = ""
    description: str = ""
    params: Mapping[str, Any] | None = None  # JSON Schema of the params object; None accepts anything
    optional: bool = False

    def param_problems(self, params: Mapping[str, Any]) -> list[str]:
        """Why `params` do not suit this check (empty when they do)."""
        if self.params is None:
            return []
        validator = jsonschema.Draft202012Validator(self.params)
        problems = []
        for error in sorted(validator.iter_errors(dict(params)), key=lambda e: [str(p) for p in e.absolute_path]):
            if error.context:  # anyOf/oneOf: the closest alternative says what is missing
                error = jsonschema.exceptions.best_match(error.context)
            path = ".".join(str(p) for p in error.absolute_path)
            problems.append(f"{path}: {error.message}" if path else error.message)
        return problems


def params_schema(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    """A closed params schema (unknown parameter names are errors) from a properties mapping."""
    return {"type": "object", "properties": dict(properties), "required": list(required),
            "additionalProperties": False}


class Registry:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, check: Check) -> Check:
        if not CHECK_ID.match(check.id):
            raise ValueError(f"check id {check.id!r} must be dotted lower-case words, e.g. 'roc.clc.amounts_match_sim'")
        if check.id in self._checks and self._checks[check.id].fn is not check.fn:
            raise ValueError(f"check {check.id!r} is registered twice")
        bad = [r for r in check.verifies if not REQUIREMENT_ID.match(r)]
        if bad:
            raise ValueError(f"check {check.id!r} verifies malformed requirement ids {bad}")
        if check.params is not None:
            jsonschema.Draft202012Validator.check_schema(check.params)
        self._checks[check.id] = check
        return check

    def check(self, check_id: str, *, verifies: Iterable[str] = (), title: str = "",
              params: Mapping[str, Any] | None = None, optional: bool = False
              ) -> Callable[[Callable[[CheckContext], None]], Callable[[CheckContext], None]]:
        """Decorator: `@check("roc.clc.amounts_match_sim", verifies=["ROC-CLC-012"], title=...)`."""

        def register(fn: Callable[[CheckContext], None]) -> Callable[[CheckContext], None]:
            doc = (fn.__doc__ or "").strip()
            self.register(Check(check_id, fn, tuple(verifies), title or doc.split("\n")[0], doc, params, optional))
            return fn

        return register

    def get(self, check_id: str) -> Check:
        try:
            return self._checks[check_id]
        except KeyError:
            raise UnknownCheck(check_id, self._checks) from None

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._checks

    def __iter__(self) -> Iterator[Check]:
        return iter(sorted(self._checks.values(), key=lambda c: c.id))

    def __len__(self) -> int:
        return len(self._checks)

    def ids(self) -> list[str]:
        return sorted(self._checks)


registry = Registry()
check = registry.check


def builtin() -> Registry:
    """The default registry with every module of this package imported (each registers its checks)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return registry


def run_check(chk: Check, ctx: CheckContext, *, verifies: Iterable[str] = ()) -> CheckResult:
    """Run one check and type its outcome; `verifies` adds the requirement ids a scenario binds to this call."""
    requirement_ids = tuple(dict.fromkeys([*chk.verifies, *verifies]))
    base = dict(check_id=chk.id, requirement_ids=requirement_ids, optional=chk.optional, title=chk.title,
                params=dict(ctx.params))
    problems = chk.param_problems(ctx.params)
    if problems:
        return CheckResult(outcome=Outcome.ERROR, message=f"bad parameters for check {chk.id}: " + "; ".join(problems),
                           **base)
    try:
        chk.fn(ctx)
    except CheckFailed as failed:
        return CheckResult(outcome=Outcome.FAIL, message=failed.message, where=failed.where,
                           evidence=failed.evidence, **base)
    except CheckSkipped as skipped:
        return CheckResult(outcome=Outcome.SKIP, message=str(skipped), **base)
    except Exception as exc:  # a check that crashes is the bench's fault, never the SUT's
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        return CheckResult(outcome=Outcome.ERROR, message=f"bench error in check {chk.id}: {type(exc).__name__}: {exc}",
                           where=where, **base)
    return CheckResult(outcome=Outcome.PASS, **base)


class CallLike(Protocol):
    """What a scenario's `expect` item provides (conformance.scenarios.CheckCall)."""

    check_id: str
    params: Mapping[str, Any]
    verifies: tuple[str, ...]


def run_calls(calls: Iterable[CallLike], ctx: CheckContext, registry: Registry | None = None) -> list[CheckResult]:
    """Run an `expect` step's checks in order against one context (each call gets its own params). A check id
    the registry does not know is a bench error for that call, not an exception: the other checks still run."""
    registry = builtin() if registry is None else registry
    results = []
    for call in calls:
        try:
            chk = registry.get(call.check_id)
        except UnknownCheck as exc:
            results.append(CheckResult(call.check_id, Outcome.ERROR, str(exc), tuple(call.verifies),
                                       params=dict(call.params)))
            continue
        results.append(run_check(chk, dataclasses.replace(ctx, params=dict(call.params)), verifies=call.verifies))
    return results
