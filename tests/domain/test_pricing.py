"""Pricing engine: formulas, half-up rounding, flat amounts, ceilings, refusals, and parts that always add up."""
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.domain import CoverageRule, Domaine, PrestationFamily
from simulators.domain.pricing import (IncoherentLines, check_lines, find_line_problem, line_amo, quote,
                                       round_half_up)

from .factories import ADMISSION, CP, DISCHARGE, FJ, GHS, TM, contract, line, standard_rules, stay


@pytest.mark.parametrize("numerator, denominator, expected", [
    (176_050, 100, 1761),  # 1760.50 → 1761 (banker's rounding would give 1760)
    (175_350, 100, 1754),
    (176_049, 100, 1760),
    (176_051, 100, 1761),
    (-176_050, 100, -1761),
    (0, 100, 0),
])
def test_round_half_up(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


def test_half_cent_goes_up_on_amo_and_guarantee():
    # ACE act of 25.15 €, AMO 70 % = 17.605 → 17.61; the AMC pays the TM up to 100 % BR.
    q = quote(contract(CoverageRule(TM, rate_pct=100)), stay(), [line(family=TM, unit=2515, amo_rate=70)])
    assert (q.amo_cents, q.amc_cents, q.patient_cents) == (1761, 754, 0)
    # guarantee 90 % of 10.05 € = 9.045 € → 9.05 €; AMO 60 % = 6.03 €; AMC 3.02 €, patient 1.00 €
    q = quote(contract(CoverageRule(TM, rate_pct=90)), stay(), [line(family=TM, unit=1005, amo_rate=60)])
    assert (q.amo_cents, q.amc_cents, q.patient_cents) == (603, 302, 100)


def test_typical_mco_stay():
    lines = [line(1, GHS, unit=350_012), line(2, FJ, quantity=5, unit=2_000, amo_rate=0),
             line(3, CP, quantity=4, unit=8_500, base=0, amo_rate=0)]
    q = quote(contract(*standard_rules()), stay(), lines)
    ghs, fj, cp = q.lines
    assert (ghs.amo_cents, ghs.amc_cents, ghs.patient_cents) == (280_010, 70_002, 0)  # 80 % of 3500.12 €, TM
    assert (fj.amo_cents, fj.amc_cents, fj.patient_cents) == (0, 10_000, 0)
    assert (cp.amo_cents, cp.amc_cents, cp.patient_cents) == (0, 24_000, 10_000)  # 60 €/day of 85 €
    assert all(item.refusal is None for item in q.lines)
    assert (q.total_cents, q.amo_cents, q.amc_cents, q.patient_cents) == (394_012, 280_010, 104_002, 10_000)


def test_flat_above_the_price_pays_the_price_only():
    q = quote(contract(CoverageRule(CP, flat_cents=6_000)), stay(), [line(family=CP, quantity=2, unit=4_500, base=0,
                                                                          amo_rate=0)])
    assert (q.amc_cents, q.patient_cents) == (9_000, 0)


def test_rate_above_100_pct_covers_beyond_the_base_within_the_price():
    priced = line(family=TM, unit=15_000, base=10_000, amo_rate=70)
    assert quote(contract(CoverageRule(TM, rate_pct=150)), stay(), [priced]).amc_cents == 8_000
    assert quote(contract(CoverageRule(TM, rate_pct=200)), stay(), [priced]).amc_cents == 8_000  # total − AMO
    # a guarantee below the AMO part pays nothing, and that is no refusal
    low = quote(contract(CoverageRule(TM, rate_pct=50)), stay(), [priced]).lines[0]
    assert (low.amc_cents, low.refusal) == (0, None)


def test_rate_and_flat_add_up():
    rule = CoverageRule(TM, rate_pct=100, flat_cents=1_000)
    q = quote(contract(rule), stay(), [line(family=TM, unit=15_000, base=10_000, amo_rate=70)])
    assert q.amc_cents == 3_000 + 1_000


def test_ceiling_partially_then_fully_reached_in_line_number_order():
    c = contract(CoverageRule(CP, flat_cents=6_000, ceiling_cents=30_000), consumed_cents=15_000)
    cp2 = line(2, CP, quantity=3, unit=7_000, base=0, amo_rate=0)
    cp3 = line(3, CP, quantity=2, unit=7_000, base=0, amo_rate=0, start=ADMISSION + timedelta(days=3))
    q = quote(c, stay(), [cp3, line(1, GHS, unit=100_000, amo_rate=80), cp2])  # given out of order
    assert [item.line_number for item in q.lines] == [1, 2, 3]
    _, second, third = q.lines
    assert (second.amc_cents, second.patient_cents, second.refusal) == (15_000, 6_000, "coverage.ceiling_reached")
    assert (third.amc_cents, third.patient_cents, third.refusal) == (0, 14_000, "coverage.ceiling_reached")
    assert q.lines[0].refusal == "coverage.line_not_covered"  # this contract has no GHS rule


def test_ceiling_exactly_used_is_not_a_refusal():
    c = contract(CoverageRule(CP, flat_cents=6_000, ceiling_cents=18_000))
    item = quote(c, stay(), [line(family=CP, quantity=3, unit=7_000, base=0, amo_rate=0)]).lines[0]
    assert (item.amc_cents, item.refusal) == (18_000, None)


def test_consumed_beyond_the_ceiling_leaves_nothing():
    c = contract(CoverageRule(FJ, rate_pct=100, ceiling_cents=10_000), consumed_cents=12_000)
    item = quote(c, stay(), [line(family=FJ, quantity=2, unit=2_000, amo_rate=0)]).lines[0]
    assert (item.amc_cents, item.refusal) == (0, "coverage.ceiling_reached")


def test_line_not_covered_and_rule_without_amounts():
    c = contract(CoverageRule(GHS, rate_pct=100), CoverageRule(FJ))
    q = quote(c, stay(), [line(1, CP, quantity=1, unit=5_000, base=0, amo_rate=0),
                          line(2, FJ, quantity=1, unit=2_000, amo_rate=0)])
    assert [(item.amc_cents, item.patient_cents, item.refusal) for item in q.lines] == [
        (0, 5_000, "coverage.line_not_covered"), (0, 2_000, "coverage.line_not_covered")]


def test_rights_not_open_refuse_every_line_with_the_rights_key():
    closed = contract(*standard_rules(), valid_to=ADMISSION - timedelta(days=1))
    q = quote(closed, stay(), [line(1, GHS), line(2, FJ, quantity=2, unit=2_000, amo_rate=0)])
    assert {item.refusal for item in q.lines} == {"rights.closed"} and q.amc_cents == 0
    assert q.amo_cents == 80_000 and q.patient_cents == 20_000 + 4_000
    ssr = quote(contract(CoverageRule(GHS, domaine="MCO", rate_pct=100)), stay(Domaine.SSR), [line()])
    assert ssr.lines[0].refusal == "coverage.domaine_not_covered"


def test_lines_after_rights_close_mid_stay_are_refused():
    c = contract(*standard_rules(), valid_to=ADMISSION + timedelta(days=1))
    lines = [line(1, GHS), line(2, FJ, quantity=2, unit=2_000, amo_rate=0),
             line(3, FJ, quantity=3, unit=2_000, amo_rate=0, start=ADMISSION + timedelta(days=2))]
    q = quote(c, stay(), lines)
    assert [item.refusal for item in q.lines] == [None, None, "rights.closed"]
    assert [item.amc_cents for item in q.lines] == [20_000, 4_000, 0]


def test_amo_sent_by_the_gap_is_used():
    sent = line(unit=100_000, amo_rate=80, amo=100_000)  # 100 % exoneration (ALD) sent by the GAP
    assert line_amo(sent) == 100_000
    item = quote(contract(*standard_rules()), stay(), [sent]).lines[0]
    assert (item.amo_cents, item.amc_cents, item.patient_cents) == (100_000, 0, 0)


def test_no_contract_means_amo_and_patient_only():
    q = quote(None, stay(), [line(1, GHS), line(2, FJ, quantity=5, unit=2_000, amo_rate=0)])
    assert (q.amo_cents, q.amc_cents, q.patient_cents) == (80_000, 0, 30_000)
    assert all(item.refusal is None for item in q.lines)


@pytest.mark.parametrize("lines, key, fragment", [
    ([], "amounts.incoherent", "at least one"),
    ([line(quantity=0)], "amounts.incoherent", "quantity ≥ 1"),
    ([line(unit=-1, base=0)], "amounts.incoherent", "amounts ≥ 0"),
    ([line(unit=1_000, base=1_001)], "amounts.incoherent", "base de remboursement ≤"),
    ([line(amo_rate=101)], "amounts.incoherent", "0..100"),
    ([line(unit=1_000, base=500, amo=501)], "amounts.incoherent", "AMO amount"),
    ([line(1), line(1, FJ, unit=2_000, amo_rate=0)], "amounts.incoherent", "unique line numbers"),
    ([line(0)], "amounts.incoherent", "unique line numbers"),
    ([line(start=DISCHARGE, end=ADMISSION)], "dates.incoherent", "end ≥ start"),
    ([line(start=ADMISSION - timedelta(days=1))], "dates.incoherent", "start ≥ admission"),
    ([line(end=DISCHARGE + timedelta(days=1))], "dates.incoherent", "end ≤ discharge"),
    ([line(family=FJ, quantity=3, unit=2_000, amo_rate=0, end=ADMISSION + timedelta(days=1))],
     "dates.incoherent", "at most 2 day"),
])
def test_check_lines(lines, key, fragment):
    assert check_lines(stay(), lines) == key
    assert fragment in find_line_problem(stay(), lines).message
    with pytest.raises(IncoherentLines) as raised:
        quote(contract(*standard_rules()), stay(), lines)
    assert raised.value.problem.key == key


def test_check_lines_accepts_good_lines_and_open_stays():
    assert check_lines(stay(), [line(1, GHS), line(2, FJ, quantity=5, unit=2_000, amo_rate=0)]) is None
    ongoing = stay(discharge_date=None, discharge_mode=None)
    assert check_lines(ongoing, [line(end=DISCHARGE + timedelta(days=30))]) is None
    assert check_lines(stay(discharge_date=ADMISSION - timedelta(days=1)), [line()]) == "dates.incoherent"


# --- properties -----------------------------------------------------------------------------------------------

STAY_DAYS = (DISCHARGE - ADMISSION).days + 1


@st.composite
def lines_strategy(draw):
    count = draw(st.integers(1, 6))
    numbers = draw(st.lists(st.integers(1, 99), min_size=count, max_size=count, unique=True))
    result = []
    for number in numbers:
        family = draw(st.sampled_from(list(PrestationFamily)))
        start = draw(st.integers(0, STAY_DAYS - 1))
        end = draw(st.integers(start, STAY_DAYS - 1))
        quantity = draw(st.integers(1, end - start + 1 if family in (FJ, CP) else 5))
        unit = draw(st.integers(0, 600_000))
        base = draw(st.integers(0, unit))
        amo = draw(st.none() | st.integers(0, base * quantity))
        result.append(line(number, family, quantity=quantity, unit=unit, base=base,
                           amo_rate=draw(st.integers(0, 100)), amo=amo,
                           start=ADMISSION + timedelta(days=start), end=ADMISSION + timedelta(days=end)))
    return result


@st.composite
def contract_strategy(draw):
    rules = []
    for family in PrestationFamily:
        if draw(st.booleans()):
            rules.append(CoverageRule(family, rate_pct=draw(st.none() | st.integers(0, 300)),
                                      flat_cents=draw(st.none() | st.integers(0, 20_000)),
                                      ceiling_cents=draw(st.none() | st.integers(0, 100_000))))
    return contract(*rules, consumed_cents=draw(st.integers(0, 50_000)))


@settings(max_examples=300, deadline=None)
@given(contract_strategy(), lines_strategy(), st.randoms(use_true_random=False))
def test_parts_always_add_up(c, lines, random):
    q = quote(c, stay(), lines)
    for item in q.lines:
        assert item.amo_cents + item.amc_cents + item.patient_cents == item.total_cents
        assert min(item.amo_cents, item.amc_cents, item.patient_cents) >= 0
        assert item.amo_cents <= item.base_total_cents
        assert item.refusal is None or item.refusal == "coverage.ceiling_reached" or item.amc_cents == 0
    assert q.total_cents == q.amo_cents + q.amc_cents + q.patient_cents
    assert q.total_cents == sum(entry.unit_price_cents * entry.quantity for entry in lines)
    for rule in c.rules:
        if rule.ceiling_cents is not None:
            paid = sum(item.amc_cents for item, entry in zip(q.lines, sorted(lines, key=lambda x: x.line_number))
                       if entry.family == rule.family)
            assert paid <= max(0, rule.ceiling_cents - c.consumed_cents)
    shuffled = list(lines)
    random.shuffle(shuffled)
    assert quote(c, stay(), shuffled) == q  # input order never matters: SIM and CLC agree


@settings(max_examples=100, deadline=None)
@given(lines_strategy())
def test_amc_never_exceeds_what_is_left_after_amo(lines):
    generous = contract(*(CoverageRule(family, rate_pct=300, flat_cents=600_000) for family in PrestationFamily))
    for item in quote(generous, stay(), lines).lines:
        assert item.amc_cents == item.total_cents - item.amo_cents and item.patient_cents == 0
