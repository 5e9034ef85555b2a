from conformance.events import (Broadcast, CheckFinished, Collector, RunFinished, RunStarted, ScenarioFinished,
                                ScenarioStarted, StepFinished, replay)
from conformance.model import CheckResult, Outcome, RunInfo, RunResult, ScenarioResult, StepResult, SutDescription


def test_replay_emits_the_documented_order_to_every_sink():
    step = StepResult(1, "expect", "expect", checks=(CheckResult("a.b", Outcome.PASS),))
    result = RunResult(RunInfo("0.1.0", "bench-roc-1", 7, SutDescription("gap")),
                       (ScenarioResult("sc", "t", steps=(step,)),))
    first, second = Collector(), Collector()
    replay(result, Broadcast([first, second]))
    kinds = [type(e) for e in first.events]
    assert kinds == [RunStarted, ScenarioStarted, CheckFinished, StepFinished, ScenarioFinished, RunFinished]
    assert first.events == second.events
    assert first.result is result
    assert first.scenarios == [result.scenarios[0]]
    assert first.events[1].position == 1 and first.events[1].total == 1
