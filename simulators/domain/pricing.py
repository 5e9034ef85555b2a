"""Deterministic pricing engine: AMO part, AMC part and reste à charge per line, in integer cents.

SIM and CLC both call `quote`, so they agree for the same input. Formulas (full text in docs/pricing.md):

    total      = unit_price × quantity                 base_total = base × quantity
    AMO        = amo_cents if the GAP sent it, else round_half_up(base_total × amo_rate / 100)
    rate rule  : guarantee = round_half_up(base_total × rate_pct / 100) (AMO + AMC), AMC part = guarantee − AMO
    flat rule  : AMC part = flat_cents × quantity      (a rule with both adds the two parts)
    AMC        = clamp(parts, 0, total − AMO), then capped by what is left of the family's ceiling
                 (ceiling − contract.consumed_cents), lines taken in line_number order
    patient    = total − AMO − AMC

Rounding is half-up (0.5 cent goes up), applied once per line to each percentage, never to sums.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulators.domain.contracts import AmcContract, CoverageRule, PrestationFamily
from simulators.domain.money import Cents
from simulators.domain.quotes import Coverage, LineQuote, Quote, RightsStatus
from simulators.domain.rights import coverage_for, rule_for
from simulators.domain.stays import PrestationLine, Stay

# Families billed per day: their quantity cannot exceed the calendar days of the line.
DAILY_FAMILIES = frozenset({PrestationFamily.FORFAIT_JOURNALIER, PrestationFamily.CHAMBRE_PARTICULIERE})


def round_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (amounts here are never negative, so: half-up)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def percent_of(amount: Cents, pct: int) -> Cents:
    """`pct` % of `amount`, rounded half-up to the cent."""
    return round_half_up(amount * pct, 100)


@dataclass(frozen=True, slots=True)
class LineProblem:
    """Why a set of lines is refused before pricing: error key, the line concerned, expected vs received."""

    key: str  # amounts.incoherent | dates.incoherent
    line_number: int | None
    message: str


class IncoherentLines(ValueError):
    """`quote` was given lines that `check_lines` refuses."""

    def __init__(self, problem: LineProblem) -> None:
        super().__init__(f"{problem.key}: {problem.message}")
        self.problem = problem


def _amount_problem(line: PrestationLine) -> str | None:
    total = line.unit_price_cents * line.quantity
    base_total = line.base_cents * line.quantity
    if line.quantity <= 0:
        return f"expected a quantity ≥ 1, received {line.quantity}"
    if line.unit_price_cents < 0 or line.base_cents < 0:
        return f"expected amounts ≥ 0, received unit price {line.unit_price_cents}, base {line.base_cents}"
    if line.base_cents > line.unit_price_cents:
        return (f"expected a base de remboursement ≤ the unit price {line.unit_price_cents}, "
                f"received {line.base_cents}")
    if not 0 <= line.amo_rate_pct <= 100:
        return f"expected an AMO rate within 0..100 %, received {line.amo_rate_pct}"
    if line.amo_cents is not None and not 0 <= line.amo_cents <= base_total:
        return (f"expected an AMO amount within 0..base × quantity = {base_total} (total {total}), "
                f"received {line.amo_cents}")
    return None


def _date_problem(stay: Stay, line: PrestationLine) -> str | None:
    if line.end < line.start:
        return f"expected end ≥ start, received {line.start}..{line.end}"
    if line.start < stay.admission_date:
        return f"expected start ≥ admission {stay.admission_date}, received {line.start}"
    if stay.discharge_date is not None and line.end > stay.discharge_date:
        return f"expected end ≤ discharge {stay.discharge_date}, received {line.end}"
    days = (line.end - line.start).days + 1
    if line.family in DAILY_FAMILIES and line.quantity > days:
        return f"expected at most {days} day(s) for {line.start}..{line.end}, received quantity {line.quantity}"
    return None


def find_line_problem(stay: Stay, lines: Sequence[PrestationLine]) -> LineProblem | None:
    """The first reason to refuse these lines for this stay, or None. Rules in docs/pricing.md."""
    if stay.discharge_date is not None and stay.discharge_date < stay.admission_date:
        return LineProblem("dates.incoherent", None,
                           f"expected discharge ≥ admission {stay.admission_date}, received {stay.discharge_date}")
    if not lines:
        return LineProblem("amounts.incoherent", None, "expected at least one prestation line, received none")
    seen: set[int] = set()
    for line in sorted(lines, key=lambda item: item.line_number):
        if line.line_number < 1 or line.line_number in seen:
            return LineProblem("amounts.incoherent", line.line_number,
                               f"expected unique line numbers ≥ 1, received {line.line_number} again or < 1")
        seen.add(line.line_number)
        if (message := _amount_problem(line)) is not None:
            return LineProblem("amounts.incoherent", line.line_number, message)
        if (message := _date_problem(stay, line)) is not None:
            return LineProblem("dates.incoherent", line.line_number, message)
    return None


def check_lines(stay: Stay, lines: Sequence[PrestationLine]) -> str | None:
    """Error key (amounts.incoherent / dates.incoherent) for lines the AMC must refuse, or None."""
    problem = find_line_problem(stay, lines)
    return problem.key if problem else None


def line_amo(line: PrestationLine) -> Cents:
    """The AMO amount of a line: the GAP's when sent, else the AMO rate of the base, half-up."""
    if line.amo_cents is not None:
        return line.amo_cents
    return percent_of(line.base_cents * line.quantity, line.amo_rate_pct)


