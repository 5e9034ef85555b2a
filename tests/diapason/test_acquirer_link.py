"""The provider debiting through the real acquirer simulator over TCP (ISO 8583), and the stand-in PAN."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from simulators.acquirer import AcquirerCore, AcquirerServer
from simulators.app import create_app
from simulators.diapason.acquirer_link import REFUND, stand_in_pan
from simulators.diapason.debitor import CardOnFile, SimulatedDebitor, DebitOrder
from simulators.journal import ListJournal
from simulators.masking import find_pans, luhn_valid
from simulators.settings import Settings

from .conftest import Api, problem

NOW = datetime(2026, 3, 5, 9, 0, 0, tzinfo=timezone.utc)


def test_stand_in_pan_keeps_bin_length_and_last_four():
    card = CardOnFile("tok_abcdefgh", "497010******0051", "2812")
    pan = stand_in_pan(card)
    assert (pan[:6], pan[-4:], len(pan)) == ("497010", "0051", 16) and luhn_valid(pan)
    assert stand_in_pan(card) == pan
    assert stand_in_pan(CardOnFile("tok_other_card", "497010******0051", "2812")) != pan
    short = stand_in_pan(CardOnFile("tok_abcdefgh", "497010***1234", "2812"))
    assert len(short) == 13 and luhn_valid(short)


def test_simulated_debitor_follows_the_acquirer_suffix_rules():
    def code(masked: str, amount: int = 1_000) -> str:
        order = DebitOrder("s", "dbt_1", CardOnFile("tok_12345678", masked, "2812"), amount, "750000010")
        return SimulatedDebitor().debit(order).response_code
    assert (code("497010******9435"), code("497010******0051"), code("497010******0041")) == ("00", "51", "41")
    assert code("497010******9435", 600_000) == "61"


@pytest.fixture
def acquirer():
    journal = ListJournal()
    core = AcquirerCore(journal=journal, clock=lambda: NOW)
    with AcquirerServer(core, "127.0.0.1", 0, idle_timeout=5) as server:
        server.core, server.journal = core, journal  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def linked(acquirer, tmp_path, openapi) -> Api:
    link = {"acquirer": f"127.0.0.1:{acquirer.port}", "acquirer_timeout": 0.5}
    app = create_app(Settings(db_path=str(tmp_path / "linked.sqlite"), actors=("diapason",), extra={"diapason": link}))
    return Api(app, openapi, "linked")


def test_debit_and_refund_through_the_acquirer(linked, acquirer):
    consent = linked.notified_and_due(4_250)
    debit = linked.debit(consent["id"], 4_250)
    assert debit.status_code == 201, debit.get_json()
    debit = debit.get_json()
    [sale] = acquirer.core.transactions()
    assert (sale.kind, sale.status, sale.amount, sale.masked_pan) == ("financial", "captured", 4_250, "497010******9435")
    assert debit["acquirer_reference"] == sale.id and debit["authorisation_code"] == sale.auth_id
    refund = linked.refund(debit["id"], 1_000)
    assert refund.status_code == 201 and refund.get_json()["status"] == "refunded"
    assert [t.amount for t in acquirer.core.transactions()] == [4_250, 1_000]
    messages = [entry.request for entry in acquirer.journal.entries]
    assert any(f"DE3={REFUND}" in message for message in messages)
    assert "DE22=010" in messages[0] and "DE42=750000010" in messages[0]
    assert not find_pans(json.dumps([entry.to_dict() for entry in acquirer.journal.entries]))


def test_acquirer_decline_reaches_the_gap(linked, acquirer):
    consent = linked.notified_and_due(1_000, masked_pan="497010******0051")
    response = linked.debit(consent["id"], 1_000)
    assert response.status_code == 402 and problem(response) == "debit.declined"
    assert (response.get_json()["response_code"], response.get_json()["consent_usable"]) == ("51", True)


def test_no_answer_is_reversed_and_reported_as_a_technical_failure(linked, acquirer):
    consent = linked.notified_and_due(1_000)
    acquirer.core.script("default", "no_response")
    response = linked.debit(consent["id"], 1_000, key="k1")
    assert response.status_code == 502 and problem(response) == "acquirer.unavailable"
    sale, reversal = acquirer.core.transactions()
    assert (sale.status, reversal.kind, reversal.parent) == ("reversed", "reversal", sale.id)
    assert linked.debit(consent["id"], 1_000, key="k2").status_code == 201  # the consent stays usable


def test_unreachable_acquirer_is_a_technical_failure(tmp_path, openapi):
    link = {"acquirer": "127.0.0.1:9", "acquirer_timeout": 0.5}  # discard port: nothing listens
    app = create_app(Settings(db_path=str(tmp_path / "down.sqlite"), actors=("diapason",), extra={"diapason": link}))
    api = Api(app, openapi, "down")
    consent = api.notified_and_due(1_000)
    response = api.debit(consent["id"], 1_000)
    assert problem(response) == "acquirer.unavailable" and response.get_json()["response_code"] == "XX"
