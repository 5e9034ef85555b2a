"""The OpenAPI document is valid, served, and describes exactly the routes the blueprint has; the problem
catalogue is complete. (Every exchange of the other tests is validated against it by the `Api` helper.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.validation.response.exceptions import InvalidData
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from simulators.diapason.problems import PROBLEMS

from .conftest import OPENAPI_FILE

SOURCES = Path(__file__).parents[2] / "simulators" / "diapason"
DOCS = Path(__file__).parents[2] / "docs" / "diapason.md"


def test_document_is_valid_openapi():
    validate(yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8")))


def test_document_is_served(api):
    response = api.get("/diapason/v1/openapi.yaml")
    assert response.mimetype == "application/yaml"
    assert response.get_data(as_text=True) == OPENAPI_FILE.read_text(encoding="utf-8")


def _flask_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("diapason.") and rule.endpoint != "diapason.unknown_route":
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_every_route_is_documented_and_every_documented_route_exists(app):
    document = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    assert _flask_routes(app) == documented


def test_the_validator_catches_an_answer_that_breaks_the_document(openapi):
    request = WerkzeugOpenAPIRequest(EnvironBuilder(method="GET", path="/diapason/v1/debits/dbt_1").get_request())
    wrong = Response('{"id": "dbt_1", "status": "paid"}', status=200, content_type="application/json")
    with pytest.raises(InvalidData):
        openapi.validate_response(request, WerkzeugOpenAPIResponse(wrong))


def test_every_problem_code_raised_is_in_the_catalogue():
    raised = set()
    for source in SOURCES.glob("*.py"):
        raised |= set(re.findall(r'Problem\(\s*"([a-z_.]+)"', source.read_text(encoding="utf-8")))
    assert raised and raised <= set(PROBLEMS)


def test_problem_catalogue_is_served_and_documented(api):
    served = api.get("/diapason/v1/problems").get_json()
    assert [kind["code"] for kind in served] == list(PROBLEMS)
    assert api.get("/diapason/v1/problems/debit.above_ceiling").get_json()["status"] == 422
    assert api.call("GET", "/diapason/v1/problems/nope").status_code == 404
    docs = DOCS.read_text(encoding="utf-8")
    assert [code for code in PROBLEMS if f"`{code}`" not in docs] == []
