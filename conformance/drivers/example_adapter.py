"""An example GAP adapter implementing `gap-adapter.openapi.yaml` around the bundled reference GAP.

Editors read it as a template for their own adapter (a few routes calling their GAP), and the bench's tests
use it to prove the http driver end to end. Run it with `python -m conformance.drivers.example_adapter PORT`.
"""
from __future__ import annotations

import sys
import threading
from typing import Any

from flask import Blueprint, Flask, jsonify, request

bp = Blueprint("adapter", __name__, url_prefix="/simphonie/v1")
_lock = threading.Lock()
_gaps: dict[tuple[str, str], Any] = {}


def _gap(session: str, annuaire_url: str):
    from simulators.gap.reference import ReferenceGap

    with _lock:
        key = (session, annuaire_url)
        if key not in _gaps:
            _gaps[key] = ReferenceGap(annuaire_url)
        return _gaps[key]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.get("session") or not body.get("annuaire_url"):
        raise ValueError("body must be a JSON object with 'session' and 'annuaire_url'")
    return body


@bp.errorhandler(ValueError)
def _bad_request(error: ValueError):
    return jsonify({"error": str(error)}), 400


@bp.post("/admit")
def admit():
    from simulators.gap.cases import StayCase

    body = _body()
    case = StayCase.from_json(body.get("case") or {})
    return jsonify(_gap(body["session"], body["annuaire_url"]).admit(case).to_dict())


@bp.post("/stays/<venue>/<action>")
def act(venue: str, action: str):
    from simulators.gap.cases import StayCase
    from simulators.gap.stays import UnknownStay

    body = _body()
    gap = _gap(body["session"], body["annuaire_url"])
    params = body.get("params") or {}
    try:
        if action == "update":
            case = StayCase.from_json(body["case"])
            status = gap.update(venue, stay=case.stay, lines=case.lines)
        elif action == "discharge":
            status = gap.discharge(venue)
        elif action == "cancel":
            status = gap.cancel(venue, params.get("reason", "stay cancelled"))
        else:
            return jsonify({"error": f"this adapter does not {action}"}), 501
    except UnknownStay as exc:
        return jsonify({"error": str(exc)}), 404
    return jsonify(status.to_dict())


@bp.get("/stays/<venue>")
def status(venue: str):
    from simulators.gap.stays import UnknownStay

    session = request.args.get("session", "")
    with _lock:
        gaps = [gap for (s, _), gap in _gaps.items() if s == session]
    for gap in gaps:
        try:
            return jsonify(gap.status(venue).to_dict())
        except UnknownStay:
            continue
    return jsonify({"error": f"no stay {venue} in session {session!r}"}), 404


def create_adapter() -> Flask:
    app = Flask("example-gap-adapter")
    app.register_blueprint(bp)
    return app


if __name__ == "__main__":
    from simulators.server import serve_in_thread

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    with serve_in_thread(create_adapter(), port=port) as running:
        print(f"example GAP adapter at {running.url}/simphonie/v1 (Ctrl-C to stop)", flush=True)
        threading.Event().wait()
