"""Each generic check passes on a good exchange and fails on a bad one, naming expected, received and where."""
import pytest

from conformance.checks import builtin, run_check
from conformance.model import EntryRef, Outcome

PAN = "4970101234567893"  # Luhn-valid synthetic test number


def judge(check_id, ctx):
    return run_check(builtin().get(check_id), ctx)


def failed(result, *fragments):
    assert result.outcome is Outcome.FAIL, result
    assert result.message.startswith("Unexpected ")
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result


def test_no_pan_leak(entry, context):
    good = [entry("IDB", request="<NIR>185057800608436</NIR>"), entry("CLC", response="<carte>497010******7893</carte>")]
    assert judge("journal.no_pan_leak", context(good)).outcome is Outcome.PASS
    result = failed(judge("journal.no_pan_leak", context(good + [entry("CLC", request=f"<x>{PAN}</x>")])),
                    "expected none", "received PAN 497010******7893", "journal #2 amc/CLC request")
    assert result.evidence == (EntryRef("journal", 2),)
    assert PAN not in result.message
    failed(judge("journal.no_pan_leak", context(good, answers=[entry("IDB", response=f"{PAN}")])), "answers #0")
    failed(judge("journal.no_pan_leak", context([entry("IDB", meta={"masked_pans": 1})])), "1 PAN(s) masked")


def test_all_requests_schema_valid(entry, context):
    good = [entry("IDB"), entry("CLC")]
    assert judge("journal.all_requests_schema_valid", context(good)).outcome is Outcome.PASS
    bad = good + [entry("CLC", validation=("/Envelope/Body/CLC/Beneficiaire/NIR: value too short",))]
    result = failed(judge("journal.all_requests_schema_valid", context(bad)),
                    "Unexpected invalid request", "expected messages valid against the profile",
                    "received 1 invalid, first: /Envelope/Body/CLC/Beneficiaire/NIR", "(journal #2 amc/CLC)")
    assert result.evidence == (EntryRef("journal", 2),)
    assert judge("journal.all_requests_schema_valid", context(bad, {"service": "IDB"})).outcome is Outcome.PASS


def test_all_answers_schema_valid(entry, context):
    assert judge("answers.all_schema_valid", context(answers=[entry("IDB")])).outcome is Outcome.PASS
    failed(judge("answers.all_schema_valid", context(answers=[entry("IDB", validation=("missing RefIDB",))])),
           "Unexpected invalid answer", "missing RefIDB", "answers #0")


def test_order(entry, context):
    params = {"before": "IDB", "after": "CLC"}
    good = [entry("ANNUAIRE", actor="annuaire"), entry("IDB"), entry("SIM"), entry("CLC")]
    assert judge("journal.order", context(good, params)).outcome is Outcome.PASS
    failed(judge("journal.order", context([entry("ANNUAIRE"), entry("CLC"), entry("IDB")], params)),
           "Unexpected order of exchanges", "expected IDB before CLC", "received CLC with no IDB before it",
           "(journal #1 amc/CLC)")
    lower_case = [entry("annuaire"), entry("idb"), entry("clc")]  # the journal records operation ids
    assert judge("journal.order", context(lower_case, params)).outcome is Outcome.PASS
    refused = [entry("IDB", outcome="fault:rights.closed"), entry("CLC")]
    assert judge("journal.order", context(refused, params)).outcome is Outcome.PASS
    failed(judge("journal.order", context(refused, {**params, "before_outcome": "ok"})), "IDB with outcome ok")


def test_count(entry, context):
    params = {"service": "CLC", "min": 1, "max": 1}
    assert judge("journal.count", context([entry("IDB"), entry("CLC")], params)).outcome is Outcome.PASS
    result = failed(judge("journal.count", context([entry("CLC"), entry("IDB"), entry("CLC")], params)),
                    "Unexpected number of CLC exchanges", "expected exactly 1", "but received 2", "(journal #0, #2)")
    assert result.evidence == (EntryRef("journal", 0), EntryRef("journal", 2))
    failed(judge("journal.count", context([entry("IDB")], {"service": "CLC", "min": 1})), "expected at least 1",
           "received 0", "journal: none")
    failed(judge("journal.count", context([entry("IDB", outcome="timeout")] * 4,
                                          {"service": "IDB", "outcome": "timeout", "max": 3})),
           "IDB exchanges with outcome timeout", "at most 3", "received 4")


