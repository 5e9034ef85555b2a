"""`bench/terminal_bench.py` runs end to end (numbers are not asserted: performance belongs to `make bench`)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # bench/ is a top-level folder, importable from the checkout


def test_bench_prints_both_rates_next_to_the_line_maximum():
    script = "from bench.terminal_bench import main; main(['--seconds', '0.05'])"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "tx/s line max" in out
    rows = [row for row in map(str.split, out.splitlines()) if row[:1] in (["115200"], ["9600"]) and row[1].isdigit()]
    assert [row[0] for row in rows] == ["115200", "9600"]
    assert all(row[1] == "73" for row in rows)  # bytes per transaction with the 28-byte answer
    assert "emulator cores in memory" in out
