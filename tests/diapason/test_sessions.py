"""Per-session state, persistence across restarts, session behaviours and the journal."""
from __future__ import annotations

from simulators.app import create_app
from simulators.diapason.service import install_debitor
from simulators.settings import Settings

from .conftest import Api, FakeDebitor, problem


def test_sessions_never_see_each_other(api, app, openapi):
    other = Api(app, openapi, "gap-b")
    consent = api.notified_and_due()
    assert problem(other.get(f"/diapason/v1/consents/{consent['id']}")) == "consent.unknown"
    assert other.get("/diapason/v1/consents").get_json() == []
    assert other.get("/diapason/v1/notifications").get_json() == []
    assert api.debit(consent["id"], 4_250, key="shared-key").status_code == 201
    mine = other.notified_and_due()
    assert other.debit(mine["id"], 4_250, key="shared-key").status_code == 201  # keys are per session


def test_session_from_the_url_prefix(api):
    consent = api.consent()
    prefixed = api.client.get(f"/s/{api.session}/diapason/v1/consents/{consent['id']}")
    assert prefixed.status_code == 200 and prefixed.get_json()["id"] == consent["id"]
    assert api.client.get(f"/s/gap-z/diapason/v1/consents/{consent['id']}").status_code == 404


def test_state_survives_a_restart(tmp_path, openapi):
    settings = Settings(db_path=str(tmp_path / "restart.sqlite"), actors=("diapason",))
    first = create_app(settings)
    install_debitor(first, FakeDebitor())
    before = Api(first, openapi, "gap-r")
    consent = before.notified_and_due()
    debit = before.debit(consent["id"], 4_250, key="k1").get_json()
    before.call("PUT", "/diapason/v1/profile", json={"notification_lead_days": 7})

    second = create_app(settings)  # a new process on the same SQLite file
    fake = FakeDebitor()
    install_debitor(second, fake)
    client = second.test_client()
    headers = {"X-Bench-Session": "gap-r"}
    status = client.get(f"/diapason/v1/consents/{consent['id']}", headers=headers).get_json()
    assert (status["status"], status["debit_ids"], status["session_date"]) == ("debited", [debit["id"]], "2026-03-05")
    replay = client.post(f"/diapason/v1/consents/{consent['id']}/debits", headers={**headers, "Idempotency-Key": "k1"},
                         json={"amount_cents": 4_250, "invoice_ref": "FAC-1"})
    assert replay.get_json() == debit and replay.headers["Idempotent-Replayed"] == "true"
    duplicate = client.post(f"/diapason/v1/consents/{consent['id']}/debits",
                            headers={**headers, "Idempotency-Key": "k2"}, json={"amount_cents": 4_250, "invoice_ref": "F"})
    assert problem(duplicate) == "debit.duplicate" and fake.orders == []
    assert client.get("/diapason/v1/profile", headers=headers).get_json()["notification_lead_days"] == 7
    assert len(client.get("/diapason/v1/notifications", headers=headers).get_json()) == 1


def test_http_503_behaviour_answers_a_problem_and_moves_no_money(api, debitor):
    consent = api.notified_and_due()
    api.client.post(f"/_bench/sessions/{api.session}/behaviours",
                    json={"name": "http_503", "actor": "diapason", "service": "debit.create", "count": 1})
    response = api.debit(consent["id"], 4_250, key="k1")
    assert response.status_code == 503 and problem(response) == "service.unavailable"
    assert debitor.orders == []
    assert api.debit(consent["id"], 4_250, key="k1").status_code == 201  # the behaviour was used up


def test_latency_and_targeted_behaviours(api):
    consent = api.consent()
    other = api.consent(venue="V2")
    api.client.post(f"/_bench/sessions/{api.session}/behaviours", json={"name": "latency:1ms", "actor": "diapason"})
    api.client.post(f"/_bench/sessions/{api.session}/behaviours",
                    json={"name": "http_500", "actor": "diapason", "target": consent["id"]})
    assert api.get(f"/diapason/v1/consents/{consent['id']}").status_code == 500
    assert api.get(f"/diapason/v1/consents/{other['id']}").status_code == 200


def test_malformed_answer_behaviour_still_debits(api, debitor):
    consent = api.notified_and_due()
    api.client.post(f"/_bench/sessions/{api.session}/behaviours",
                    json={"name": "malformed_answer", "actor": "diapason", "service": "debit.create", "count": 1})
    garbled = api.client.post(f"/diapason/v1/consents/{consent['id']}/debits", json={
        "amount_cents": 4_250, "invoice_ref": "F"}, headers={"X-Bench-Session": api.session, "Idempotency-Key": "k"})
    assert garbled.status_code == 201 and garbled.get_json(silent=True) is None
    assert api.get(f"/diapason/v1/consents/{consent['id']}").get_json()["status"] == "debited"  # ask before retrying
    assert len(debitor.orders) == 1


def test_every_call_is_journaled(api):
    consent = api.notified_and_due()
    api.debit(consent["id"], 4_250, key="k1")
    api.debit(consent["id"], 4_250, key="k1")
    api.call("POST", "/diapason/v1/consents", data="{", valid=False)
    entries = [e for e in api.client.get(f"/_bench/sessions/{api.session}/journal").get_json() if e["actor"] == "diapason"]
    services = [e["service"] for e in entries]
    assert services == ["consent.create", "notification.create", "debit.create", "debit.create", "consent.create"]
    debit, replay, bad = entries[2], entries[3], entries[4]
    assert debit["outcome"] == "ok" and debit["meta"]["response_code"] == "00" and debit["meta"]["debit_id"]
    assert "Idempotency-Key: k1" in debit["request"] and debit["request"].startswith("POST /diapason/v1/consents/")
    assert replay["meta"]["replayed"] is True
    assert bad["outcome"] == "problem:request.malformed_json" and bad["meta"]["http_status"] == 400
