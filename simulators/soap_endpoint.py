"""The one path every SOAP request takes: request → parse → validate → rule → answer → journal.

Actors (AMC, annuaire, CDRi) only supply operation handlers; size limits, hardened parsing, schema
validation with element paths, replay detection, idempotent retries, FINESS/mTLS checks, behaviours
(latency, faults, resets) and the journal are done here, once.
"""
from __future__ import annotations

import hashlib
import logging
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any, Callable

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from simulators import clock
from simulators.behaviours import Effect, combine, parse_behaviour
from simulators.runtime import Runtime, runtime

# HTTP status of a fault, by who is at fault: the SOAP 1.2 HTTP binding (Sender → 400, Receiver → 500)
# applied to both versions, with the usual refinements. Business refusals are Sender faults: never a 500.
_STATUS_BY_KEY = {"request.too_large": 413, "service.unavailable": 503, "service.internal_error": 500}


class Refusal(Exception):
    """A rule refused the request; `key` is an error key of the catalogue (docs/error-keys.md)."""

    def __init__(self, key: str, detail: str | None = None, *, schema_path: str | None = None) -> None:
        super().__init__(detail or key)
        self.key = key
        self.detail = detail
        self.schema_path = schema_path


@dataclass(frozen=True)
class SoapCall:
    """One decoded request, as handlers see it."""

    runtime: Runtime
    session: str
    actor: str
    service: str
    operation: str
    message: Any
    client_finess: str | None
    path_params: dict[str, str]

    @property
    def base_url(self) -> str:
        """Where this app is reached, session prefix included (for the endpoints the annuaire advertises).
        Computed on demand: only the annuaire needs it, and building it costs on every request."""
        return request.url_root.rstrip("/")


Handler = Callable[[SoapCall], Any]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _reset_connection() -> None:
    """Drop the client's TCP connection with an RST (SO_LINGER 0), as a crashing AMC would."""
    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)  # the server's own close then sends the RST
        except OSError:
            pass


def _hold(seconds: float) -> bool:
    """Hold the request up to `seconds`; True as soon as the client closes its side (it timed out), which
    also frees this server thread early. TLS sockets cannot be peeked: they are held the whole time."""
    import select

    sock = request.environ.get("werkzeug.socket") or request.environ.get("gunicorn.socket")
    deadline = clock.monotonic() + seconds
    if sock is None or hasattr(sock, "cipher"):
        time.sleep(seconds)
        return False
    poller = select.poll()  # not select(): it fails on descriptors above 1024
    try:
        poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
    except (OSError, ValueError):
        time.sleep(seconds)
        return False
    while (left := deadline - clock.monotonic()) > 0:
        events = poller.poll(min(left, 0.05) * 1000)
        if not events:
            continue
        try:
            if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                return True
        except BlockingIOError:
            pass
        except OSError:
            return True
        time.sleep(min(left, 0.05))  # pipelined bytes, not a close: keep holding
    return False


