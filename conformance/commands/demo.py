"""`simphonie demo` (what `make demo` runs): the whole bench against its own reference implementations.

Starts the simulators, runs every GAP suite with the reference GAP and every AMC suite against the bundled
AMC, writes each direction's reports (JSON, JUnit, HTML, evidence bundle), prints the summary and where the
HTML pages are. Exit 0 when the reference implementations are conformant.
"""
from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--report-dir", default="reports/out", show_default=True)
@click.option("--seed", type=int, default=20261125, show_default=True)
@click.option("--parallel", type=click.IntRange(1, 64), default=8, show_default=True)
def demo(report_dir: str, seed: int, parallel: int) -> None:
    """Run every suite against the bundled reference implementations and write the reports."""
    from conformance.commands.run import execute
    from conformance.session_bench import bundled_simulators

    root = Path(report_dir)
    codes: dict[str, int] = {}
    with bundled_simulators(seed=seed) as simulators:
        click.echo(f"simulators at {simulators.url}")
        for sut, driver_options in (("gap", {"variant": "reference"}), ("amc", {})):
            click.echo(f"\n=== {sut.upper()} under test: "
                       + ("the reference GAP against the simulated AMCs ===" if sut == "gap"
                          else "the bundled AMC, the bench playing the hospital ==="))
            codes[sut] = execute(
                suites=[], sut=sut, driver="reference", target=None, bench_url=simulators.url, seed=seed, tags=(),
                ids=(), report_dir=str(root / sut), formats=["json", "junit", "html"], parallel=parallel,
                run_id=f"demo-{sut}-{seed}", driver_options=driver_options, environment=simulators.environment)
    click.echo("\n=== summary ===")
    for sut, code in codes.items():
        verdict = {0: "conformant", 1: "NON-CONFORMANT", 2: "usage/config error", 3: "bench error"}[code]
        click.echo(f"  {sut.upper():4} {verdict:20} {root / sut / 'report.html'}")
    raise SystemExit(max(codes.values()))
