"""`simphonie requirements`: the requirement catalogue, and which checks and scenarios verify each one."""
from __future__ import annotations

import click


@click.command()
@click.option("--coverage", "show_coverage", is_flag=True, help="Show which checks/scenarios verify each requirement.")
@click.option("--min-percent", type=click.FloatRange(0, 100), default=None,
              help="Exit 1 when fewer requirements than this are verified by a check.")
@click.option("--scenarios", "scenario_paths", multiple=True, type=click.Path(exists=True),
              help="Suites whose scenarios count for coverage (default: scenarios/).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--uncovered", is_flag=True, help="List only requirements no check verifies.")
def requirements(show_coverage: bool, min_percent: float | None, scenario_paths: tuple[str, ...], fmt: str,
                 uncovered: bool) -> None:
    """List requirements (with --coverage: verified by which checks), failing below --min-percent."""
    from conformance.commands.run import default_suites
    from conformance.requirements import coverage_command

    paths = scenario_paths or tuple(str(p) for p in default_suites())
    code = coverage_command(scenario_paths=paths, min_percent=min_percent, fmt=fmt, uncovered_only=uncovered)
    raise SystemExit(code)
