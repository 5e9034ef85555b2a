"""A minimal reference ROC client (the hospital side): annuaire, IDB, SIM, CLC and cancellation over SOAP.

Used by the tests, the reference GAP, load users and conformance runs against an AMC under test. It speaks the
same profile as the simulators, keeps the last exchanges (like zeep's HistoryPlugin) as evidence, and turns
every failure into a typed error: RocFaultError (a SOAP fault with the profile's <Erreur>/<Erreur2>),
RocTransportError (timeout, connection, TLS, HTTP error, not SOAP), RocAnswerError (SOAP, but not a valid answer
of the operation). One client per thread: it keeps a keep-alive requests.Session.
"""
from __future__ import annotations

import itertools
import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any, Callable

import requests

from simulators import clock
from simulators.domain.identifiers import Finess
from simulators.profiles import Profile, SchemaProblem, load_profile
from simulators.roc import (
    AnnuaireAnswer,
    AnnuaireRequest,
    CancelAnswer,
    CancelRequest,
    ClcAnswer,
    ClcRequest,
    DecodeError,
    Header,
    IdbAnswer,
    IdbRequest,
    RocFault,
    SimAnswer,
    SimRequest,
    decode,
    encode,
)
from simulators.soap import SoapVersion, envelope, http_headers, parse_envelope
from simulators.xml import XmlRejected

SESSION_HEADER = "X-Bench-Session"
DEFAULT_SOFTWARE = "simphonie-bench GAP"
DEFAULT_FINESS_JURIDIQUE = str(Finess.with_check_digit("75000001"))
DEFAULT_FINESS_GEOGRAPHIQUE = str(Finess.with_check_digit("75000002"))


def _package_version() -> str:
    try:
        return metadata.version("simphonie-bench")
    except metadata.PackageNotFoundError:
        return "0.0.0"


