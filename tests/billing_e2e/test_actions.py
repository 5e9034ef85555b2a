"""The `bill` action: its params, the books it keeps, and the SMTP channel with a plain smtplib client."""
from __future__ import annotations

import mailbox

import pytest

from conformance.billing_actions import (BillingActionError, BillRequest, InvoiceRecord, SmtpChannel, StayBook,
                                         _bench_base)
from simulators.gap.billing import Variant

from .conftest import stay


def test_params_are_checked_and_the_environment_names_the_variant():
    assert BillRequest.from_params({}, {}) == BillRequest()
    request = BillRequest.from_params({"cases": "amo-ald", "channel": "smtp"}, {"billing_variant": "wrong_lot_totals"})
    assert (request.cases, request.channel, request.billing_variant) == (("amo-ald",), "smtp",
                                                                         Variant.WRONG_LOT_TOTALS)
    assert BillRequest.from_params({"billing_variant": None}, {"billing_variant": "x"}).billing_variant is None
    for bad in ({"phase": "later"}, {"channel": "fax"}, {"first_lot_defect": "cancelled_commitment"},
                {"billing_variants": "x"}):
        with pytest.raises(BillingActionError):
            BillRequest.from_params(bad, {})
    with pytest.raises(ValueError):
        BillRequest.from_params({"billing_variant": "nonsense"}, {})


def test_bench_base_from_the_annuaire_url():
    assert _bench_base("http://127.0.0.1:8080/s/abc-1/annuaire") == "http://127.0.0.1:8080"
    assert _bench_base("https://bench.test/root/s/x/annuaire/") == "https://bench.test/root"


def test_smtp_needs_the_bundled_intake():
    with pytest.raises(BillingActionError, match="bundled SMTP intake"):
        SmtpChannel({}, "s", None)


def test_books_follow_each_invoice_to_the_cent(flows):
    [book] = flows["paid"].status["stays"]
    assert (book["amo"]["state"], book["amc"]["state"]) == ("paid", "paid")
    assert book["amo"]["paid_cents"] + book["amc"]["paid_cents"] + book["patient_owes"] == book["total_cents"]
    assert book["patient_owes"] == book["patient_cents"]
    [partial] = flows["partial"].status["stays"]
    reinvoiced = partial["amo"]["invoices"]
    assert [i["purpose"] for i in reinvoiced] == ["invoice", "reinvoice"]
    assert reinvoiced[1]["lines"] == [reinvoiced[0]["rejects"][0]["line"]] and reinvoiced[1]["number"] != 1001
    assert partial["amo"]["state"] == "paid" and partial["patient_owes"] == partial["patient_cents"]
    [final] = flows["final"].status["stays"]
    assert final["amc"]["state"] == "rejected"
    assert final["patient_owes"] == final["patient_cents"] + final["amc_cents"]
    [late] = flows["late"].status["stays"]
    assert (late["amo"]["state"], late["settled"], late["patient_owes"]) == ("pending", False, None)


def test_side_state_rules():
    book = StayBook.__new__(StayBook)
    book.parts = {"total_cents": 100, "amo_cents": 60, "amc_cents": 30, "patient_cents": 10}
    book.invoices = [InvoiceRecord("amc", 1, 1, "F", (1,), 30, "invoice", "http", state="refused"),
                     InvoiceRecord("amo", 1, 1, "F", (1,), 60, "invoice", "http", state="partial", paid_cents=40)]
    assert (book.side_state("amc"), book.side_state("amo")) == ("refused", "partial")
    book.invoices.append(InvoiceRecord("amc", 2, 2, "F", (1,), 30, "correction", "http", state="rejected",
                                       paid_cents=0))
    assert book.side_state("amc") == "rejected" and book.patient_owes == 10 + 20 + 30


def test_a_lot_by_plain_smtp_gets_its_arl_and_returns_in_the_gap_mailbox(flows, bench):
    smtp = flows["smtp"]
    assert smtp.status["state"] == "settled"
    assert {lot["channel"] for lot in smtp.status["lots"]} == {"smtp"}
    session = smtp.journal[0].session
    box = mailbox.Maildir(bench.environment["gap_maildir"], create=False)
    kinds = sorted(m["X-Bench-Kind"] + ":" + m["From"].split("+")[0] for m in box
                   if m["X-Bench-Session"] == session)
    assert kinds == ["ack:amc", "ack:amo", "return:amc", "return:amo"]


def test_a_late_smtp_return_is_read_when_the_clock_reaches_it(play):
    flow = play(stay()[:1] + [("behaviour", "billing_return_delay:5d")] + stay()[1:]
                + [("bill", {"channel": "smtp"}), ("clock", "2026-12-25"), ("bill", {"phase": "returns",
                                                                                     "channel": "smtp"})])
    first, second = [status for status in flow.statuses if status["action"] == "bill"]
    assert first["state"] == "pending" and second["state"] == "settled" and second["returns_fetched"] == 2


def test_an_unknown_amo_case_is_a_bench_error(play):
    with pytest.raises(BillingActionError, match="unknown AMO case"):
        play([("bill", {"cases": ["amo-nobody"]})])


def test_a_lot_the_intake_never_reads_leaves_that_side_unbilled(play):
    flow = play(stay()[:1] + [("behaviour", "http_503", {"actor": "amc-billing"})] + stay()[1:] + [("bill", {})])
    [book] = flow.status["stays"]
    assert [(i["state"], i["problems"]) for i in book["amc"]["invoices"]] == [("unsent", ["transport:HTTP 503"])]
    assert book["amc"]["state"] == "refused" and not book["settled"] and book["amo"]["state"] == "paid"
    assert flow.where("amc-billing", "lot", "http_503") and not flow.where("amc-billing", "lot", "ack:positive")
