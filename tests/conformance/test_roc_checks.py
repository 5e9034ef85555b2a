"""Every ROC check passes on a good exchange and fails on a bad one, with a message naming what was expected."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from conformance.checks import CheckContext, CheckFailed, CheckSkipped, builtin
from simulators.domain.quotes import LineQuote, Quote, RightsStatus
from simulators.journal import JournalEntry
from simulators.profiles import load_profile
from simulators import clock
from simulators.roc import examples
from simulators.roc.messages import encode
from simulators.soap import envelope

PROFILE = load_profile()
DAY = clock.today()
M = examples.messages(DAY)
REGISTRY = builtin()


def soap(message, version="1.1") -> str:
    return envelope(version, encode(message, PROFILE)).decode()


def entry(service, request=None, answer=None, outcome="ok", actor="amc", meta=None, duration_ms=10.0,
          version="1.1", answer_version=None) -> JournalEntry:
    return JournalEntry("s", actor, service, "2026-11-25T10:00:00.000+00:00", duration_ms,
                        soap(request, version) if request is not None else "",
                        soap(answer, answer_version or version) if answer is not None else "", outcome, (),
                        meta or {})


def run(check_id, journal=(), answers=(), params=None, **facts):
    REGISTRY.get(check_id).fn(CheckContext(journal=tuple(journal), answers=tuple(answers), params=params or {},
                                           facts=facts))


def fails(check_id, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as caught:
        run(check_id, *args, **kwargs)
    message = str(caught.value)
    assert "expected" in message and "received" in message
    return message


IDB = entry("IDB", M["IDB.request"], M["IDB.answer"])
CLC = entry("CLC", M["CLC.request"], M["CLC.answer"])
SIM = entry("SIM", M["SIM.request"], M["SIM.answer"])
ANNUAIRE = entry("ANNUAIRE", M["ANNUAIRE.request"], M["ANNUAIRE.answer"], actor="annuaire")
CASE = dataclasses.make_dataclass("Case", ["lines"])(M["SIM.request"].lines)


def test_idb_before_pricing():
    run("roc.gap.idb_before_pricing", [IDB, CLC])
    assert "without IDB" in fails("roc.gap.idb_before_pricing", [CLC])


def test_no_pricing_after_refusal():
    refused = dataclasses.replace(IDB, outcome="fault:rights.closed", response="")
    run("roc.gap.no_pricing_after_refusal", [refused])
    fails("roc.gap.no_pricing_after_refusal", [refused, CLC])


def test_no_amc_call_after_annuaire_refusal():
    refused = dataclasses.replace(ANNUAIRE, outcome="fault:amc.not_in_roc")
    run("roc.gap.no_amc_call_after_annuaire_refusal", [refused])
    fails("roc.gap.no_amc_call_after_annuaire_refusal", [refused, IDB])


def test_uses_annuaire_endpoints():
    run("roc.gap.uses_annuaire_endpoints", [ANNUAIRE, dataclasses.replace(IDB, meta={"path": "/roc/idb"})])
    fails("roc.gap.uses_annuaire_endpoints", [ANNUAIRE, dataclasses.replace(IDB, meta={"path": "/guessed/idb"})])


def test_clc_at_discharge():
    run("roc.gap.clc_at_discharge", [CLC])
    request = M["CLC.request"]
    early = dataclasses.replace(request, stay=dataclasses.replace(request.stay, discharge_date=None,
                                                                  discharge_mode=None))
    fails("roc.gap.clc_at_discharge", [entry("CLC", early, M["CLC.answer"])])


def test_clc_lines_match_stay():
    run("roc.gap.clc_lines_match_stay", [CLC], case=CASE)
    other = dataclasses.make_dataclass("Case", ["lines"])(M["SIM.request"].lines[:-1])
    fails("roc.gap.clc_lines_match_stay", [CLC], case=other)


def test_single_active_commitment():
    one = [{"venue": "V1", "number": "E1", "status": "active"}, {"venue": "V1", "number": "E0", "status": "cancelled"}]
    run("roc.gap.single_active_commitment", commitments=one)
    fails("roc.gap.single_active_commitment", commitments=one + [{"venue": "V1", "number": "E2", "status": "active"}])


def test_cancel_before_second_clc():
    run("roc.gap.cancel_before_second_clc", [CLC])
    fails("roc.gap.cancel_before_second_clc", [CLC, dataclasses.replace(CLC, outcome="fault:commitment.active_exists")])


def test_no_cancelled_commitment_use():
    cancel = entry("ANN", M["ANN.request"], M["ANN.answer"])
    run("roc.gap.no_cancelled_commitment_use", [cancel], status={"commitment_number": "E2"},
        commitments=[{"number": "E1", "status": "cancelled"}])
    fails("roc.gap.no_cancelled_commitment_use", [cancel, dataclasses.replace(cancel,
                                                                               outcome="fault:commitment.already_cancelled")])
    fails("roc.gap.no_cancelled_commitment_use", [], status={"commitment_number": "E1"},
          commitments=[{"number": "E1", "status": "cancelled"}])


def test_requests_coherent():
    run("roc.gap.requests_coherent", [IDB, CLC])
    fails("roc.gap.requests_coherent", [dataclasses.replace(CLC, outcome="fault:amounts.incoherent")])


def test_fallback_to_patient():
    run("roc.gap.fallback_to_patient", params={"reason": "rights.*"},
        status={"billing": "patient", "state": "idb_refused", "fallback_reason": "rights.closed"})
    fails("roc.gap.fallback_to_patient", status={"billing": "amc", "state": "committed"})
    fails("roc.gap.fallback_to_patient", params={"reason": "rights.*"},
          status={"billing": "patient", "fallback_reason": "service.unavailable"})


def test_committed():
    answer = M["CLC.answer"]
    good = {"state": "committed", "commitment_number": answer.commitment_number,
            "quote": {"amc_cents": answer.quote.amc_cents}}
    run("roc.gap.committed", [CLC], status=good)
    fails("roc.gap.committed", [CLC], status={**good, "commitment_number": "ENG-OTHER"})
    fails("roc.gap.committed", [CLC], status={**good, "quote": {"amc_cents": answer.quote.amc_cents + 1}})


def test_client_timeout():
    held = dataclasses.replace(IDB, meta={"held": True, "client_gave_up": True}, duration_ms=5_050)
    run("roc.gap.client_timeout", [held])
    fails("roc.gap.client_timeout", [dataclasses.replace(held, meta={"held": True, "client_gave_up": False},
                                                         duration_ms=61_000)])
    with pytest.raises(CheckSkipped):
        run("roc.gap.client_timeout", [IDB])


# -- AMC under test: judged on the answers the bench received ----------------------------------------------------
def _quote(**changes) -> Quote:
    return dataclasses.replace(examples.QUOTE, **changes)


def test_sim_equals_clc():
    run("roc.amc.sim_equals_clc", answers=[SIM, CLC])
    other = dataclasses.replace(M["CLC.answer"], quote=_quote(amc_cents=examples.QUOTE.amc_cents + 100))
    fails("roc.amc.sim_equals_clc", answers=[SIM, entry("CLC", M["CLC.request"], other)])


def test_parts_add_up():
    run("roc.amc.parts_add_up", answers=[SIM])
    line = examples.QUOTE.lines[0]
    broken = _quote(lines=(dataclasses.replace(line, patient_cents=line.patient_cents + 1), *examples.QUOTE.lines[1:]))
    fails("roc.amc.parts_add_up", answers=[entry("SIM", M["SIM.request"], dataclasses.replace(M["SIM.answer"],
                                                                                               quote=broken))])


def test_commitments_unique():
    second_request = dataclasses.replace(M["CLC.request"], header=examples.header("EX-0099", 9, DAY))
    second = entry("CLC", second_request, dataclasses.replace(M["CLC.answer"], header=examples.header("EX-0099", 9, DAY)))
    run("roc.amc.commitments_unique", answers=[CLC, CLC])  # an identical retry may get the same number
    fails("roc.amc.commitments_unique", answers=[CLC, second])


def test_echoes_exchange_id():
    run("roc.amc.echoes_exchange_id", answers=[IDB, CLC])
    wrong = dataclasses.replace(M["IDB.answer"], header=examples.header("EX-OTHER", day=DAY))
    fails("roc.amc.echoes_exchange_id", answers=[entry("IDB", M["IDB.request"], wrong)])


def test_commitment_covers_stay():
    run("roc.amc.commitment_covers_stay", answers=[CLC])
    short = dataclasses.replace(M["CLC.answer"], valid_to=date(2000, 1, 1))
    fails("roc.amc.commitment_covers_stay", answers=[entry("CLC", M["CLC.request"], short)])


def test_idb_answer_complete():
    run("roc.amc.idb_answer_complete", answers=[IDB])
    answer = M["IDB.answer"]
    closed = dataclasses.replace(answer, coverage=dataclasses.replace(answer.coverage, status=RightsStatus.CLOSED))
    fails("roc.amc.idb_answer_complete", answers=[entry("IDB", M["IDB.request"], closed)])


def test_faults_from_catalogue():
    run("roc.amc.faults_from_catalogue", answers=[dataclasses.replace(IDB, outcome="fault:rights.closed")])
    fails("roc.amc.faults_from_catalogue", answers=[dataclasses.replace(IDB, outcome="fault:code:X42")])


def test_answers_in_request_version():
    run("roc.amc.answers_in_request_version", answers=[entry("IDB", M["IDB.request"], M["IDB.answer"], version="1.2")])
    fails("roc.amc.answers_in_request_version",
          answers=[entry("IDB", M["IDB.request"], M["IDB.answer"], version="1.2", answer_version="1.1")])


def test_line_refused():
    line = examples.QUOTE.lines[0]
    refused = _quote(lines=(dataclasses.replace(line, refusal="coverage.line_not_covered", amc_cents=0,
                                                patient_cents=line.patient_cents + line.amc_cents),
                            *examples.QUOTE.lines[1:]))
    run("roc.amc.line_refused", answers=[entry("SIM", M["SIM.request"], dataclasses.replace(M["SIM.answer"],
                                                                                             quote=refused))])
    none = _quote(lines=tuple(dataclasses.replace(item, refusal=None) for item in examples.QUOTE.lines))
    fails("roc.amc.line_refused", answers=[entry("SIM", M["SIM.request"], dataclasses.replace(M["SIM.answer"],
                                                                                               quote=none))])


def test_every_roc_check_has_a_test_here():
    import re
    from pathlib import Path

    text = Path(__file__).read_text(encoding="utf-8")
    tested = set(re.findall(r'"(roc\.(?:gap|amc)\.[a-z_]+)"', text))
    assert {c for c in REGISTRY.ids() if c.startswith("roc.")} <= tested
