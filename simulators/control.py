"""The `/_bench` control API (JSON): sessions, seeds, behaviours, clock, journal, commitments, personas."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from simulators import clock
from simulators.behaviours import UnknownBehaviour, catalogue, parse_behaviour
from simulators.runtime import runtime
from simulators.sessions import SESSION_ID

bp = Blueprint("control", __name__, url_prefix="/_bench")


class ControlError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


@bp.errorhandler(ControlError)
def _control_error(error: ControlError):
    return jsonify({"error": error.message, **error.extra}), error.status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return jsonify({"error": error.description, "status": error.code}), error.code


def _json_body() -> dict[str, Any]:
    if not request.data:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ControlError(400, "request body must be a JSON object")
    return body


def _session(session: str) -> str:
    if not SESSION_ID.match(session):
        raise ControlError(400, f"invalid session id {session!r}: 1-64 letters, digits, '.', '_' or '-'")
    if runtime().store.session(session) is None:
        raise ControlError(404, f"unknown session {session!r}; create it with POST /_bench/sessions")
    return session


@bp.get("/health")
def health():
    rt = runtime()
    return jsonify({"status": "ok", "profile": rt.settings.profile, "actors": list(rt.settings.actors)})


@bp.get("/behaviours")
def behaviour_catalogue():
    return jsonify(catalogue())


@bp.get("/sessions")
def list_sessions():
    return jsonify([s.to_dict() for s in runtime().store.sessions()])


@bp.post("/sessions")
def create_session():
    body = _json_body()
    session = str(body.get("id") or f"s-{uuid.uuid4().hex[:12]}")
    if not SESSION_ID.match(session):
        raise ControlError(400, f"invalid session id {session!r}: 1-64 letters, digits, '.', '_' or '-'")
    seed = body.get("seed")
    if seed is not None and not isinstance(seed, int):
        raise ControlError(400, f"'seed' must be an integer, received {seed!r}")
    finess_list = body.get("finess", [])
    if not isinstance(finess_list, list):
        raise ControlError(400, "'finess' must be a list of FINESS whose client certificates select this session")
    for value in finess_list:
        _check_finess(value)
    reference_day = _day(body, "reference_day", clock.today())
    session_day = _day(body, "clock", reference_day or clock.today())  # checked before anything is written
    rt = runtime()
    rt.store.create_session(session, seed=seed, label=body.get("label"),
                            reference_day=reference_day.isoformat() if reference_day else None)
    rt.store.reset_session(session)
    if session_day is not None:
        rt.store.set_clock(session, session_day.isoformat())
    for value in finess_list:
        rt.store.bind_finess(str(value).upper(), session)
    for item in body.get("behaviours", []):
        _add_behaviour(session, item)
    return jsonify({**_session_view(session), "finess": [str(v).upper() for v in finess_list]}), 201


def _day(body: dict[str, Any], key: str, reference_day: date | None) -> date | None:
    """A day of a control call: ISO date, or +Nd/-Nd from the session's reference day."""
    value = body.get(key)
    if value is None:
        return None
    try:
        return clock.resolve_day(str(value), reference_day or clock.today())
    except clock.ClockError:
        raise ControlError(400, f"{key!r} must be YYYY-MM-DD, +Nd or -Nd (days from the session's reference day) "
                                f"or null, received {value!r}") from None


def _session_view(session: str) -> dict[str, Any]:
    """A session as the API shows it: its row, plus the days it lives on (what a GAP adapter asks for)."""
    rt = runtime()
    info = rt.store.session(session)
    return {**info.to_dict(), "today": rt.today(session).isoformat(),
            "reference_day": rt.reference_day(session).isoformat(), "reference_day_pinned": bool(info.reference_day)}


def _check_finess(value: object) -> None:
    from simulators.domain.identifiers import Finess, InvalidIdentifier

    try:
        Finess.parse(str(value))
    except InvalidIdentifier as exc:
        raise ControlError(400, str(exc)) from None


@bp.get("/finess")
def list_finess_bindings():
    """Which session each client-certificate FINESS lands in (mutual TLS, no prefix or header)."""
    return jsonify(runtime().store.finess_bindings())


@bp.put("/finess/<finess>")
def bind_finess(finess: str):
    _check_finess(finess)
    body = _json_body()
    session = _session(str(body.get("session", "")))
    runtime().store.bind_finess(finess.upper(), session)
    return jsonify({"finess": finess.upper(), "session": session})


@bp.get("/sessions/<session>")
def get_session(session: str):
    view = _session_view(_session(session))
    return jsonify({**view, "behaviours": [b.to_dict() for b in runtime().store.behaviours(session)]})


@bp.delete("/sessions/<session>")
def delete_session(session: str):
    rt = runtime()
    rt.store.delete_session(_session(session))
    rt.forget_session(session)
    return jsonify({"deleted": session})


@bp.post("/sessions/<session>/reset")
def reset_session(session: str):
    runtime().store.reset_session(_session(session))
    return jsonify({"reset": session})


