from conformance.model import (CheckResult, Outcome, RunInfo, RunResult, ScenarioResult, StepResult,
                               SutDescription, aggregate, worst)

P, S, F, E = Outcome.PASS, Outcome.SKIP, Outcome.FAIL, Outcome.ERROR


def check(outcome, optional=False):
    return CheckResult("x.y", outcome, optional=optional)


def scenario(*checks, status=Outcome.PASS, step_status=Outcome.PASS):
    return ScenarioResult("sc", "t", status=status,
                          steps=(StepResult(1, "expect", "expect", status=step_status, checks=tuple(checks)),))


def run(*scenarios):
    return RunResult(RunInfo("0.1.0", "bench-roc-1", 1, SutDescription("gap")), tuple(scenarios))


def test_precedence_is_error_fail_skip_pass():
    assert worst([P, S, F]) is F
    assert worst([P, E, F]) is E
    assert worst([P, S]) is S
    assert worst([]) is S


def test_optional_results_count_only_when_nothing_required_except_errors():
    assert aggregate([(P, False), (F, True)]) is P
    assert aggregate([(P, False), (E, True)]) is E
    assert aggregate([(F, True), (P, True)]) is P  # all optional: one pass suffices (Inferno)
    assert aggregate([(F, True), (S, True)]) is F
    assert aggregate([]) is None


def test_scenario_outcome_is_worst_of_status_steps_and_checks():
    assert scenario(check(P), check(P)).outcome is P
    assert scenario(check(P), check(S)).outcome is S
    assert scenario(check(F), check(E)).outcome is E
    assert scenario(check(P), step_status=F).outcome is F
    assert scenario(check(P), status=E).outcome is E


def test_scenario_without_checks_verifies_nothing():
    assert ScenarioResult("sc", "t", steps=(StepResult(1, "drive", "drive admit"),)).outcome is S
    assert ScenarioResult("sc", "t", status=E, message="session setup failed").outcome is E


def test_optional_failure_does_not_fail_the_scenario():
    assert scenario(check(P), check(F, optional=True)).outcome is P


def test_run_outcome_ignores_skipped_scenarios_and_maps_exit_codes():
    assert run(scenario(check(P)), scenario(check(S))).outcome is P
    assert run(scenario(check(P))).exit_code == 0
    assert run(scenario(check(F)), scenario(check(P))).exit_code == 1
    assert run(scenario(check(F)), scenario(check(E))).exit_code == 3
    assert run().outcome is S and run().exit_code == 0 and run().verdict == "nothing verified"
    assert run(scenario(check(F)), scenario(check(P)), scenario(check(S))).counts() == {
        "pass": 1, "skip": 1, "fail": 1, "error": 0}