# errors ---------------------------------------------------------------------------------------------------------
class RocClientError(Exception):
    """Any failed call; `key` is an error-catalogue key (docs/error-keys.md) or None for an unknown fault code."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class RocFaultError(RocClientError):
    """The peer answered a SOAP fault; `fault` holds the code, label, group, contact."""

    def __init__(self, fault: RocFault, status: int | None = None) -> None:
        error = fault.error
        super().__init__(error.key, f"SOAP fault {error.code} ({error.key or 'unknown code'}): {error.label}")
        self.fault = fault
        self.status = status


class RocTransportError(RocClientError):
    """No usable SOAP answer: timeout, connection or TLS failure, HTTP error without a fault, not SOAP."""

    def __init__(self, key: str, message: str, status: int | None = None) -> None:
        super().__init__(key, message)
        self.status = status


class RocAnswerError(RocClientError):
    """A SOAP answer that is not a valid answer of the operation called."""

    def __init__(self, key: str, message: str, problems: tuple[SchemaProblem, ...] = ()) -> None:
        super().__init__(key, message + "".join(f"\n  {p}" for p in problems))
        self.problems = problems


# headers --------------------------------------------------------------------------------------------------------
class ExchangeIds:
    """Unique exchange ids: random by default, reproducible when seeded (`GAP-<8 hex>-<counter>`)."""

    def __init__(self, seed: int | None = None) -> None:
        stem = random.Random(seed).getrandbits(32) if seed is not None else uuid.uuid4().int >> 96
        self._prefix = f"GAP-{stem:08x}"
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}-{next(self._counter):06d}"


_DEFAULT_IDS = ExchangeIds()


def make_header(
    finess_juridique: str = DEFAULT_FINESS_JURIDIQUE,
    finess_geographique: str = DEFAULT_FINESS_GEOGRAPHIQUE,
    *,
    software: str = DEFAULT_SOFTWARE,
    software_version: str | None = None,
    profile: str = "bench-roc-1",
    exchange_id: str | None = None,
    timestamp: datetime | None = None,
    ids: Callable[[], str] | None = None,
) -> Header:
    """A request header with a fresh exchange id (from `ids`, else a process-wide generator) and the time now."""
    return Header(
        exchange_id=exchange_id or (ids or _DEFAULT_IDS)(),
        timestamp=timestamp or clock.utcnow().replace(microsecond=0),
        finess_juridique=str(finess_juridique),
        finess_geographique=str(finess_geographique),
        software=software,
        software_version=software_version or _package_version(),
        profile=profile,
    )


# history --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Exchange:
    """One call as the client saw it (kept in RocClient.history)."""

    operation: str
    url: str
    request: bytes
    response: bytes | None
    status: int | None
    duration_ms: float
    at: datetime
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict, hash=False)


# client ---------------------------------------------------------------------------------------------------------
class RocClient:
    """Reference ROC client. Each service method takes the service URL (from the annuaire) and a request."""

    def __init__(
        self,
        annuaire_url: str,
        *,
        soap_version: str = "1.1",
        timeout: float = 5.0,
        cert: tuple[str, str] | None = None,
        verify: str | bool = True,
        session: str | None = None,
        profile: Profile | str | None = None,
        http: requests.Session | None = None,
        finess_juridique: str = DEFAULT_FINESS_JURIDIQUE,
        finess_geographique: str = DEFAULT_FINESS_GEOGRAPHIQUE,
        software: str = DEFAULT_SOFTWARE,
        validate_answers: bool = True,
        history_size: int = 20,
        id_seed: int | None = None,
    ) -> None:
        self.annuaire_url = annuaire_url
        self.soap_version = SoapVersion(soap_version)
        self.timeout = timeout
        self.cert = cert
        self.verify = verify
        self.session = session
        self.profile = profile if isinstance(profile, Profile) else load_profile(profile or "bench-roc-1")
        self._owns_http = http is None
        self.http = http if http is not None else requests.Session()
        self.finess_juridique = finess_juridique
        self.finess_geographique = finess_geographique
        self.software = software
        self.validate_answers = validate_answers
        self.history: deque[Exchange] = deque(maxlen=history_size)
        self._ids = ExchangeIds(id_seed)
        self._operations = {op.request_record: op for op in self.profile.operations.values()}

    # lifecycle ---------------------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> "RocClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # helpers -----------------------------------------------------------------------------------------------------
    def header(self, exchange_id: str | None = None) -> Header:
        """A header for this client's establishment, with a fresh exchange id."""
        return make_header(
            self.finess_juridique,
            self.finess_geographique,
            software=self.software,
            profile=self.profile.name,
            exchange_id=exchange_id,
            ids=self._ids,
        )

    @property
    def last_sent(self) -> bytes | None:
        return self.history[-1].request if self.history else None

    @property
    def last_received(self) -> bytes | None:
        return self.history[-1].response if self.history else None

    # operations --------------------------------------------------------------------------------------------------
    def annuaire(self, numero_amc: str, type_convention: str, critere: str) -> AnnuaireAnswer:
        """Ask the annuaire for the endpoints of the AMC on the attestation."""
        return self.call(self.annuaire_url, AnnuaireRequest(self.header(), numero_amc, type_convention, critere))

    def idb(self, url: str, request: IdbRequest) -> IdbAnswer:
        return self.call(url, request)

    def sim(self, url: str, request: SimRequest) -> SimAnswer:
        return self.call(url, request)

    def clc(self, url: str, request: ClcRequest) -> ClcAnswer:
        return self.call(url, request)

    def cancel(self, url: str, request: CancelRequest) -> CancelAnswer:
        return self.call(url, request)

    def wsdl(self, url: str) -> bytes:
        """The WSDL a service publishes at `<url>?wsdl`."""
        response = self._send("wsdl", "GET", f"{url}{'&' if '?' in url else '?'}wsdl", None, {})
        if response.status_code != 200:
            status = response.status_code
            raise RocTransportError("service.unavailable", f"GET {url}?wsdl answered HTTP {status}", status)
        return response.content

    def call(self, url: str, request: Any) -> Any:
        """Send any ROC request to `url` and return the decoded answer of its operation."""
        operation = self._operations.get(type(request).__name__)
        if operation is None:
            raise TypeError(f"{type(request).__name__} is not a request of profile {self.profile.name}")
        body = envelope(self.soap_version, encode(request, self.profile))
        headers = http_headers(self.soap_version, operation.soap_action)
        response = self._send(operation.id, "POST", url, body, headers)
        return self._answer(operation, response)

    # transport ---------------------------------------------------------------------------------------------------
    def _send(
        self, operation: str, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> requests.Response:
        if self.session:
            headers = {**headers, SESSION_HEADER: self.session}
        at = clock.utcnow()
        started = clock.monotonic()
        try:
            response = self.http.request(
                method, url, data=body, headers=headers, timeout=self.timeout, cert=self.cert, verify=self.verify
            )
        except requests.Timeout as exc:
            self._remember(operation, url, body, None, None, started, at, f"timeout: {exc}", headers)
            raise RocTransportError("service.timeout", f"{url} did not answer within {self.timeout} s") from exc
        except requests.RequestException as exc:
            self._remember(operation, url, body, None, None, started, at, f"{type(exc).__name__}: {exc}", headers)
            raise RocTransportError("service.unavailable", f"cannot reach {url}: {type(exc).__name__}: {exc}") from exc
        self._remember(operation, url, body, response.content, response.status_code, started, at, None, headers)
        return response

    def _remember(self, operation, url, body, content, status, started, at, error, headers) -> None:
        duration = (clock.monotonic() - started) * 1000
        self.history.append(Exchange(operation, url, body or b"", content, status, duration, at, error, dict(headers)))

    def _answer(self, operation, response: requests.Response) -> Any:
        status = response.status_code
        try:
            message = parse_envelope(response.content, response.headers.get("Content-Type"))
        except XmlRejected as exc:
            if status >= 400:
                raise RocTransportError("service.unavailable", f"HTTP {status} without a SOAP answer", status) from None
            raise RocTransportError(exc.key, f"answer is not usable SOAP: {exc.message}", status) from None
        if message.is_fault:
            try:
                fault = decode(message.body, self.profile)
            except DecodeError as exc:
                raise RocTransportError(exc.key, f"unreadable SOAP fault: {exc.message}", status) from None
            raise RocFaultError(fault, status)
        if status != 200:
            raise RocTransportError("service.unavailable", f"HTTP {status} with a non-fault SOAP body", status)
        if message.body.tag != operation.answer_tag:
            raise RocAnswerError(
                "request.unsupported_operation",
                f"expected <{operation.answer_tag}> answering {operation.name}, received <{message.body.tag}>",
            )
        if self.validate_answers and self.profile.validate(message.body):
            problems = tuple(self.profile.explain(message.body) or self.profile.validate(message.body))
            message_text = f"{operation.name} answer breaks the profile schema"
            raise RocAnswerError("request.schema_invalid", message_text, problems)
        try:
            return decode(message.body, self.profile)
        except DecodeError as exc:
            raise RocAnswerError(exc.key, f"unreadable {operation.name} answer: {exc.message}") from None
