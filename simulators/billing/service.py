"""The HTTP side of the billing intake (session-aware like every actor: `/s/<session>/billing/...` or the header).

    POST /billing/<amo|amc>/lots             body = the lot file; answer = the receipt (JSON, ARL included)
    GET  /billing/<amo|amc>/acks?since=N     ARLs after outbox sequence N
    GET  /billing/<amo|amc>/returns?since=N  return files due by the session's date, after sequence N
    GET  /billing/<amo|amc>/lots/<id>        what the intake recorded of one lot
"""
from __future__ import annotations

import json
import time

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from simulators import clock
from simulators.billing_files.masking import mask_positional
from simulators.billing.intake import behaviour_for, receive_lot
from simulators.billing.ledger import Ledger
from simulators.billing.sides import SIDES, Side
from simulators.runtime import runtime

bp = Blueprint("billing", __name__, url_prefix="/billing")


class BillingError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(BillingError)
def _billing_error(error: BillingError):
    return jsonify({"error": error.message}), error.status


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return jsonify({"error": error.description, "status": error.code}), error.code


def _side(name: str) -> Side:
    side = SIDES.get(name)
    if side is None:
        raise BillingError(404, f"no billing intake {name!r}; expected one of {', '.join(SIDES)}")
    return side


def _since() -> int:
    try:
        since = int(request.args.get("since", 0))
    except ValueError:
        raise BillingError(400, f"'since' must be an integer outbox sequence, received {request.args['since']!r}") from None
    if since < 0:
        raise BillingError(400, f"'since' must be ≥ 0, received {since}")
    return since


@bp.post("/<side_name>/lots")
def post_lot(side_name: str):
    side = _side(side_name)
    rt = runtime()
    session = rt.current_session()
    data = request.get_data(cache=False)
    started = clock.timestamp()
    effect, policy = behaviour_for(rt, session, side, data)
    if effect.delay_seconds:
        time.sleep(effect.delay_seconds)
    refused = effect.http_status
    if refused:
        body = {"error": f"the {side.name.upper()} intake is unavailable (session behaviour)", "status": refused}
        rt.journal(session=session, actor=side.actor, service="lot", started=started,
                   request_text=data.decode("latin-1"), response_text=json.dumps(body), outcome=f"http_{refused}",
                   meta={"channel": "http", "refused": True}, masking=mask_positional)
        return jsonify(body), refused
    receipt = receive_lot(rt, session, side, data, channel="http", policy=policy,
                          tls=bool(request.environ.get("simphonie.tls")))
    return jsonify(receipt.to_json())


def _feed(side_name: str, kind: str):
    side = _side(side_name)
    rt = runtime()
    session = rt.current_session()
    since = _since()
    finess = request.args.get("finess")
    ledger = Ledger(rt.store, session, side.name)
    items = [item for item in ledger.outbox(kind=kind, since=since, due_by=rt.today(session))
             if finess is None or finess == item.get("finess")]
    shown = [{key: item.get(key) for key in ("seq", "kind", "lot_id", "lot_number", "return_number", "profile",
                                             "created", "due", "finess", "data")} for item in items]
    rt.journal(session=session, actor=side.actor, service="fetch", started=clock.timestamp(),
               request_text=request.full_path, response_text=json.dumps([i["seq"] for i in shown]), outcome="ok",
               meta={"kind": kind, "since": since, "count": len(shown), "seqs": [i["seq"] for i in shown]})
    return jsonify({"side": side.name, "kind": kind, "items": shown,
                    "next": max([since] + [item["seq"] for item in shown])})


@bp.get("/<side_name>/returns")
def get_returns(side_name: str):
    return _feed(side_name, "return")


@bp.get("/<side_name>/acks")
def get_acks(side_name: str):
    return _feed(side_name, "ack")


@bp.get("/<side_name>/lots/<int:lot_id>")
def get_lot(side_name: str, lot_id: int):
    side = _side(side_name)
    rt = runtime()
    found = Ledger(rt.store, rt.current_session(), side.name).lot(lot_id)
    if found is None:
        raise BillingError(404, f"no {side.name.upper()} lot {lot_id} in this session")
    return jsonify(found)
