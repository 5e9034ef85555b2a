"""The bench as the hospital (SUT = an AMC or operator ROC server): `send` steps build a ROC request from the
scenario's case and facts, apply named mutations (bad NIR key, unknown reference...), call the SUT with the
reference client, and record each exchange as an *answer* entry for the checks."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
from typing import Any, Callable

from simulators import clock
from simulators.gap.client import RocAnswerError, RocClient, RocFaultError, RocTransportError
from simulators.journal import JournalEntry
from simulators.roc.messages import AnnuaireRequest, CancelRequest, ClcRequest, IdbRequest, SimRequest


def session_seed(session: str) -> int:
    """Exchange ids follow from the test session (itself from the run id and scenario): same run, same ids."""
    return int(hashlib.sha256(session.encode()).hexdigest()[:12], 16)


class SendError(ValueError):
    """A `send` step cannot be built (unknown operation or mutation, missing prerequisite): a scenario error."""


# -- mutations: deliberate defects the bench puts in its requests to see the SUT refuse them ----------------------
Mutation = Callable[[Any, dict[str, Any]], Any]
MUTATIONS: dict[str, Mutation] = {}


def mutation(name: str):
    def register(fn: Mutation) -> Mutation:
        MUTATIONS[name] = fn
        return fn
    return register


@mutation("wrong_nir_key")
def _wrong_nir_key(request: Any, facts: dict[str, Any]) -> Any:
    nir = request.beneficiary.nir
    wrong = type(nir)(nir.body, (nir.key % 97) + 1)
    return dataclasses.replace(request, beneficiary=dataclasses.replace(request.beneficiary, nir=wrong))


@mutation("bad_finess")
def _bad_finess(request: Any, facts: dict[str, Any]) -> Any:
    value = request.header.finess_geographique
    broken = value[:8] + str((int(value[8]) + 1) % 10)
    return dataclasses.replace(request, header=dataclasses.replace(request.header, finess_geographique=broken))


@mutation("not_discharged")
def _not_discharged(request: Any, facts: dict[str, Any]) -> Any:
    return dataclasses.replace(request, stay=dataclasses.replace(request.stay, discharge_date=None,
                                                                 discharge_mode=None))


@mutation("incoherent_amounts")
def _incoherent_amounts(request: Any, facts: dict[str, Any]) -> Any:
    first = request.lines[0]
    broken = dataclasses.replace(first, base_cents=first.unit_price_cents + 100)
    return dataclasses.replace(request, lines=(broken, *request.lines[1:]))


@mutation("line_outside_stay")
def _line_outside_stay(request: Any, facts: dict[str, Any]) -> Any:
    from datetime import timedelta

    first = request.lines[0]
    late = request.stay.admission_date - timedelta(days=10)
    return dataclasses.replace(request, lines=(dataclasses.replace(first, start=late, end=late), *request.lines[1:]))


@mutation("unknown_reference")
def _unknown_reference(request: Any, facts: dict[str, Any]) -> Any:
    return dataclasses.replace(request, idb_reference="IDB0000000000000000")


@mutation("unknown_commitment")
def _unknown_commitment(request: Any, facts: dict[str, Any]) -> Any:
    return dataclasses.replace(request, commitment_number="ENG0000000000000000")


@mutation("first_commitment")
def _first_commitment(request: Any, facts: dict[str, Any]) -> Any:
    commitments = facts.get("commitments") or []
    if not commitments:
        raise SendError("no commitment obtained yet in this scenario")
    return dataclasses.replace(request, commitment_number=commitments[0])


@mutation("reuse_exchange_id")
def _reuse_exchange_id(request: Any, facts: dict[str, Any]) -> Any:
    from datetime import timedelta

    previous = facts.get("last_exchange_id")
    if not previous:
        raise SendError("no earlier exchange to reuse the id of")
    header = request.header
    # another content for sure, even within the same second as the first request
    return dataclasses.replace(request, header=dataclasses.replace(
        header, exchange_id=previous, timestamp=header.timestamp + timedelta(minutes=1)))


@mutation("unknown_routing")
def _unknown_routing(request: Any, facts: dict[str, Any]) -> Any:
    return dataclasses.replace(request, critere_secondaire="ZZ", type_convention="ZZ")


@mutation("unknown_amc")
def _unknown_amc(request: Any, facts: dict[str, Any]) -> Any:
    return dataclasses.replace(request, numero_amc="999999999")


# -- request builders per operation ------------------------------------------------------------------------------
def _annuaire(client: RocClient, case: Any, facts: dict[str, Any]) -> AnnuaireRequest:
    a = case.attestation
    return AnnuaireRequest(client.header(), a.numero_amc, a.type_convention, a.critere_secondaire)


def _idb(client: RocClient, case: Any, facts: dict[str, Any]) -> IdbRequest:
    return IdbRequest(client.header(), case.beneficiary, case.attestation, case.stay)


def discharged_stay(case: Any) -> Any:
    """The case's stay, discharged on its last line's end when the persona is still in hospital."""
    stay = case.stay
    if stay.discharge_date is not None:
        return stay
    return dataclasses.replace(stay, discharge_date=max(line.end for line in case.lines), discharge_mode="8")


def _priced(kind: type) -> Callable[[RocClient, Any, dict[str, Any]], Any]:
    def build(client: RocClient, case: Any, facts: dict[str, Any]) -> Any:
        stay = discharged_stay(case) if kind is ClcRequest else case.stay
        return kind(client.header(), facts.get("idb_reference") or "IDB0000000000000000", case.beneficiary,
                    case.attestation, stay, tuple(case.lines))
    return build


def _cancel(client: RocClient, case: Any, facts: dict[str, Any]) -> CancelRequest:
    commitments = facts.get("commitments") or []
    return CancelRequest(client.header(), commitments[-1] if commitments else "ENG0000000000000000",
                         "stay changed")


OPERATIONS: dict[str, tuple[str, Callable[[RocClient, Any, dict[str, Any]], Any]]] = {
    "annuaire": ("ANNUAIRE", _annuaire),
    "idb": ("IDB", _idb),
    "sim": ("SIM", _priced(SimRequest)),
    "clc": ("CLC", _priced(ClcRequest)),
    "cancel": ("ANN", _cancel),
}


class HospitalSide:
    """One scenario's hospital: a reference client bound to the SUT's annuaire and the scenario's facts."""

    def __init__(self, annuaire_url: str, session: str, *, soap_version: str = "1.1", timeout: float = 10.0,
                 cert=None, verify: Any = True, finess: tuple[str, str] | None = None) -> None:
        self.session = session
        self.settings = dict(timeout=timeout, cert=cert, verify=verify)
        self.annuaire_url = annuaire_url
        self.soap_version = soap_version
        self.finess = finess
        self.answers: list[JournalEntry] = []

    @functools.cached_property
    def client(self) -> RocClient:
        options: dict[str, Any] = dict(self.settings)
        if self.finess:
            options.update(finess_juridique=self.finess[0], finess_geographique=self.finess[1])
        return RocClient(self.annuaire_url, soap_version=self.soap_version, id_seed=session_seed(self.session),
                         **options)

    def send(self, operation: str, case: Any, params: dict[str, Any], facts: dict[str, Any]) -> JournalEntry:
        if operation == "raw":
            return self._send_raw(case, params, facts)
        if operation == "wsdl":
            return self._get_wsdl(case, params, facts)
        if params.get("repeat"):
            return self._repeat(facts)
        if operation not in OPERATIONS:
            raise SendError(f"unknown operation {operation!r}; valid: {', '.join(OPERATIONS)}")
        if case is None:
            raise SendError("a send step needs a persona (given: persona: NAME) first")
        service, build = OPERATIONS[operation]
        request = build(self.client, case, facts)
        for name in params.get("mutate", []) or []:
            if name not in MUTATIONS:
                raise SendError(f"unknown mutation {name!r}; valid: {', '.join(sorted(MUTATIONS))}")
            request = MUTATIONS[name](request, facts)
        # `to` sends the request to another service's endpoint (an operation the service does not offer)
        to = str(params.get("to", service)).upper()
        url = self._url(to, case, facts)
        soap_version = params.get("soap_version")
        if soap_version:
            self.client.soap_version = type(self.client.soap_version)(str(soap_version))
        entry = self._record(service, url, request, facts,
                             {"operation": operation, "mutations": list(params.get("mutate", []) or [])})
        facts["last_exchange_id"] = request.header.exchange_id
        facts["last_request"] = (url, request, service)
        return entry

    def _repeat(self, facts: dict[str, Any]) -> JournalEntry:
        """Send the previous request again, same exchange id and content (an idempotent retry)."""
        last = facts.get("last_request")
        if last is None:
            raise SendError("repeat: nothing was sent before in this scenario")
        url, request, service = last
        return self._record(service, url, request, facts, {"repeat": True})

    def _send_raw(self, case: Any, params: dict[str, Any], facts: dict[str, Any]) -> JournalEntry:
        """Send bytes that are not a proper message (malformed, hostile, oversized) to a service."""

        import requests as http

        from simulators.roc.messages import decode
        from simulators.soap import parse_envelope

        service = str(params.get("service", "IDB")).upper()
        if "body" in params:
            body = str(params["body"]).encode("utf-8")
        elif "size" in params:
            body = b"<a>" + b" " * int(params["size"]) + b"</a>"
        else:
            raise SendError("raw: give 'body' (text) or 'size' (bytes of padding)")
        url = self._url(service, case, facts)
        headers = {"Content-Type": str(params.get("content_type", "text/xml; charset=utf-8"))}
        at, started = clock.utcnow(), clock.monotonic()
        try:
            response = self.client.http.post(url, data=body, headers=headers, timeout=self.settings["timeout"],
                                             cert=self.settings["cert"], verify=self.settings["verify"])
            status, content, error = response.status_code, response.content, None
        except http.RequestException as exc:
            status, content, error = None, b"", f"{type(exc).__name__}: {exc}"
        outcome = f"transport:{error}" if error else f"http_{status}"
        if content:
            try:
                message = parse_envelope(content)
                if message.is_fault:
                    outcome = f"fault:{decode(message.body, self.client.profile).error.key}"
                elif status == 200:
                    outcome = "ok"
            except Exception:  # noqa: BLE001 - an answer that is not SOAP keeps its HTTP outcome
                pass
        return self._answer(service, at, (clock.monotonic() - started) * 1000, body[:4096].decode("utf-8", "replace"),
                            content.decode("utf-8", "replace"), outcome,
                            {"url": url, "http_status": status, "operation": "raw", "bytes_sent": len(body)})

    def _get_wsdl(self, case: Any, params: dict[str, Any], facts: dict[str, Any]) -> JournalEntry:
        """GET <endpoint>?wsdl: ok when a WSDL document comes back."""

        from lxml import etree

        service = str(params.get("service", "IDB")).upper()
        url = self._url(service, case, facts)
        at, started = clock.utcnow(), clock.monotonic()
        outcome, text, status = "ok", "", None
        try:
            text = self.client.wsdl(url).decode("utf-8", "replace")
            root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
            if etree.QName(root).localname != "definitions":
                outcome = f"invalid_answer:not a WSDL (<{etree.QName(root).localname}>)"
            status = 200
        except (RocTransportError, etree.XMLSyntaxError) as exc:
            outcome = f"transport:{getattr(exc, 'key', 'request.malformed_xml')}"
        return self._answer(service, at, (clock.monotonic() - started) * 1000, f"GET {url}?wsdl", text[:20000],
                            outcome, {"url": url, "http_status": status, "operation": "wsdl"})

    def _record(self, service: str, url: str, request: Any, facts: dict[str, Any], extra: dict[str, Any]) -> JournalEntry:
        outcome, problems = "ok", ()
        try:
            answer = self.client.call(url, request)
            self._learn(service, request, answer, facts)
        except RocFaultError as exc:
            outcome = f"fault:{exc.key}"
        except RocTransportError as exc:
            outcome = f"transport:{exc.key}" + (f":{exc.status}" if exc.status else "")
        except RocAnswerError as exc:
            outcome = f"invalid_answer:{exc.key}"
            problems = tuple(f"{p.path}: {p.reason}" for p in exc.problems) or (str(exc),)
        exchange = self.client.history[-1]
        return self._answer(service, exchange.at, exchange.duration_ms, exchange.request.decode("utf-8", "replace"),
                            (exchange.response or b"").decode("utf-8", "replace"), outcome,
                            {"url": url, "http_status": exchange.status, "exchange_id": request.header.exchange_id,
                             "error": exchange.error, **extra}, problems)

    def _answer(self, service: str, at: Any, duration_ms: float, request: str, response: str, outcome: str,
                meta: dict[str, Any], validation: tuple[str, ...] = ()) -> JournalEntry:
        """Record one of the bench's own exchanges with the SUT (what the AMC-side checks read)."""
        entry = JournalEntry(session=self.session, actor="bench", service=service,
                             at=at.isoformat(timespec="milliseconds"), duration_ms=round(duration_ms, 3),
                             request=request, response=response, outcome=outcome, validation=validation, meta=meta)
        self.answers.append(entry)
        return entry

    def _url(self, service: str, case: Any, facts: dict[str, Any]) -> str:
        return self.annuaire_url if service == "ANNUAIRE" else self._endpoint(service, case, facts)

    def _endpoint(self, service: str, case: Any, facts: dict[str, Any]) -> str:
        endpoints = facts.get("endpoints")
        if not endpoints:
            a = case.attestation
            try:
                endpoints = self.client.annuaire(a.numero_amc, a.type_convention, a.critere_secondaire).endpoints
            except (RocFaultError, RocTransportError, RocAnswerError) as exc:
                raise SendError(f"the SUT's annuaire gave no endpoints for AMC {a.numero_amc}: {exc}") from None
            facts["endpoints"] = dict(endpoints)
        if service not in endpoints:
            raise SendError(f"the SUT's annuaire gave no {service} endpoint")
        return endpoints[service]

    @staticmethod
    def _learn(service: str, request: Any, answer: Any, facts: dict[str, Any]) -> None:
        if answer is None:
            return
        if service == "ANNUAIRE":
            facts["endpoints"] = dict(answer.endpoints)
        elif service == "IDB":
            facts["idb_reference"] = answer.idb_reference
        elif service in ("SIM", "CLC"):
            facts.setdefault("quotes", {})[service] = answer.quote
            if service == "CLC":
                facts.setdefault("commitments", []).append(answer.commitment_number)
        elif service == "ANN":
            facts.setdefault("cancelled", []).append(answer.commitment_number)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
