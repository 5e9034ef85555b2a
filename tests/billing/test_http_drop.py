"""The HTTP drop: ARL in the answer, returns fetched with `since`, bad files pinpointed, nothing accepted lost."""
from __future__ import annotations

import pytest
import requests

from simulators.billing_files import (ProblemCode, read_ack, read_returns, get_profile, patch_field, resign)

from .conftest import amo_lot, case_item, journal, new_session


@pytest.fixture
def good_lot(cases, today):
    case = cases["amo-open"]
    return amo_lot([case_item(case, 1001)], case.establishment, 7, today, case.record.organisme.code)


def test_positive_arl_then_return(billing, good_lot, cases):
    receipt = billing.send_lot("amo", good_lot)
    ack = read_ack(receipt["ack"].encode())
    assert (receipt["accepted"], ack.accepted, ack.lot_number, ack.problems) == (True, True, 7, ())
    assert ack.sender == cases["amo-open"].record.organisme.code
    feed = billing.returns("amo")
    [item] = feed["items"]
    returned = read_returns(item["data"].encode())
    [payment] = returned.payments
    assert (payment.lot_number, payment.invoice_number, payment.paid_cents) == (7, 1001, payment.billed_cents)
    assert payment.billed_cents == sum(line.amo_cents for line in case_item(cases["amo-open"], 1001).quote.lines)
    assert returned.totals.paid_cents == payment.paid_cents and returned.profile == "bench-noemie-1"
    assert billing.returns("amo", feed["next"])["items"] == []
    assert [item["kind"] for item in billing.acks("amo")["items"]] == ["ack"]


def _damage(data: bytes, how: str) -> bytes:
    records = data.split(b"\r\n")
    if how == "truncated":
        return data[:-60]
    if how == "short_record":
        records[1] = records[1][:-1]
        return resign(b"\r\n".join(records))
    if how == "unknown_type":
        return patch_field(data, 3, "record_type", raw="7  ")
    if how == "non_ascii":
        records[1] = records[1][:60] + "É".encode() + records[1][62:]
        return b"\r\n".join(records)
    if how == "empty":
        return b""
    raise AssertionError(how)


@pytest.mark.parametrize("how, code, record, field", [
    ("truncated", ProblemCode.TRUNCATED, None, None),
    ("short_record", ProblemCode.RECORD_LENGTH, 2, None),
    ("unknown_type", ProblemCode.UNKNOWN_RECORD_TYPE, 3, "record_type"),
    ("non_ascii", ProblemCode.NON_ASCII, 2, "last_name"),
    ("empty", ProblemCode.EMPTY, None, None),
])
def test_bad_files_get_a_negative_arl_naming_record_and_field(billing, good_lot, how, code, record, field):
    receipt = billing.send_lot("amo", _damage(good_lot, how))
    ack = read_ack(receipt["ack"].encode())
    assert not receipt["accepted"] and not ack.accepted
    found = [p for p in ack.problems if p.code is code]
    assert found, ack.problems
    if record is not None:
        assert found[0].record_number == record
    if field is not None:
        assert found[0].field == field
    if how == "non_ascii":
        assert found[0].position == 61
    assert billing.returns("amo")["items"] == []
    assert billing.send_lot("amo", good_lot)["accepted"]  # the broken lot claimed nothing


def test_another_norm_sent_to_the_amo(billing, good_lot):
    dre_es_header = patch_field(good_lot, 1, "profile_id", raw="BENCH-DRE-ES-1")
    receipt = billing.send_lot("amo", dre_es_header)
    assert [(p["code"], p["record_number"], p["field"]) for p in receipt["problems"]] == [
        ("file.wrong_profile", 1, "profile_id")]


def test_lot_sent_twice_gets_a_negative_arl_and_the_first_stays(billing, good_lot):
    first = billing.send_lot("amo", good_lot)
    before = billing.returns("amo")["items"]
    second = billing.send_lot("amo", good_lot)
    header = get_profile("bench-b2-1").header
    [problem] = read_ack(second["ack"].encode()).problems
    assert (problem.code, problem.record_number, problem.record_type, problem.field, problem.position) == (
        ProblemCode.DUPLICATE_LOT, 1, header.code, "lot_number", header.field("lot_number").start)
    assert second["lot"] != first["lot"] and second["invoices"] == []
    assert billing.returns("amo")["items"] == before


def test_limits_and_errors_are_json(server, session, billing):
    url = f"{server.url}/s/{session}/billing"
    too_large = requests.post(f"{url}/amo/lots", data=b"0" * 70_000, timeout=5)
    assert too_large.status_code == 413 and "error" in too_large.json()
    unknown = requests.post(f"{url}/cpam/lots", data=b"x", timeout=5)
    assert unknown.status_code == 404 and "amo, amc" in unknown.json()["error"]
    assert requests.get(f"{url}/amo/returns?since=abc", timeout=5).status_code == 400
    assert requests.get(f"{url}/amo/lots/999", timeout=5).status_code == 404


def test_sessions_do_not_see_each_other(server, billing, good_lot):
    from simulators.gap.billing import BillingClient

    assert billing.send_lot("amo", good_lot)["accepted"]
    other = BillingClient(server.url, session=new_session(server))
    assert other.returns("amo")["items"] == []
    assert other.send_lot("amo", good_lot)["accepted"]  # same lot number, other session


def test_journal_says_what_happened(server, session, billing, good_lot):
    billing.send_lot("amo", good_lot)
    billing.send_lot("amo", good_lot)
    billing.returns("amo")
    entries = [(e["service"], e["outcome"]) for e in journal(server, session, "amo-billing")]
    assert entries == [("lot", "ack:positive"), ("invoice", "paid"), ("return", "queued"),
                       ("lot", "ack:negative"), ("fetch", "ok")]
    lot = journal(server, session, "amo-billing")[3]
    assert lot["meta"]["problems"] == ["lot.duplicate"] and lot["meta"]["duplicate_of"] == "1"
    recorded = requests.get(f"{server.url}/s/{session}/billing/amo/lots/1", timeout=5).json()
    assert recorded["data"].encode("latin-1") == good_lot and recorded["accepted"]
