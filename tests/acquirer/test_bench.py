"""The acquirer benchmark runs end to end (a very short run: speed itself is never asserted in tests)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # bench/ is a top-level folder, importable from the checkout


def test_bench_prints_both_rates_and_their_ratio():
    script = "from bench.acquirer_bench import main; main(['--seconds', '0.05'])"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r"acquirer authorisations \(0100\)\s+\d+\s+\d+", result.stdout)
    assert re.search(r"baseline: fixed pre-encoded 0110\s+\d+\s+\d+", result.stdout)
    assert re.search(r"ratio acquirer/baseline: \d+\.\d\d\s+\((\d+) of \1 authorisations approved\)", result.stdout)
