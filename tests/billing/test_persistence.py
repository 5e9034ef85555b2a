"""Lots, ARLs, returns, claims and commitments live in the store: a restarted server keeps every one."""
from __future__ import annotations

import requests

from simulators.app import create_app
from simulators.billing_files import ProblemCode, read_ack
from simulators.gap.billing import BillingClient
from simulators.gap.client import RocClient
from simulators.amo.client import CdriClient
from simulators.server import serve_in_thread
from simulators.settings import Settings

from .conftest import amc_lot, amo_lot, billed, case_item, priced


def test_restart_keeps_lots_returns_and_duplicate_detection(tmp_path, dataset, cases, today):
    settings = Settings(db_path=str(tmp_path / "state.sqlite"), actors=("annuaire", "amc", "amo"))
    case = cases["amo-open"]
    b2 = amo_lot([case_item(case, 1001)], case.establishment, 1, today, case.record.organisme.code)
    with serve_in_thread(create_app(settings)) as first:
        requests.post(f"{first.url}/_bench/sessions", json={"id": "restart"}, timeout=5).raise_for_status()
        with RocClient(f"{first.url}/s/restart/annuaire", timeout=5) as roc, \
                CdriClient(f"{first.url}/s/restart/amo/cdri", timeout=5) as cdri:
            stay = priced(roc, cdri, dataset.persona("rights-open"))
        client = BillingClient(first.url, session="restart")
        assert client.send_lot("amo", b2)["accepted"]
        assert client.send_lot("amc", amc_lot([billed(stay, 1001)], stay.establishment, 1, today))["accepted"]
        before = {side: client.returns(side)["items"] for side in ("amo", "amc")}
    with serve_in_thread(create_app(settings)) as second:
        client = BillingClient(second.url, session="restart")
        assert {side: client.returns(side)["items"] for side in ("amo", "amc")} == before
        assert len(client.acks("amo")["items"]) == 1
        again = client.send_lot("amo", b2)
        assert [p.code for p in read_ack(again["ack"].encode()).problems] == [ProblemCode.DUPLICATE_LOT]
        reinvoiced = client.send_lot("amc", amc_lot([billed(stay, 1002)], stay.establishment, 2, today))
        assert reinvoiced["invoices"][0]["rejections"][0]["key"] == "commitment.already_invoiced"
        lot = requests.get(f"{second.url}/s/restart/billing/amo/lots/1", timeout=5).json()
        assert lot["data"].encode("latin-1") == b2 and lot["invoices"][0]["status"] == "paid"
        services = [e["service"] for e in requests.get(f"{second.url}/_bench/sessions/restart/journal",
                                                       timeout=5).json() if e["actor"] == "amo-billing"]
        assert services[:3] == ["lot", "invoice", "return"]
