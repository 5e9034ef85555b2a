"""A real simulator (annuaire, AMC, amo actor with the billing intakes) on a free port; sessions; ROC and CDRi
clients; helpers building lots from stays priced through the real CLC."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.conftest import new_session, running_simulators
import requests

from simulators.amo.cases import amo_cases
from simulators.amo.client import CdriClient
from simulators.billing_files import BilledStay, b2_lot_from, dre_es_lot_from, write
from simulators.domain.pricing import quote
from simulators.gap.billing import ENTRY_NUMBER_LENGTH, BillingClient, PricedStay, price_through_roc
from simulators.gap.client import RocClient
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings

SEED = Settings().seed


@pytest.fixture(scope="session")
def dataset():
    return dataset_for_seed(SEED)


@pytest.fixture(scope="session")
def cases(dataset):
    return amo_cases(dataset)


@pytest.fixture(scope="session")
def today(dataset):
    """The day lots are created: after the persona stays' discharge, within their commitments' validity."""
    return dataset.reference_date + timedelta(days=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_simulators(tmp_path_factory, "billing", actors=("annuaire", "amc", "amo"),
                            max_body_bytes=65_536) as running:
        yield running


@pytest.fixture
def session(server):
    return new_session(server)


@pytest.fixture
def roc(server, session):
    with RocClient(f"{server.url}/s/{session}/annuaire", timeout=5) as client:
        yield client


@pytest.fixture
def cdri(server, session):
    with CdriClient(f"{server.url}/s/{session}/amo/cdri", timeout=5) as client:
        yield client


@pytest.fixture
def billing(server, session):
    return BillingClient(server.url, session=session)


# -- building lots ----------------------------------------------------------------------------------------------
def priced(roc, cdri, who) -> PricedStay:
    """A persona or an AMO case, priced through CDRi, the annuaire, IDB and CLC (a real commitment)."""
    attestation = who.contract.attestation if hasattr(who, "record") else who.attestation
    return price_through_roc(roc, cdri, who.beneficiary, attestation, who.establishment, who.stay, who.lines)


def billed(stay: PricedStay, invoice_number: int, **changes) -> BilledStay:
    entry = replace(stay.stay, venue_number=stay.stay.venue_number[-ENTRY_NUMBER_LENGTH:])
    item = BilledStay(stay.beneficiary, entry, stay.lines, stay.quote, invoice_number, stay.commitment_number,
                      stay.attestation)
    return replace(item, **changes) if changes else item


def amc_lot(items, establishment, lot_number: int, created: date) -> bytes:
    return write(dre_es_lot_from(items, establishment, lot_number, created=created))


def amo_lot(items, establishment, lot_number: int, created: date, recipient: str = "011751234") -> bytes:
    return write(b2_lot_from(items, establishment, lot_number, recipient=recipient, created=created))


def case_item(case, invoice_number: int, **stay_changes) -> BilledStay:
    """An AMO invoice for an AMO case (or persona), priced by the domain engine (no ROC call needed)."""
    stay = replace(case.stay, venue_number=case.stay.venue_number[-ENTRY_NUMBER_LENGTH:], **stay_changes)
    return BilledStay(case.beneficiary, stay, case.lines, quote(case.contract, case.stay, case.lines), invoice_number)


def journal(server, session, actor=None):
    entries = requests.get(f"{server.url}/_bench/sessions/{session}/journal", timeout=5).json()
    return [e for e in entries if actor is None or e["actor"] == actor]


def add_behaviour(server, session, **behaviour):
    return requests.post(f"{server.url}/_bench/sessions/{session}/behaviours", json=behaviour, timeout=5)
