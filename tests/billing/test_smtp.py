"""The SMTP intake with plain `smtplib` clients (with and without STARTTLS): ARLs and returns mailed back."""
from __future__ import annotations

import email
import smtplib
import ssl
import threading
import time
from email.message import EmailMessage

import pytest
import requests

from simulators.billing.ledger import Ledger
from simulators.billing.smtp import BillingSmtpServer, SmtpConfig, _Controller, lots_in, parse_address
from simulators.billing_files import ProblemCode, read_ack, read_returns
from simulators.pki import generate_pki
from simulators.runtime import Runtime
from simulators.settings import Settings
from simulators.store import Store

from .conftest import add_behaviour, amo_lot, case_item, journal

GAP = "facturation@chu.hospital.test"


class Mailbox:
    """The GAP's mail server: an aiosmtpd sink collecting what the bench sends."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.messages.append(email.message_from_bytes(envelope.original_content))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[email.message.Message]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def of(self, session: str, kind: str) -> list[bytes]:
        return [part.get_payload(decode=True) for message in self.messages
                if message["X-Bench-Session"] == session and message["X-Bench-Kind"] == kind
                for part in message.walk() if part.get_filename()]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return generate_pki(tmp_path_factory.mktemp("pki"), [])


@pytest.fixture(scope="module")
def mailbox():
    sink = Mailbox()
    controller = _Controller(sink, hostname="127.0.0.1", port=0)
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def runtime(server):
    return server.server.app.extensions["simphonie"]


@pytest.fixture(scope="module")
def smtp(runtime, mailbox, pki):
    config = SmtpConfig(tls=pki, relay=("127.0.0.1", mailbox[1]), sweep_seconds=0.05)
    with BillingSmtpServer(runtime, config) as server:
        yield server


@pytest.fixture
def lot(cases, today):
    case = cases["amo-open"]
    return amo_lot([case_item(case, 1001)], case.establishment, 3, today, case.record.organisme.code)


def message_with(lot: bytes, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = GAP, to, "lot B2"
    message.set_content("Lot B2 en pièce jointe.")
    message.add_attachment(lot, maintype="application", subtype="octet-stream", filename="B2-003.txt")
    return message


def test_lot_by_plain_smtp_gets_its_arl_and_its_return(smtp, mailbox, session, lot):
    sink = mailbox[0]
    already = len(sink.messages)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        refused = client.send_message(message_with(lot, smtp.address("amo", session)))
    assert refused == {}
    sink.wait_for(already + 2)
    [ack] = sink.of(session, "ack")
    [returned] = sink.of(session, "return")
    assert read_ack(ack).accepted and read_ack(ack).lot_number == 3
    [payment] = read_returns(returned).payments
    assert (payment.invoice_number, payment.paid_cents) == (1001, payment.billed_cents)
    to = {m["To"] for m in sink.messages if m["X-Bench-Session"] == session}
    assert to == {GAP}


def test_starttls_and_a_lot_in_the_body(smtp, mailbox, session, lot, pki, server):
    sink = mailbox[0]
    already = len(sink.messages)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(pki.ca_cert)))
        client.sendmail(GAP, [smtp.address("amo", session)], b"Subject: lot\r\n\r\n" + lot)
    sink.wait_for(already + 2)
    assert read_ack(sink.of(session, "ack")[0]).accepted
    [entry] = [e for e in journal(server, session, "amo-billing") if e["service"] == "lot"]
    assert (entry["meta"]["channel"], entry["meta"]["tls"], entry["meta"]["reply_to"]) == ("smtp", True, GAP)


def test_a_delayed_return_is_mailed_when_the_session_clock_reaches_it(smtp, mailbox, session, lot, server):
    sink = mailbox[0]
    add_behaviour(server, session, name="billing_return_delay:5d").raise_for_status()
    requests.put(f"{server.url}/_bench/sessions/{session}/clock", json={"date": "2026-12-01"}, timeout=5)
    already = len(sink.messages)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        client.send_message(message_with(lot, smtp.address("amo", session)))
    sink.wait_for(already + 1)
    assert len(sink.of(session, "ack")) == 1 and sink.of(session, "return") == []
    requests.put(f"{server.url}/_bench/sessions/{session}/clock", json={"date": "2026-12-06"}, timeout=5)
    sink.wait_for(already + 2)
    [returned] = sink.of(session, "return")
    assert read_returns(returned).created.isoformat() == "2026-12-06"


def test_a_broken_lot_by_smtp_gets_a_negative_arl(smtp, mailbox, session, lot):
    sink = mailbox[0]
    already = len(sink.messages)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        reply = client.send_message(message_with(lot[:-40], smtp.address("amo", session)))
    assert reply == {}
    sink.wait_for(already + 1)
    ack = read_ack(sink.of(session, "ack")[0])
    assert not ack.accepted and ProblemCode.TRUNCATED in {p.code for p in ack.problems}
    assert sink.of(session, "return") == []


def test_smtp_refusals(smtp, session, lot, server):
    with smtplib.SMTP(smtp.host, smtp.port, timeout=5) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
            client.sendmail(GAP, ["cpam@billing.simphonie.test"], b"Subject: x\r\n\r\nx")
        assert caught.value.recipients["cpam@billing.simphonie.test"][0] == 550
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail(GAP, [smtp.address("amo", session)], b"Subject: x\r\nContent-Type: multipart/mixed; "
                            b"boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n")
        assert caught.value.smtp_code == 554
        add_behaviour(server, session, name="http_503", actor="amo-billing", count=1).raise_for_status()
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.send_message(message_with(lot, smtp.address("amo", session)))
        assert caught.value.smtp_code == 451
        assert client.send_message(message_with(lot, smtp.address("amo", session))) == {}  # sent again later


def test_nothing_is_lost_when_the_gap_mail_server_is_down(tmp_path, mailbox, lot):
    """Its own state file: the module's SMTP server (whose sweeper would deliver) must not see these items."""
    settings = Settings(db_path=str(tmp_path / "state.sqlite"))
    runtime = Runtime(settings, Store(settings.db_path))
    with BillingSmtpServer(runtime, SmtpConfig(relay=("127.0.0.1", 9), sweep_seconds=0.05)) as down:
        with smtplib.SMTP(down.host, down.port, timeout=5) as client:
            client.send_message(message_with(lot, down.address("amo", "outage")))
        deadline = time.monotonic() + 5
        while not deliveries(runtime, "outage") and time.monotonic() < deadline:
            time.sleep(0.05)
    assert deliveries(runtime, "outage")[0].outcome == "failed"
    sink = mailbox[0]
    already = len(sink.messages)
    restarted = Runtime(settings, Store(settings.db_path))
    with BillingSmtpServer(restarted, SmtpConfig(relay=("127.0.0.1", mailbox[1]), sweep_seconds=3600)) as back:
        assert back.deliver_due() == 2  # the ARL and the return, kept in the outbox
    sink.wait_for(already + 2)
    assert read_ack(sink.of("outage", "ack")[0]).accepted and len(sink.of("outage", "return")) == 1
    assert [i["delivered"] for i in Ledger(restarted.store, "outage", "amo").outbox()] == [True, True]


def deliveries(runtime, session):
    return [entry for _, entry in runtime.store.journal(session) if entry.service == "delivery"]


def test_addresses_and_attachments():
    assert parse_address("amo@x.test").session == "default"
    assert (parse_address("AMC+ci-42@billing.simphonie.test").side, parse_address("amc+ci-42@b").session) == (
        "amc", "ci-42")
    assert parse_address("amo+bad/id@x").startswith("553")
    assert parse_address("noemie@x").startswith("550")
    two = EmailMessage()
    two.set_content("two lots")
    two.add_attachment(b"A\r\n", maintype="application", subtype="octet-stream", filename="a")
    two.add_attachment(b"B\r\n", maintype="text", subtype="plain", filename="b")
    assert lots_in(two.as_bytes()) == [b"A\r\n", b"B\r\n"]
