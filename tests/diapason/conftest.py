"""DIAPASON provider fixtures: an app on a fresh SQLite file, a scripted fake acquirer, and an API helper whose
every exchange is checked against openapi.yaml with openapi-core (requests too, unless a test sends a bad one).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.test import EnvironBuilder

from simulators.app import create_app
from simulators.diapason.debitor import APPROVED, DebitOrder, DebitResult, RefundOrder
from simulators.diapason.service import install_debitor
from simulators.settings import Settings

OPENAPI_FILE = Path(__file__).parents[2] / "simulators" / "diapason" / "openapi.yaml"
FINESS = "750000010"  # valid check digit
OTHER_FINESS = "130000011"
START = date(2026, 3, 2)


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    extra = {"application/problem+json": json.loads,  # RFC 9457 documents are JSON
             "application/yaml": lambda data, **parameters: data.decode("utf-8")}  # the document itself, as text
    return OpenAPI.from_file_path(str(OPENAPI_FILE), config=Config(extra_media_type_deserializers=extra))


@dataclass
class FakeDebitor:
    """Answers from a queue of DE39 codes (approve when empty) and remembers every order it got."""

    codes: list[str] = field(default_factory=list)
    orders: list[DebitOrder | RefundOrder] = field(default_factory=list)
    fail_with: Exception | None = None

    def _answer(self, order: DebitOrder | RefundOrder) -> DebitResult:
        self.orders.append(order)
        if self.fail_with is not None:
            raise self.fail_with
        code = self.codes.pop(0) if self.codes else APPROVED
        if code != APPROVED:
            return DebitResult(code, acquirer_reference=f"R{len(self.orders):011d}")
        return DebitResult(code, authorisation_code=f"{len(self.orders):06d}", acquirer_reference=f"R{len(self.orders):011d}")

    def debit(self, order: DebitOrder) -> DebitResult:
        return self._answer(order)

    def refund(self, order: RefundOrder) -> DebitResult:
        return self._answer(order)


def consent_body(**changes: Any) -> dict[str, Any]:
    body = {"token": "tok_Q2hhbmdlTWU-a1", "masked_pan": "497010******9435", "card_expiry": "2812",
            "ceiling_cents": 15_000, "expires_on": "2026-05-31", "finess": FINESS, "venue": "V2026-0001",
            "patient_ref": "IPP000123", "terminal_id": "TPE-DESK-1"}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


class Api:
    """The provider seen by a GAP: JSON calls in one test session, each exchange checked against the OpenAPI
    document (`valid=False` skips the request check for deliberately bad requests; responses are always checked)."""

    def __init__(self, app, openapi: OpenAPI, session: str) -> None:
        self.app = app
        self.client = app.test_client()
        self.openapi = openapi
        self.session = session
        self.client.post("/_bench/sessions", json={"id": session})
        self.set_date(START)

    def set_date(self, day: date) -> None:
        self.today = day
        assert self.client.put(f"/_bench/sessions/{self.session}/clock", json={"date": day.isoformat()}).status_code == 200

    def call(self, method: str, path: str, *, json: Any = None, data: str | bytes | None = None, key: str | None = None,
             headers: dict[str, str] | None = None, content_type: str | None = None, valid: bool = True):
        all_headers = {"X-Bench-Session": self.session, **(headers or {})}
        if key is not None:
            all_headers["Idempotency-Key"] = key
        kwargs: dict[str, Any] = {"method": method, "path": path, "headers": all_headers}
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = content_type or "application/json"
        response = self.client.open(EnvironBuilder(**kwargs))
        request = WerkzeugOpenAPIRequest(EnvironBuilder(**kwargs).get_request())
        if valid:
            self.openapi.validate_request(request)
        try:
            self.openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
        except (PathNotFound, OperationNotFound):  # an undocumented route: the provider must say so
            assert response.status_code in (404, 405), response.get_data(as_text=True)
        return response

    # -- the flow a GAP follows ----------------------------------------------------------------------------
    def create_consent(self, **changes: Any):
        return self.call("POST", "/diapason/v1/consents", json=consent_body(**changes))

    def consent(self, **changes: Any) -> dict[str, Any]:
        response = self.create_consent(**changes)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def notify(self, consent_id: str, amount: int, **extra: Any):
        return self.call("POST", f"/diapason/v1/consents/{consent_id}/notifications",
                         json={"amount_cents": amount, **extra})

    def debit(self, consent_id: str, amount: int, *, key: str = "debit-1", invoice: str = "FAC-1", **kw: Any):
        return self.call("POST", f"/diapason/v1/consents/{consent_id}/debits", key=key,
                         json={"amount_cents": amount, "invoice_ref": invoice}, **kw)

    def refund(self, debit_id: str, amount: int, *, key: str = "refund-1", **kw: Any):
        return self.call("POST", f"/diapason/v1/debits/{debit_id}/refunds", key=key, json={"amount_cents": amount},
                         **kw)

    def get(self, path: str):
        return self.call("GET", path)

    def notified_and_due(self, amount: int = 4_250, **changes: Any) -> dict[str, Any]:
        """A consent notified of `amount` with the lead time elapsed: the next debit is allowed."""
        consent = self.consent(**changes)
        assert self.notify(consent["id"], amount).status_code == 201
        self.set_date(self.today + timedelta(days=3))
        return consent


@pytest.fixture
def debitor() -> FakeDebitor:
    return FakeDebitor()


@pytest.fixture
def app(tmp_path, debitor):
    app = create_app(Settings(db_path=str(tmp_path / "state.sqlite"), actors=("diapason",)))
    install_debitor(app, debitor)
    return app


@pytest.fixture
def api(app, openapi) -> Api:
    return Api(app, openapi, "gap-a")


def problem(response) -> str:
    """The problem code of an error answer, after checking it is a problem document."""
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == response.status_code and body["type"].endswith(body["code"])
    return body["code"]
