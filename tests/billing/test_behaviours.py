"""Session behaviours of the intake: seeded reject shares, return delays, refusals; deterministic in the seed."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
import requests

from simulators.billing.behaviours import BillingPolicy, policy_from
from simulators.billing.intake import _seeded
from simulators.billing.sides import SIDES
from simulators.billing_files import BilledStay
from simulators.domain.pricing import quote
from simulators.gap.billing import BillingClient

from .conftest import SEED, add_behaviour, amo_lot, case_item, journal, new_session


def drawn_items(dataset, count: int) -> list[BilledStay]:
    """Invoices for drawn stays of the population (all known to the AMO, rights open)."""
    return [BilledStay(drawn.beneficiary, replace(drawn.stay, venue_number=drawn.stay.venue_number[-9:]),
                       drawn.lines, quote(drawn.contract, drawn.stay, drawn.lines), 3000 + index)
            for index, drawn in enumerate(dataset.draw_stays(7, count), start=1)]


def rejected(receipt) -> list[int]:
    return [i["invoice_number"] for i in receipt["invoices"] if i["status"] == "rejected"]


def test_reject_share_is_seeded_by_the_session(server, dataset, today):
    lot = amo_lot(drawn_items(dataset, 20), dataset.establishment("chu"), 1, today)
    outcomes = []
    for _ in range(2):
        session = new_session(server, seed=SEED)
        add_behaviour(server, session, name="billing_reject:50", actor="amo-billing").raise_for_status()
        outcomes.append(rejected(BillingClient(server.url, session=session).send_lot("amo", lot)))
    assert outcomes[0] == outcomes[1]
    assert 0 < len(outcomes[0]) < 20


def test_the_draw_depends_on_the_seed_and_the_invoice():
    lot = SimpleNamespace(finess_geographique="750000022")
    invoice = SimpleNamespace(invoice_number=1, lines=[SimpleNamespace(line_number=n) for n in (1, 2, 3)])
    policy = BillingPolicy(reject_pct=50)
    picks = {seed: [bool(_seeded(SimpleNamespace(policy=policy, seed=seed, lot=lot),
                                 SIDES["amo"], SimpleNamespace(**{**invoice.__dict__, "invoice_number": n})))
                    for n in range(1, 40)] for seed in (1, 2)}
    assert picks[1] != picks[2]
    assert 5 < sum(picks[1]) < 35


def test_full_reject_with_its_reason_only_on_the_payer_aimed_at(server, session, billing, cases, today):
    add_behaviour(server, session, name="billing_reject:100:rights.closed", actor="amo-billing").raise_for_status()
    case = cases["amo-open"]
    receipt = billing.send_lot("amo", amo_lot([case_item(case, 1001)], case.establishment, 1, today))
    assert [(i["status"], i["rejections"][0]["key"]) for i in receipt["invoices"]] == [("rejected", "rights.closed")]
    assert "seeded" in receipt["invoices"][0]["rejections"][0]["detail"]


def test_partial_reject_pays_the_other_lines(server, session, billing, cases, today):
    add_behaviour(server, session, name="billing_partial_reject:100", actor="amo-billing").raise_for_status()
    case = cases["amo-open"]
    item = case_item(case, 1001)
    [invoice] = billing.send_lot("amo", amo_lot([item], case.establishment, 1, today))["invoices"]
    [reject] = invoice["rejections"]
    line = next(q for q in item.quote.lines if q.line_number == reject["line_number"])
    assert (invoice["status"], reject["key"]) == ("partial", "coverage.line_not_covered")
    assert invoice["paid_cents"] == invoice["billed_cents"] - line.amo_cents


def test_return_delay_follows_the_session_clock(server, session, billing, cases, today):
    add_behaviour(server, session, name="billing_return_delay:30d").raise_for_status()
    requests.put(f"{server.url}/_bench/sessions/{session}/clock", json={"date": "2026-12-01"}, timeout=5)
    case = cases["amo-open"]
    receipt = billing.send_lot("amo", amo_lot([case_item(case, 1001)], case.establishment, 1, today))
    assert receipt["returns_due"] == "2026-12-31"
    assert billing.returns("amo")["items"] == [] and len(billing.acks("amo")["items"]) == 1
    requests.put(f"{server.url}/_bench/sessions/{session}/clock", json={"date": "2026-12-31"}, timeout=5)
    [item] = billing.returns("amo")["items"]
    assert (item["due"], item["created"]) == ("2026-12-31", "2026-12-31")


def test_http_status_behaviour_refuses_the_lot_and_keeps_nothing(server, session, billing, cases, today):
    add_behaviour(server, session, name="http_503", actor="amo-billing", count=1).raise_for_status()
    case = cases["amo-open"]
    data = amo_lot([case_item(case, 1001)], case.establishment, 1, today)
    refused = requests.post(f"{server.url}/s/{session}/billing/amo/lots", data=data, timeout=5)
    assert refused.status_code == 503 and "unavailable" in refused.json()["error"]
    assert requests.get(f"{server.url}/s/{session}/billing/amo/lots/1", timeout=5).status_code == 404
    assert billing.send_lot("amo", data)["accepted"]  # sent again: nothing was claimed
    assert [e["outcome"] for e in journal(server, session, "amo-billing") if e["service"] == "lot"] == [
        "http_503", "ack:positive"]


@pytest.mark.parametrize("name", ["billing_reject:150", "billing_reject:10:no.such_key",
                                  "billing_return_delay:10"])
def test_bad_billing_behaviours_are_refused_by_the_control_api(server, session, name):
    response = add_behaviour(server, session, name=name)
    assert response.status_code == 400 and "error" in response.json()


def test_policy_folds_names_later_ones_winning():
    policy = policy_from(["latency:10ms", "billing_reject:5", "billing_return_delay:3d", "billing_reject:7.5"])
    assert policy == BillingPolicy(reject_pct=7.5, return_delay_days=3)
