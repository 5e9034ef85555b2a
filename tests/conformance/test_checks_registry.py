import pytest

from conformance.checks import (CheckContext, CheckFailed, CheckSkipped, Registry, UnknownCheck, builtin,
                                params_schema, run_calls, run_check)
from conformance.model import EntryRef, Outcome


@pytest.fixture
def registry():
    reg = Registry()

    @reg.check("demo.passes", verifies=["ROC-MSG-001"], title="Always passes")
    def passes(ctx):
        pass

    @reg.check("demo.fails", verifies=["ROC-CLC-012"])
    def fails(ctx):
        """Fails with evidence."""
        raise CheckFailed("CLC amount", expected="12.00 EUR", received="11.00 EUR", where="journal #3 CLC",
                          evidence=[3, EntryRef("answers", 0)])

    @reg.check("demo.skips")
    def skips(ctx):
        raise CheckSkipped("no SIM in this stay")

    @reg.check("demo.crashes")
    def crashes(ctx):
        return {}["missing"]

    @reg.check("demo.typed", params=params_schema({"service": {"type": "string"}}, required=["service"]))
    def typed(ctx):
        pass

    return reg


def test_decorator_registers_metadata(registry):
    chk = registry.get("demo.fails")
    assert chk.verifies == ("ROC-CLC-012",)
    assert chk.title == "Fails with evidence."
    assert registry.get("demo.passes").title == "Always passes"
    assert registry.ids() == sorted(registry.ids()) and "demo.skips" in registry and len(registry) == 5


def test_unknown_id_lists_close_matches(registry):
    with pytest.raises(UnknownCheck) as info:
        registry.get("demo.fail")
    assert "unknown check 'demo.fail'" in str(info.value)
    assert "demo.fails" in info.value.suggestions


def test_registering_twice_or_badly_is_refused(registry):
    with pytest.raises(ValueError, match="registered twice"):
        registry.check("demo.passes")(lambda ctx: None)
    with pytest.raises(ValueError, match="dotted"):
        registry.check("NoDots")(lambda ctx: None)
    with pytest.raises(ValueError, match="malformed requirement"):
        registry.check("demo.bad_req", verifies=["clc-12"])(lambda ctx: None)


def test_outcomes_are_typed(registry):
    ctx = CheckContext()
    assert run_check(registry.get("demo.passes"), ctx).outcome is Outcome.PASS
    skipped = run_check(registry.get("demo.skips"), ctx)
    assert skipped.outcome is Outcome.SKIP and skipped.message == "no SIM in this stay"
    crashed = run_check(registry.get("demo.crashes"), ctx)
    assert crashed.outcome is Outcome.ERROR
    assert "bench error in check demo.crashes: KeyError" in crashed.message
    assert crashed.where.startswith("test_checks_registry.py:")


def test_failure_message_names_expected_received_and_where(registry):
    result = run_check(registry.get("demo.fails"), CheckContext(), verifies=["ROC-CLC-005"])
    assert result.outcome is Outcome.FAIL
    assert result.message == ("Unexpected CLC amount: expected 12.00 EUR, but received 11.00 EUR (journal #3 CLC)")
    assert result.where == "journal #3 CLC"
    assert result.evidence == (EntryRef("journal", 3), EntryRef("answers", 0))
    assert result.requirement_ids == ("ROC-CLC-012", "ROC-CLC-005")


def test_bad_parameters_are_a_bench_error_not_a_failure(registry):
    result = run_check(registry.get("demo.typed"), CheckContext(params={"servic": "IDB"}))
    assert result.outcome is Outcome.ERROR
    assert "bad parameters for check demo.typed" in result.message and "'service' is a required property" in result.message


def test_free_form_failure_message():
    assert str(CheckFailed("expected <NumEngagement>, found none")) == "expected <NumEngagement>, found none"


def test_builtin_loads_every_module_of_the_package():
    reg = builtin()
    assert {"journal.no_pan_leak", "journal.order", "journal.count", "journal.all_requests_schema_valid"} <= set(reg.ids())


def test_run_calls_runs_an_expect_step_and_survives_unknown_ids(registry):
    from conformance.scenarios import CheckCall

    calls = [CheckCall("demo.typed", {"service": "IDB"}), CheckCall("demo.nope", {}, ("ROC-MSG-001",)),
             CheckCall("demo.fails", {}, ("ROC-CLC-005",))]
    results = run_calls(calls, CheckContext(scenario_id="sc"), registry)
    assert [r.outcome for r in results] == [Outcome.PASS, Outcome.ERROR, Outcome.FAIL]
    assert results[0].params == {"service": "IDB"}
    assert "unknown check 'demo.nope'" in results[1].message and results[1].requirement_ids == ("ROC-MSG-001",)
    assert results[2].requirement_ids == ("ROC-CLC-012", "ROC-CLC-005")