def test_unique(entry, context):
    same = entry("CLC", meta={"exchange_id": "x1"}, request="<CLC n='1'/>")
    good = [entry("IDB", meta={"exchange_id": "x0"}), same, same]  # an identical retry may reuse its id
    assert judge("journal.unique", context(good)).outcome is Outcome.PASS
    bad = good + [entry("CLC", meta={"exchange_id": "x1"}, request="<CLC n='2'/>")]
    failed(judge("journal.unique", context(bad)), "Unexpected reuse of exchange_id",
           "expected a new value for each new request", "received 'x1' again with a different request",
           "(journal #1 and #3)")
    failed(judge("journal.unique", context(good, {"allow_identical_retry": False})), "'x1' again")
    assert judge("journal.unique", context([entry("IDB")])).outcome is Outcome.SKIP


def test_retry_policy(entry, context):
    params = {"service": "CLC", "max_attempts": 3, "min_gap_ms": 500}
    # each attempt lasts 100 ms; gaps: 0.9 s then 1.9 s -> bounded, spaced, backing off
    good = [entry("CLC", second=0, outcome="timeout"), entry("CLC", second=1, outcome="timeout"),
            entry("CLC", second=3), entry("CLC", second=60, outcome="timeout"), entry("CLC", second=61)]
    assert judge("journal.retry_policy", context(good, params)).outcome is Outcome.PASS
    too_many = [entry("CLC", second=s, outcome="http_503") for s in (0, 1, 3, 7)]
    failed(judge("journal.retry_policy", context(too_many, params)), "Unexpected number of attempts for CLC",
           "expected at most 3", "received 4", "(journal #0, #1, #2, #3)")
    hasty = [entry("CLC", second=0, outcome="timeout"), entry("CLC", second=0.3)]
    failed(judge("journal.retry_policy", context(hasty, params)), "Unexpected delay before retrying CLC",
           "expected at least 500 ms", "received 200 ms", "(between journal #0 and #1)")
    shrinking = [entry("CLC", second=0, outcome="timeout"), entry("CLC", second=2, outcome="timeout"),
                 entry("CLC", second=3)]
    failed(judge("journal.retry_policy", context(shrinking, params)), "Unexpected retry delays for CLC",
           "expected non-decreasing delays (backoff)", "received 1900 ms then 900 ms", "(journal #0 to #2)")


def test_retry_policy_groups_by_meta_key(entry, context):
    journal = [entry("CLC", second=s, outcome="timeout", meta={"venue": v}) for s, v in ((0, "A"), (1, "B"), (2, "A"))]
    params = {"service": "CLC", "max_attempts": 1, "key": "venue"}
    failed(judge("journal.retry_policy", context(journal, params)), "received 2", "(journal #0, #2)")


def test_journal_outcome(entry, context):
    journal = [entry("IDB", outcome="fault:rights.closed"), entry("IDB")]
    assert judge("journal.outcome", context(journal, {"service": "IDB", "expected": "ok"})).outcome is Outcome.PASS
    failed(judge("journal.outcome", context(journal, {"service": "IDB", "expected": "ok", "which": "all"})),
           "Unexpected outcome of IDB exchange", "expected ok", "received fault:rights.closed", "(journal #0 amc/IDB)")
    assert judge("journal.outcome", context(journal, {"service": "IDB", "expected": "fault:*", "which": "any"})
                 ).outcome is Outcome.PASS
    failed(judge("journal.outcome", context([], {"service": "CLC", "expected": "ok"})), "Unexpected missing CLC",
           "received none")


def test_answers_outcome(entry, context):
    answers = [entry("CLC"), entry("CLC", outcome="fault:commitment.active_exists")]
    ctx = context(answers=answers, params={"expected": "fault:commitment.active_exists"})
    assert judge("answers.outcome", ctx).outcome is Outcome.PASS
    failed(judge("answers.outcome", context(answers=answers[:1], params={"expected": "fault:*"})),
           "Unexpected outcome of answer", "expected fault:*", "received ok", "(answers #0 amc/CLC)")
    assert judge("answers.outcome", context(params={"expected": "ok"})).outcome is Outcome.SKIP


@pytest.mark.parametrize("check_id", sorted(builtin().ids()))
def test_every_builtin_check_has_a_title(check_id):
    assert builtin().get(check_id).title