class SoapEndpoint:
    """A SOAP service of one actor, as a Flask view. `targets(message)` names what behaviours can target
    (NIR, numéro AMC); `contact(call)` gives the AMC contact that turns `<Erreur>` into `<Erreur2>`."""

    def __init__(self, actor: str, service: str, operations: dict[str, Handler], *,
                 targets: Callable[[Any], tuple[str, ...]] = lambda message: (),
                 contact: Callable[[SoapCall | None, dict[str, str]], Any] | None = None,
                 finess_of: Callable[[Any], tuple[str, ...]] = lambda message: (),
                 standing_behaviours: bool = False, profile: str | None = None) -> None:
        self.actor = actor
        self.service = service
        self.operations = operations
        self.targets = targets
        self.contact = contact
        self.finess_of = finess_of
        self.standing_behaviours = standing_behaviours  # personas' behaviours (slow AMC...) apply here
        self.profile_name = profile  # None: the app's profile (settings.profile); CDRi names its own

    def profile(self):
        from simulators.profiles import load_profile

        return load_profile(self.profile_name) if self.profile_name else runtime().profile

    # -- helpers ------------------------------------------------------------------------------------
    def _fault(self, version: str, key: str, detail: str | None, *, contact: Any = None,
               schema_path: str | None = None) -> Response:
        from simulators.soap import fault

        profile = self.profile()
        error = profile.errors.by_key(key)
        body = fault(version, error, contact=contact, detail_text=detail, schema_path=schema_path, profile=profile)
        return self._xml_response(body, version, _STATUS_BY_KEY.get(key, 400))

    @staticmethod
    def _xml_response(body: bytes, version: str, status: int = 200) -> Response:
        content_type = "application/soap+xml; charset=utf-8" if version == "1.2" else "text/xml; charset=utf-8"
        return Response(body, status=status, content_type=content_type)

    def wsdl(self) -> Response:
        location = request.base_url
        return Response(self.profile().wsdl(self.service, location), content_type="text/xml; charset=utf-8")

    # -- the flow -----------------------------------------------------------------------------------
    def __call__(self, **path_params: str) -> Response:
        if request.method == "GET":
            if "wsdl" in {key.lower() for key in request.args}:
                return self.wsdl()
            return Response(f"{self.service}: POST a SOAP 1.1 or 1.2 request, or GET ?wsdl\n", status=405,
                            content_type="text/plain; charset=utf-8", headers={"Allow": "GET, POST"})
        rt = runtime()
        started = clock.timestamp()
        session = rt.current_session()
        version = "1.2" if "application/soap+xml" in (request.content_type or "") else "1.1"
        raw = b""
        state: dict[str, Any] = {"operation": self.service, "validation": (), "outcome": "ok", "meta": {}}

        def finish(response: Response) -> Response:
            rt.journal(session=session, actor=self.actor, service=state["operation"], started=started,
                       request_text=raw.decode("utf-8", "replace"),
                       response_text=response.get_data().decode("utf-8", "replace"),
                       outcome=state["outcome"], validation=tuple(state["validation"]),
                       meta={"http_status": response.status_code, "soap_version": str(getattr(version, "value", version)),
                             "path": request.path, **state["meta"]})
            return response

        def refuse(key: str, detail: str | None, **kwargs: Any) -> Response:
            state["outcome"] = f"fault:{key}"
            return finish(self._fault(version, key, detail, **kwargs))

        limit = rt.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            return refuse("request.too_large", f"body of {request.content_length} bytes exceeds the limit of {limit}")
        try:
            raw = request.get_data(cache=False)
        except RequestEntityTooLarge:
            return refuse("request.too_large", f"body exceeds the limit of {limit} bytes")

        from simulators.roc.messages import decode
        from simulators.soap import parse_envelope
        from simulators.xml import XmlRejected

        try:
            envelope = parse_envelope(raw, request.content_type, max_bytes=limit,
                                      max_depth=rt.settings.max_xml_depth)
        except XmlRejected as exc:
            state["validation"] = (str(exc),)
            return refuse(exc.key, str(exc))
        version = envelope.version
        profile = self.profile()
        problems = profile.validate(envelope.body)
        if problems:
            explained = profile.explain(envelope.body) or problems
            state["validation"] = tuple(f"{p.path}: {p.reason}" for p in explained)
            first = explained[0]
            return refuse("request.schema_invalid", f"{first.path}: {first.reason}", schema_path=first.path)
        operation = profile.operation_for(envelope.body)
        state["operation"] = operation
        handler = self.operations.get(operation)
        if handler is None:
            return refuse("request.unsupported_operation",
                          f"{operation} is not an operation of the {self.service} endpoint; "
                          f"expected {', '.join(sorted(self.operations))}")
        try:
            message = decode(envelope.body, profile)
        except Exception as exc:  # noqa: BLE001 - a decoder error on a schema-valid message is the request's fault
            return refuse(getattr(exc, "key", "request.schema_invalid"), str(exc))

        call = SoapCall(rt, session, self.actor, self.service, operation, message,
                        request.environ.get("simphonie.client_finess"), path_params)
        header = getattr(message, "header", None)
        exchange_id = getattr(header, "exchange_id", None)
        state["meta"]["exchange_id"] = exchange_id

        if header is not None:
            from simulators.domain.identifiers import Finess, InvalidIdentifier

            for value in (header.finess_juridique, header.finess_geographique):
                try:
                    Finess.parse(str(value))
                except InvalidIdentifier as exc:
                    return refuse("finess.invalid", str(exc))

        # FINESS of the client certificate must be the one the request speaks for.
        if request.environ.get("simphonie.tls"):
            claimed = self.finess_of(message)
            if call.client_finess is None or (claimed and call.client_finess not in claimed):
                return refuse("finess.not_authorised",
                              f"client certificate is for FINESS {call.client_finess}, request speaks for "
                              f"{', '.join(claimed) or 'no FINESS'}")

        effect = self._effect(rt, session, operation, message)
        response = self._apply_before(effect, refuse, finish, state)
        if response is not None:
            return response

        # Replays: the same exchange id with another content is refused; the same content gets the same answer.
        digest = _digest(envelope.body_bytes)
        if exchange_id:
            previous = rt.store.remember_exchange(session, exchange_id, digest)
            if previous is not None and previous != digest:
                return refuse("request.replayed_exchange",
                              f"exchange id {exchange_id} was already used for another request")
            if previous == digest:
                cached = rt.store.document(session, "answer", exchange_id)
                if cached is not None:
                    state["outcome"] = cached.get("outcome", "ok")
                    state["meta"]["replayed"] = True
                    body = cached["body"].encode()
                    if effect.malformed_answer:
                        state["outcome"] = "malformed_answer"
                        body = body[: len(body) // 2]
                    return finish(Response(body, status=cached["status"], content_type=cached["content_type"]))

        try:
            answer = handler(call)
        except Refusal as refusal:
            contact = self.contact(call, path_params) if self.contact else None
            response = refuse(refusal.key, refusal.detail, contact=contact, schema_path=refusal.schema_path)
            self._remember(rt, session, exchange_id, response, state)
            return response
        except Exception as exc:  # noqa: BLE001 - a bench bug: logged here, a catalogue fault there, no traceback
            logging.getLogger("simphonie").exception("%s %s failed", self.actor, operation)
            return refuse("service.internal_error", f"the simulator failed on this request ({type(exc).__name__}); "
                                                    "this is a bench error, not the client's")

        from simulators.roc.messages import encode
        from simulators.soap import envelope as build_envelope

        body = build_envelope(version, encode(answer, profile))
        # an idempotent retry gets the real answer, not the one a behaviour garbled on the way out
        self._remember(rt, session, exchange_id, self._xml_response(body, version), dict(state))
        if effect.malformed_answer:
            state["outcome"] = "malformed_answer"
            body = body[: len(body) // 2]  # truncated: not well-formed
        return finish(self._xml_response(body, version))

    # -- behaviours ---------------------------------------------------------------------------------
    def _effect(self, rt: Runtime, session: str, operation: str, message: Any) -> Effect:
        targets = self.targets(message)
        effects = [rt.effect_for(session, self.actor, operation, targets)]
        if not self.standing_behaviours:
            return combine(effects)
        from simulators.directory import session_directory

        effects.extend(parse_behaviour(name) for name in session_directory(rt, session).standing_behaviours(targets))
        return combine(effects)

    def _apply_before(self, effect: Effect, refuse: Callable[..., Response], finish: Callable[[Response], Response],
                      state: dict[str, Any]) -> Response | None:
        rt = runtime()
        if effect.delay_seconds:
            time.sleep(effect.delay_seconds)
        if effect.hang:
            state["meta"]["held"] = True  # the client's own timeout ends this attempt, not our answer
            state["meta"]["client_gave_up"] = _hold(rt.settings.timeout_behaviour_seconds)
            return refuse("service.unavailable", "the AMC did not answer in time (timeout behaviour)")
        if effect.connection_reset:
            _reset_connection()
            return refuse("service.unavailable", "connection reset (connection_reset behaviour)")
        if effect.http_status:
            from werkzeug.http import HTTP_STATUS_CODES

            state["outcome"] = f"http_{effect.http_status}"
            return finish(Response(f"{effect.http_status} {HTTP_STATUS_CODES.get(effect.http_status, '')}\n",
                                   status=effect.http_status, content_type="text/plain; charset=utf-8"))
        if effect.fault_key:
            return refuse(effect.fault_key, f"fault injected by the session's soap_fault:{effect.fault_key} behaviour")
        return None

    @staticmethod
    def _remember(rt: Runtime, session: str, exchange_id: str | None, response: Response, state: dict) -> None:
        if exchange_id:
            rt.store.put_document(session, "answer", exchange_id, {
                "body": response.get_data().decode("utf-8"), "status": response.status_code,
                "content_type": response.content_type, "outcome": state["outcome"]})