def uncapped_amc(rule: CoverageRule, line: PrestationLine, amo: Cents) -> Cents:
    """AMC part of a line under `rule` before any ceiling: guarantee beyond AMO plus flat, within total − AMO."""
    part = 0
    if rule.rate_pct is not None:
        part += max(0, percent_of(line.base_cents * line.quantity, rule.rate_pct) - amo)
    if rule.flat_cents is not None:
        part += rule.flat_cents * line.quantity
    return max(0, min(part, line.unit_price_cents * line.quantity - amo))


def _line(line: PrestationLine, amo: Cents, amc: Cents, refusal: str | None) -> LineQuote:
    total = line.unit_price_cents * line.quantity
    return LineQuote(line_number=line.line_number, total_cents=total, base_total_cents=line.base_cents * line.quantity,
                     amo_cents=amo, amc_cents=amc, patient_cents=total - amo - amc, refusal=refusal)


def _price_lines(contract: AmcContract, coverage: Coverage, stay: Stay,
                 lines: Sequence[PrestationLine]) -> list[LineQuote]:
    remaining: dict[PrestationFamily, Cents] = {}
    priced = []
    for line in lines:
        amo = line_amo(line)
        rule = rule_for(coverage.rules, line.family, stay)
        if line.start > coverage.valid_to:
            priced.append(_line(line, amo, 0, "rights.closed"))
            continue
        if rule is None or (rule.rate_pct is None and rule.flat_cents is None):
            priced.append(_line(line, amo, 0, "coverage.line_not_covered"))
            continue
        amc = uncapped_amc(rule, line, amo)
        refusal = None
        if rule.ceiling_cents is not None:
            left = remaining.setdefault(line.family, max(0, rule.ceiling_cents - contract.consumed_cents))
            if amc > left:
                amc, refusal = left, "coverage.ceiling_reached"
            remaining[line.family] = left - amc
        priced.append(_line(line, amo, amc, refusal))
    return priced


def quote(contract: AmcContract | None, stay: Stay, lines: Sequence[PrestationLine]) -> Quote:
    """Price the lines of a stay under a contract (None: no AMC, so AMO and patient only).

    Lines come back in line_number order. When the contract gives no open rights for the stay every line is
    refused with the rights' error key. Raises IncoherentLines for lines `check_lines` refuses.
    """
    problem = find_line_problem(stay, lines)
    if problem is not None:
        raise IncoherentLines(problem)
    ordered = sorted(lines, key=lambda item: item.line_number)
    if contract is None:
        priced = [_line(line, line_amo(line), 0, None) for line in ordered]
    else:
        coverage = coverage_for(contract, stay)
        if coverage.status is RightsStatus.OPEN:
            priced = _price_lines(contract, coverage, stay, ordered)
        else:
            priced = [_line(line, line_amo(line), 0, coverage.refusal) for line in ordered]
    return Quote(
        lines=tuple(priced),
        total_cents=sum(item.total_cents for item in priced),
        amo_cents=sum(item.amo_cents for item in priced),
        amc_cents=sum(item.amc_cents for item in priced),
        patient_cents=sum(item.patient_cents for item in priced),
    )
