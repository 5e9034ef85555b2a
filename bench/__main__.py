"""`make bench`: run every benchmark module in turn; each prints its own ratios against a same-run baseline.

`python -m bench [NAME ...]` runs a subset. A benchmark that breaks is reported and the others still run;
the exit code is 1 when any broke (a performance target missed is printed, not failed: speed is measured here,
never asserted in tests).
"""
from __future__ import annotations

import importlib
import sys
import traceback

from simulators import clock

BENCHMARKS: dict[str, str] = {
    "roc": "bench.roc_bench",
    "suite": "bench.suite_bench",
    "locust": "bench.locust_bench",
    "profile": "bench.profile_bench",
    "terminal": "bench.terminal_bench",
    "acquirer": "bench.acquirer_bench",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    broken = []
    for name in names:
        print(f"\n=== {name} " + "=" * (60 - len(name)), flush=True)
        started = clock.monotonic()
        try:
            importlib.import_module(BENCHMARKS[name]).main()
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            broken.append(name)
        print(f"--- {name}: {clock.monotonic() - started:.1f} s", flush=True)
    if broken:
        print(f"\nbenchmarks that broke: {', '.join(broken)}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