def injectable_fault_keys() -> set[str]:
    """Error keys a `soap_fault:<key>` behaviour may inject: the ROC and CDRi catalogues, DIAPASON problems."""
    from simulators.diapason.problems import PROBLEMS
    from simulators.profiles import load_profile

    keys = {error.key for error in runtime().profile.errors}
    keys |= {error.key for error in load_profile("bench-cdri-1").errors}
    return keys | set(PROBLEMS)


def _add_behaviour(session: str, item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise ControlError(400, "a behaviour is a name or an object {name, actor?, service?, target?, count?}")
    try:
        effect = parse_behaviour(item["name"])
    except UnknownBehaviour as exc:
        raise ControlError(400, str(exc)) from None
    if effect.fault_key and effect.fault_key not in injectable_fault_keys():
        raise ControlError(400, f"unknown error key {effect.fault_key!r} in {item['name']!r}; valid: "
                                f"{', '.join(sorted(injectable_fault_keys()))}")
    count = item.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ControlError(400, f"'count' must be a positive integer, received {count!r}")
    return runtime().store.add_behaviour(
        session, item["name"], actor=item.get("actor"), service=item.get("service"), target=item.get("target"),
        remaining=count,
    ).to_dict()


@bp.get("/sessions/<session>/behaviours")
def list_behaviours(session: str):
    return jsonify([b.to_dict() for b in runtime().store.behaviours(_session(session))])


@bp.post("/sessions/<session>/behaviours")
def add_behaviour(session: str):
    return jsonify(_add_behaviour(_session(session), _json_body())), 201


@bp.delete("/sessions/<session>/behaviours")
def clear_behaviours(session: str):
    runtime().store.clear_behaviours(_session(session))
    return jsonify({"cleared": session})


@bp.put("/sessions/<session>/clock")
def set_clock(session: str):
    session = _session(session)
    day = _day(_json_body(), "date", runtime().reference_day(session))
    value = day.isoformat() if day else None
    runtime().store.set_clock(session, value)
    return jsonify({"session": session, "clock": value})


@bp.get("/sessions/<session>/journal")
def read_journal(session: str):
    try:
        since = int(request.args.get("since", 0))
        limit = int(request.args["limit"]) if "limit" in request.args else None
    except ValueError:
        raise ControlError(400, "'since' and 'limit' must be integers") from None
    entries = runtime().store.journal(_session(session), since=since, limit=limit)
    return jsonify([{"id": entry_id, **entry.to_dict()} for entry_id, entry in entries])


@bp.get("/sessions/<session>/commitments")
def list_commitments(session: str):
    return jsonify([c.to_dict() for c in runtime().store.commitments(_session(session))])


@bp.get("/personas")
def list_personas():
    from simulators.data.personas import persona_card

    dataset = runtime().dataset(runtime().current_session())
    return jsonify([persona_card(p) for p in dataset.personas.values()])


@bp.post("/sessions/<session>/routing-changes")
def change_routing(session: str):
    """Move an AMC to another host ({"persona": name} or {numero_amc, from_host_id, to_host_id})."""
    from simulators.directory import ROUTING_CHANGES

    session = _session(session)
    body = _json_body()
    rt = runtime()
    dataset = rt.dataset(session)
    if "persona" in body:
        persona = dataset.personas.get(body["persona"])
        if persona is None or persona.routing_change is None:
            with_changes = [p.name for p in dataset.personas.values() if p.routing_change is not None]
            raise ControlError(400, f"persona {body['persona']!r} carries no routing change; "
                                    f"personas that do: {', '.join(with_changes)}")
        change = persona.routing_change
        item = {"numero_amc": change.numero_amc, "from_host_id": change.from_host_id, "to_host_id": change.to_host_id}
    else:
        missing = [k for k in ("numero_amc", "from_host_id", "to_host_id") if not isinstance(body.get(k), str)]
        if missing:
            raise ControlError(400, f"missing or non-text field(s): {', '.join(missing)}")
        if dataset.host(body["to_host_id"]) is None:
            raise ControlError(400, f"unknown host {body['to_host_id']!r}; known: "
                                    f"{', '.join(h.host_id for h in dataset.hosts)}")
        item = {k: body[k] for k in ("numero_amc", "from_host_id", "to_host_id")}
    rt.store.put_document(session, ROUTING_CHANGES, item["numero_amc"], item)
    return jsonify(item), 201


@bp.post("/sessions/<session>/terminal")
def session_terminal(session: str):
    """The payment terminal of a test session ({"protocol": "caisse-ap" | "concert"}): a GAP running outside the
    bench's process opens it (TCP address or pty path) and its frames are journaled in that session."""
    from flask import current_app

    session = _session(session)
    terminals = current_app.extensions.get("simphonie.terminals")
    if terminals is None:
        raise ControlError(404, "no payment terminals are bundled with this bench (they come with `simphonie "
                                "run`/`demo`); start one with `simphonie terminal`")
    protocol = _json_body().get("protocol", "caisse-ap")
    if protocol not in ("caisse-ap", "concert"):
        raise ControlError(400, f"'protocol' must be caisse-ap or concert, received {protocol!r}")
    return jsonify({"session": session, "protocol": protocol, "address": terminals.open(session, protocol)})
