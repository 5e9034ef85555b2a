"""docs/billing-files.md: its example runs, and it names every profile."""
from __future__ import annotations

import re
from pathlib import Path

from simulators.billing_files import profile_ids

DOC = Path(__file__).resolve().parents[2] / "docs" / "billing-files.md"


def test_the_documented_example_runs():
    text = DOC.read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    exec(compile(example, str(DOC), "exec"), {})


def test_every_profile_is_documented():
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{profile}`" in text for profile in profile_ids())
