"""`/_terminal` control API (JSON): script card outcomes and line faults per terminal, read its journal.

    app.register_blueprint(create_control_blueprint(registry))      # mounts /_terminal/...

GET  /_terminal/                          terminals with their script state; outcome and fault catalogues
GET  /_terminal/<name>                    one terminal: info and script state
PUT  /_terminal/<name>/outcomes           {"outcomes": ["wrong_pin", {"name": "approved", "delay": 2}],
                                           "default": "approved", "amount_rules": {"5100": "insufficient_funds"}}
                                          replaces the queue (POST appends)
PUT  /_terminal/<name>/faults             {"faults": [{"kind": "corrupt_lrc", "count": 1}]} (POST adds)
DELETE /_terminal/<name>/faults           disarm every fault
POST /_terminal/<name>/reset              empty queue, rules and faults; default back to approved
GET  /_terminal/<name>/journal?since=N    {"next": M, "entries": [...]} (masked)
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from hardware_emulator import faults, outcomes
from hardware_emulator.registry import TerminalRegistry, TerminalSlot
from hardware_emulator.script import ScriptError


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def create_control_blueprint(registry: TerminalRegistry, url_prefix: str = "/_terminal") -> Blueprint:
    bp = Blueprint("terminal_control", __name__, url_prefix=url_prefix)

    @bp.errorhandler(ControlError)
    def _control_error(error: ControlError):
        return jsonify({"error": error.message}), error.status

    @bp.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return jsonify({"error": error.description, "status": error.code}), error.code

    def slot(name: str, *, create: bool = False) -> TerminalSlot:
        try:
            found = registry.slot(name, create=create)
        except ValueError as error:
            raise ControlError(400, str(error)) from None
        if found is None:
            raise ControlError(404, f"unknown terminal {name!r}; known: {', '.join(registry.names()) or 'none'}")
        return found

    def body(*required: str) -> dict[str, Any]:
        data = request.get_json(silent=True) if request.data else {}
        if not isinstance(data, dict):
            raise ControlError(400, "request body must be a JSON object")
        missing = [key for key in required if key not in data]
        if missing:
            raise ControlError(400, f"missing key(s): {', '.join(missing)}")
        return data

    def describe(name: str, found: TerminalSlot) -> dict[str, Any]:
        return {"name": name, **found.info, "script": found.script.snapshot()}

    @bp.get("/")
    def list_terminals():
        terminals = [describe(name, slot(name)) for name in registry.names()]
        return jsonify({"terminals": terminals, "outcomes": outcomes.catalogue(), "faults": faults.catalogue()})

    @bp.get("/<name>")
    def show(name: str):
        return jsonify(describe(name, slot(name)))

    @bp.route("/<name>/outcomes", methods=["PUT", "POST"])
    def set_outcomes(name: str):
        data = body()
        target = slot(name, create=True)
        script_part = {key: data[key] for key in ("outcomes", "amount_rules") if key in data}
        if "default" in data:
            script_part["default_outcome"] = data["default"]
        if not script_part:
            raise ControlError(400, "expected at least one of: outcomes, default, amount_rules")
        try:
            if request.method == "POST" and "outcomes" in script_part:
                items = script_part.pop("outcomes")
                if not isinstance(items, list):
                    raise ScriptError("'outcomes' must be a list")
                target.script.apply(script_part)
                target.script.set_outcomes(items, replace=False)
            else:
                target.script.apply(script_part)
        except ScriptError as error:
            raise ControlError(400, str(error)) from None
        return jsonify(describe(name, target))

    @bp.route("/<name>/faults", methods=["PUT", "POST"])
    def set_faults(name: str):
        items = body("faults")["faults"]
        target = slot(name, create=True)
        if not isinstance(items, list):
            raise ControlError(400, "'faults' must be a list of {kind, count, ...}")
        try:
            target.script.set_faults(items, replace=request.method == "PUT")
        except ScriptError as error:
            raise ControlError(400, str(error)) from None
        return jsonify(describe(name, target))

    @bp.delete("/<name>/faults")
    def clear_faults(name: str):
        target = slot(name)
        target.script.set_faults([])
        return jsonify(describe(name, target))

    @bp.post("/<name>/reset")
    def reset(name: str):
        target = slot(name)
        target.script.clear()
        return jsonify(describe(name, target))

    @bp.get("/<name>/journal")
    def journal(name: str):
        since = request.args.get("since", "0")
        if not since.isdigit():
            raise ControlError(400, f"'since' must be a non-negative integer, received {since!r}")
        next_index, entries = slot(name).journal.entries(int(since))
        return jsonify({"next": next_index, "entries": [entry.to_dict() for entry in entries]})

    return bp
