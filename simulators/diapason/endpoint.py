"""The one path every DIAPASON call takes: session → behaviours → body checks → handler → answer → journal.

Handlers return an `Answer` or raise `Problem`; everything else (problem documents, PAN refusal, body
parsing, session behaviours, the journal entry, never a traceback) is done here once.
"""
from __future__ import annotations

import functools
import json
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from simulators import clock
from simulators.behaviours import Effect
from simulators.diapason.problems import PROBLEMS, Problem
from simulators.masking import find_pans, mask_pan, mask_text
from simulators.runtime import runtime

ACTOR = "diapason"
PROBLEM_TYPE = "application/problem+json"

# Keys whose values must never be stored or logged (PCI DSS sensitive authentication data).
SENSITIVE_KEYS = frozenset({"cvv", "cvv2", "cvc", "cvc2", "cvx2", "csc", "pin", "pin_block", "pinblock",
                            "track1", "track2", "track_1", "track_2", "track_data"})
_SENSITIVE_VALUE = re.compile(r'("(?:' + "|".join(sorted(SENSITIVE_KEYS)) + r')"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)',
                              re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class CallState:
    """What the journal says about the call, filled as it goes."""

    operation: str
    meta: dict[str, Any] = field(default_factory=dict)


def redact(text: str) -> str:
    """Journal text: sensitive card fields withheld (PANs are masked by the journal itself)."""
    return _SENSITIVE_VALUE.sub(lambda m: m.group(1) + '"[withheld]"', text)


def _sensitive_keys(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        found = [f"{path}{key}" for key in value if str(key).lower() in SENSITIVE_KEYS]
        for key, item in value.items():
            found += _sensitive_keys(item, f"{path}{key}.")
        return found
    if isinstance(value, list):
        return [hit for index, item in enumerate(value) for hit in _sensitive_keys(item, f"{path}{index}.")]
    return []


def _refuse_card_numbers(text: str, where: str) -> None:
    pans = find_pans(text)
    if pans:
        raise Problem("pan.forbidden", f"{where} holds a full card number ({mask_pan(pans[0])}); send the "
                                       f"terminal's token and the masked PAN only. Nothing was stored")


def raw_body() -> bytes:
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        raise Problem("request.too_large", f"the body is above the limit of {limit} bytes") from None


def _refuse_card_numbers_anywhere() -> None:
    """No full card number in the URL, the Idempotency-Key or the body (even malformed), whatever the route."""
    _refuse_card_numbers(request.full_path, "the URL")
    _refuse_card_numbers(request.headers.get("Idempotency-Key", ""), "the Idempotency-Key header")
    _refuse_card_numbers(raw_body().decode("utf-8", errors="replace"), "the body")


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, after the sensitive-field check; {} for an empty optional body."""
    data = raw_body()
    text = data.decode("utf-8", errors="replace")
    if not data.strip():
        if optional:
            return {}
        raise Problem("request.malformed_json", "the body is empty; expected a JSON object")
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem("request.media_type", f"expected Content-Type application/json, received "
                                            f"{request.mimetype or 'none'}")
    try:
        body = json.loads(text)
    except ValueError as error:
        raise Problem("request.malformed_json", f"the body is not valid JSON: {error}") from None
    hits = _sensitive_keys(body)
    if hits:
        raise Problem("card_data.forbidden", f"field {hits[0]} carries sensitive card data (CVV, PIN or track); "
                                             f"it must never leave the terminal. Nothing was stored")
    if not isinstance(body, dict):
        raise Problem("request.malformed_json", f"the body must be a JSON object, received {type(body).__name__}")
    return body


def idempotency_key(*, required: bool) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None or key == "":
        if required:
            raise Problem("idempotency.key_missing", "this operation needs an Idempotency-Key header "
                                                     "(one value per intended operation, reused on retries)")
        return None
    if len(key) > 128 or not all(33 <= ord(c) <= 126 for c in key):
        raise Problem("request.invalid", "Idempotency-Key: expected 1 to 128 printable ASCII characters",
                      errors=[{"field": "Idempotency-Key", "detail": "expected 1 to 128 printable ASCII characters"}])
    return key


def client_finess() -> str | None:
    return request.environ.get("simphonie.client_finess")


def authorise(finess: str) -> None:
    """Under TLS, the client certificate must speak for the establishment the record belongs to."""
    if not request.environ.get("simphonie.tls"):
        return
    client = client_finess()
    if client != finess:
        shown = f"FINESS {client}" if client else "no FINESS"
        raise Problem("finess.not_authorised", f"the client certificate speaks for {shown}, "
                                               f"the record belongs to FINESS {finess}")


# -- behaviours -----------------------------------------------------------------------------------------------
def _reset_connection() -> None:
    """Drop the client's TCP connection with an RST (SO_LINGER 0)."""
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        except OSError:
            pass


def _before(effect: Effect) -> None:
    """Apply a session behaviour before the handler runs: delays, then the first short-circuit."""
    if effect.delay_seconds:
        time.sleep(effect.delay_seconds)
    if effect.hang:
        time.sleep(runtime().settings.timeout_behaviour_seconds)
        raise Problem("service.timeout", "the session's timeout behaviour held this request")
    if effect.connection_reset:
        _reset_connection()
        raise Problem("service.unavailable", "connection reset (connection_reset behaviour)")
    if effect.http_status:
        raise Problem("service.unavailable", f"HTTP {effect.http_status} injected by the session's "
                                             f"http_{effect.http_status} behaviour", status=effect.http_status)
    if effect.fault_key in PROBLEMS:
        raise Problem(effect.fault_key, f"{effect.fault_key} injected by a session behaviour")


# -- the flow -------------------------------------------------------------------------------------------------
def problem_answer(problem: Problem) -> Answer:
    instance = mask_text(request.script_root + request.path)  # the path may be what held a card number
    return Answer(problem.status, problem.to_dict(instance), content_type=PROBLEM_TYPE)


def _response(answer: Answer) -> Response:
    if isinstance(answer.body, (dict, list)):
        payload = json.dumps(answer.body, sort_keys=True, ensure_ascii=False)
    else:
        payload = str(answer.body)
    return Response(payload, status=answer.status, headers=answer.headers, content_type=answer.content_type)


def _request_text() -> str:
    key = request.headers.get("Idempotency-Key")
    head = f"{request.method} {request.script_root}{request.full_path.rstrip('?')}"
    if key:
        head += f"\nIdempotency-Key: {key}"
    body = request.get_data(cache=True) if not _body_too_large() else b"(body above the size limit)"
    return redact(head + ("\n\n" + body.decode("utf-8", errors="replace") if body else ""))


def _body_too_large() -> bool:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return bool(limit and request.content_length and request.content_length > limit)


def api(operation: str, *, targets: tuple[str, ...] = ()) -> Callable[[Callable[..., Answer]], Callable[..., Response]]:
    """Wrap a handler: `operation` names it in the journal and for behaviours; `targets` are the path
    parameters a behaviour may target (consent or debit ids)."""

    def wrap(handler: Callable[..., Answer]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def view(**params: str) -> Response:
            rt = runtime()
            started = clock.timestamp()
            session = rt.current_session()
            state = CallState(operation)
            malformed = False
            try:
                effect = rt.effect_for(session, ACTOR, operation, tuple(params[name] for name in targets))
                _before(effect)
                malformed = effect.malformed_answer
                _refuse_card_numbers_anywhere()
                answer = handler(state, **params)
            except Problem as problem:
                answer = problem_answer(problem)
            except HTTPException as error:  # e.g. 413 raised by werkzeug while reading the body
                answer = problem_answer(_http_problem(error))
            except Exception:  # noqa: BLE001 - a bench bug: logged for us, a problem document for the client
                current_app.logger.exception("DIAPASON %s failed", operation)
                answer = problem_answer(Problem("service.internal_error", f"the bench failed on {operation}; "
                                                                          f"see the server log"))
            response = _response(answer)
            if malformed and answer.status < 400:
                response.set_data(response.get_data()[: max(len(response.get_data()) // 2, 1)])
                state.meta["behaviour"] = "malformed_answer"
            body = answer.body if isinstance(answer.body, dict) else {}
            outcome = "ok" if answer.status < 400 else f"problem:{body.get('code', answer.status)}"
            rt.journal(session=session, actor=ACTOR, service=operation, started=started,
                       request_text=_request_text(), response_text=f"{answer.status}\n{response.get_data(as_text=True)}",
                       outcome=outcome, meta=_masked({"http_status": answer.status, **params, **state.meta}))
            return response
        return view
    return wrap


def _masked(meta: dict[str, Any]) -> dict[str, Any]:
    """The journal masks request and answer texts; meta values (path ids, keys) get the same treatment."""
    return {key: mask_text(value) if isinstance(value, str) else value for key, value in meta.items()}


def _http_problem(error: HTTPException) -> Problem:
    if isinstance(error, RequestEntityTooLarge):
        return Problem("request.too_large", "the body is above the size limit")
    if error.code == 405:
        return Problem("request.method_not_allowed", error.description or "method not allowed")
    if error.code == 404:
        return Problem("request.unknown_route", error.description or "no such endpoint")
    return Problem("request.invalid", f"HTTP {error.code}: {error.description}", status=error.code or 400)
