"""Request bodies are checked against the very schemas of openapi.yaml, so the document and the code agree.

OpenAPI 3.1 schemas are JSON Schema 2020-12; jsonschema validates them. Two bench choices on top: an integer
is a JSON integer (1250.0 and true are refused: amounts are integer cents), and `format: date` is checked.
"""
from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import jsonschema
import yaml
from jsonschema import Draft202012Validator

from simulators.diapason.problems import field_problem

OPENAPI_FILE = "openapi.yaml"


@functools.lru_cache(maxsize=1)
def openapi_text() -> str:
    return resources.files("simulators.diapason").joinpath(OPENAPI_FILE).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    return yaml.safe_load(openapi_text())


def _strict_integer(checker: Any, instance: Any) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


_StrictValidator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@functools.lru_cache(maxsize=32)
def _validator(component: str) -> Any:
    document = openapi_document()
    if component not in document["components"]["schemas"]:
        raise KeyError(f"openapi.yaml has no schema {component!r}")
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return _StrictValidator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _field_of(error: jsonschema.ValidationError) -> list[str]:
    """The field names an error is about: the path, or the property a `required`/`additionalProperties` names."""
    path = ".".join(str(part) for part in error.absolute_path)
    prefix = f"{path}." if path else ""
    if error.validator == "required" and isinstance(error.instance, dict):
        return [prefix + name for name in error.validator_value if name not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [prefix + name for name in error.instance if name not in allowed]
    return [path or "(body)"]


def _detail(error: jsonschema.ValidationError, field: str) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a field of this request"
    if field.endswith("_cents") and error.validator in ("type", "minimum", "maximum"):
        return (f"must be an integer number of cents between {schema.get('minimum', 1)} and "
                f"{schema.get('maximum', 99999999)} (1250 = 12.50 EUR), received {error.instance!r}")
    if error.validator == "pattern":
        description = schema.get("description")
        return f"{error.instance!r} does not have the expected form" + (f" ({description})" if description else "")
    if error.validator == "format":
        return f"{error.instance!r} is not a {schema.get('format')} (YYYY-MM-DD)"
    return error.message


def field_errors(component: str, body: Any) -> list[dict[str, str]]:
    """Every problem of `body` against `components.schemas.<component>`, one entry per field, sorted."""
    found: dict[str, str] = {}
    for error in _validator(component).iter_errors(body):
        for field in _field_of(error):
            found.setdefault(field, _detail(error, field))
    return [{"field": field, "detail": detail} for field, detail in sorted(found.items())]


def check_body(component: str, body: Any) -> dict[str, Any]:
    """The body, or Problem request.invalid naming each bad field; defaults of the schema are filled in."""
    errors = field_errors(component, body)
    if errors:
        raise field_problem(errors)
    properties = openapi_document()["components"]["schemas"][component].get("properties", {})
    filled = dict(body)
    for name, spec in properties.items():
        if name not in filled and "default" in spec:
            filled[name] = spec["default"]
    return filled
