"""Sample data for the report tests: a small but complete run: a pass, a failure with an invalid request carrying a card number, a bench error
and a skip, with requirement verdicts from the real catalogue."""
from __future__ import annotations

from conformance.model import (CheckResult, EntryRef, Outcome, RunInfo, RunResult, ScenarioResult, StepResult,
                               SuiteRef, SutDescription)
from conformance.requirements import judge_requirements, load_catalogue

CATALOGUE = load_catalogue()
from simulators.journal import JournalEntry

PAN = "4970101234567893"
MASKED_PAN = "497010******7893"

IDB = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
       '<roc:IDBRequete xmlns:roc="urn:simphonie-bench:bench-roc-1:roc"><roc:PatientBeneficiaire>'
       '<roc:NIR>185057800608436</roc:NIR></roc:PatientBeneficiaire></roc:IDBRequete></soap:Body></soap:Envelope>')
CLC_BAD = ('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
           '<roc:CLCRequete xmlns:roc="urn:simphonie-bench:bench-roc-1:roc"><roc:Lignes>'
           '<roc:Ligne><roc:Montant>1200</roc:Montant></roc:Ligne>'
           '<roc:Ligne><roc:Montant>-5</roc:Montant><roc:Note>carte ' + PAN + '</roc:Note></roc:Ligne>'
           '</roc:Lignes></roc:CLCRequete></soap:Body></soap:Envelope>')
PROBLEM = "/CLCRequete/Lignes/Ligne[2]/Montant: value must be at least 0: received '-5'"


def entry(service, request, *, outcome="ok", validation=(), second=0):
    return JournalEntry("sess-1", "amc", service, f"2026-03-02T08:00:{second:02d}+00:00", 12.5, request,
                        "<ok/>", outcome, validation, {"exchange_id": f"x{second}"})


def expect(*checks, entries=()):
    return StepResult(2, "expect", "expect checks", checks=tuple(checks), entries=tuple(entries))


def build_run() -> RunResult:
    passing = ScenarioResult(
        "roc.idb.rights-open", "Rights open", "roc-gap", ("smoke",), session="sess-1", duration_s=0.4,
        started="2026-03-02T08:00:00+00:00", source="scenarios/roc/idb.yaml:2",
        steps=(StepResult(1, "drive", "drive admit", entries=(EntryRef("journal", 0),)),
               expect(CheckResult("journal.order", Outcome.PASS, requirement_ids=("ROC-IDB-001",),
                                  params={"before": "IDB", "after": "CLC"}))),
        journal=(entry("idb", IDB),))
    failing = ScenarioResult(
        "roc.clc.amounts", "CLC amounts", "roc-gap", ("roc",), session="sess-2", duration_s=1.25,
        steps=(StepResult(1, "drive", "drive discharge", entries=(EntryRef("journal", 1),)),
               expect(CheckResult("journal.all_requests_schema_valid", Outcome.FAIL,
                                  "Unexpected invalid request: expected messages valid against the profile, but "
                                  f"received 1 invalid, first: {PROBLEM} (journal #1 amc/clc)",
                                  ("ROC-MSG-001",), (EntryRef("journal", 1),), "journal #1 amc/clc"),
                      CheckResult("journal.count", Outcome.FAIL, "Unexpected number of idb exchanges", ("ROC-IDB-010",),
                                  optional=True))),
        journal=(entry("idb", IDB), entry("clc", CLC_BAD, outcome="fault:request.schema_invalid",
                                          validation=(PROBLEM, "an unplaced problem"), second=1)))
    erroring = ScenarioResult(
        "roc.flt.timeout", "Timeout", "roc-gap", session="sess-3",
        steps=(expect(CheckResult("journal.retry_policy", Outcome.ERROR, "bench error in check: ValueError: bad date",
                                  ("ROC-FLT-040",), where="core.py:12")),))
    skipped = ScenarioResult("roc.sim.optional", "SIM optional", "roc-gap", status=Outcome.SKIP,
                             message="not applicable to this SUT <script>")
    scenarios = (passing, failing, erroring, skipped)
    info = RunInfo("0.1.0", "bench-roc-1", 42, SutDescription("gap", "reference", "http://127.0.0.1:0", "GAP <X>"),
                   (SuiteRef("roc-gap", "1.2.0", "ROC GAP suite", "scenarios/roc"),), "2026-03-02T08:00:00+00:00",
                   "run-42", reference_day="2026-03-02")
    return RunResult(info, scenarios, judge_requirements(CATALOGUE, scenarios), 3.5)
