"""`simphonie`: one CLI for the whole bench. Subcommands are registered by import path and loaded lazily,
so `simphonie personas` does not import Locust or scapy.

Exit codes everywhere: 0 conformant/ok, 1 non-conformant (or a threshold broken), 2 usage/config, 3 bench error.
"""
from __future__ import annotations

import importlib
import sys

import click

# name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "serve": "conformance.commands.serve:serve",
    "pki": "conformance.commands.pki:pki",
    "personas": "conformance.commands.personas:personas",
    "validate": "conformance.commands.validate:validate",
    "acquirer": "simulators.acquirer.cli:acquirer",
    "billing-file": "simulators.billing_files.cli:billing_file",
    "report": "reports.cli:report",
    "terminal": "hardware_emulator.cli:terminal",
    "run": "conformance.commands.run:run",
    "demo": "conformance.commands.demo:demo",
    "billing-smtp": "simulators.billing.cli:billing_smtp",
    "requirements": "conformance.commands.requirements:requirements",
    "load": "conformance.commands.load:load",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = COMMANDS.get(name)
        if spec is None:
            return None
        module_name, _, attribute = spec.partition(":")
        return getattr(importlib.import_module(module_name), attribute)


def _pin_clock(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--clock WHEN`: the whole bench (this process and those it starts) lives from WHEN on, ticking."""
    if value is None:
        return None
    from simulators import clock

    try:
        clock.pin(value)
    except clock.ClockError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="simphonie-bench")
@click.option("--clock", metavar="WHEN", default=None, expose_value=False, is_eager=True, callback=_pin_clock,
              help="Pin the bench's clock: an ISO date or date-time in French local time (2026-12-31T23:59), "
                   "from which it ticks. Default: the system clock, or $SIMPHONIE_CLOCK.")
def cli() -> None:
    """simphonie-bench: simulators and conformance bench for SIMPHONIE hospital billing flows."""


def main() -> None:
    try:
        from simulators import clock  # noqa: F401 - reads $SIMPHONIE_CLOCK once, here, with a clear error
    except ValueError as exc:
        click.echo(f"error: $SIMPHONIE_CLOCK: {exc}", err=True)
        sys.exit(2)
    try:
        cli.main(prog_name="simphonie", standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
