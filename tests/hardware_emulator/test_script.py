from __future__ import annotations

import pytest

from hardware_emulator.faults import Fault, FaultError
from hardware_emulator.script import ScriptError, TerminalScript, load_script


def test_queue_then_default():
    script = TerminalScript()
    script.set_outcomes(["wrong_pin", {"name": "approved", "delay": 2}])
    assert [script.next_outcome(100).name for _ in range(3)] == ["wrong_pin", "approved", "approved"]


def test_unknown_outcome_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown outcome 'stolen'; valid: approved, contactless, wrong_pin"):
        TerminalScript().queue_outcome("stolen")


def test_terminal_decided_outcomes_are_not_scriptable():
    with pytest.raises(ValueError, match="decided by the terminal"):
        TerminalScript().queue_outcome("currency_not_supported")


def test_fault_defaults_and_validation():
    fault = Fault.build("split_write", gap=2.5)
    assert fault.params == {"gap": 2.5, "at": 0.5}
    with pytest.raises(FaultError, match="unknown parameter\\(s\\) delay; valid: gap, at"):
        Fault.build("split_write", delay=1)
    with pytest.raises(FaultError, match="'count' must be a positive integer or 'always', received 0"):
        Fault.build("nak_frame", count=0)
    with pytest.raises(FaultError, match="must be non-empty hex bytes"):
        Fault.build("garbage", data="zz")
    with pytest.raises(FaultError, match="unknown line fault 'smoke'"):
        Fault.build("smoke")


def test_take_fault_counts_down():
    script = TerminalScript()
    script.arm_fault("nak_frame", count=2)
    assert [script.take_fault("nak_frame") is not None for _ in range(3)] == [True, True, False]
    script.arm_fault("nak_frame", count=None)
    assert all(script.take_fault("nak_frame") for _ in range(5))


def test_yaml_script(tmp_path):
    path = tmp_path / "desk.yaml"
    path.write_text(
        "seed: 42\n"
        "default_outcome: declined\n"
        "outcomes: [wrong_pin, {name: approved, delay: 1.5}]\n"
        "amount_rules: {5100: insufficient_funds}\n"
        "faults:\n  - {kind: split_write, gap: 3.2}\n  - {kind: nak_frame, count: always}\n"
    )
    script, seed = load_script(path)
    assert seed == 42
    assert script.snapshot() == {
        "default_outcome": "declined",
        "outcomes": [{"name": "wrong_pin", "delay": 0.0}, {"name": "approved", "delay": 1.5}],
        "amount_rules": {"5100": "insufficient_funds"},
        "faults": [{"kind": "split_write", "count": 1, "gap": 3.2, "at": 0.5},
                   {"kind": "nak_frame", "count": "always"}],
    }


@pytest.mark.parametrize("text, message", [
    ("outcomes: [approved, nope]", "outcomes\\[1\\]: unknown outcome 'nope'"),
    ("faults: [{kind: split_write, gap: -1}]", "faults\\[0\\]: fault 'split_write': 'gap' must be a non-negative"),
    ("faults: [split_write]", "faults\\[0\\]: expected a mapping with 'kind'"),
    ("colour: red", "unknown script key\\(s\\) colour"),
    ("seed: abc", "'seed' must be an integer"),
    ("outcomes: [approved", "cannot read terminal script"),
    ("amount_rules: {abc: declined}", "amount rule key must be integer cents"),
])
def test_yaml_errors_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScriptError, match=message) as error:
        load_script(path)
    assert str(path) in str(error.value)


def test_the_yaml_example_in_the_docs_loads(tmp_path):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "terminal.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "desk.yaml"
    path.write_text(example)
    script, seed = load_script(path, TerminalScript(protocol="concert"))
    assert seed == 42 and [o["name"] for o in script.snapshot()["outcomes"]] == ["wrong_pin", "approved"]
