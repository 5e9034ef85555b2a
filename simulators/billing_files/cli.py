"""`billing-file` commands: check a positional file offline, or show its records field by field.

Exit codes follow the bench: 0 valid, 1 problems found, 2 usage (unknown profile, unreadable path).
"""
from __future__ import annotations

import sys

import click

from simulators.billing_files.files import parse, resolve
from simulators.billing_files.profiles import profile_ids
from simulators.billing_files.records import decode, split


def _profile_option(command):
    return click.option("--profile", type=click.Choice(profile_ids()), default=None,
                        help="Profile to check against (default: the one the header names).")(command)


@click.group("billing-file")
def billing_file() -> None:
    """Positional billing files (bench-b2-1, bench-dre-es-1, bench-arl-1, bench-noemie-1, bench-rmeh-1)."""


@billing_file.command("validate")
@click.argument("path", type=click.File("rb"))
@_profile_option
def validate_command(path, profile: str | None) -> None:
    """List every problem in the file at PATH (record, type, column, field, reason)."""
    parsed = parse(path.read(), profile)
    for problem in parsed.problems:
        click.echo(str(problem))
    if parsed.problems:
        click.echo(f"{parsed.profile or 'unknown profile'}: {len(parsed.problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(f"{parsed.profile}: valid")


@billing_file.command("show")
@click.argument("path", type=click.File("rb"))
@_profile_option
def show_command(path, profile: str | None) -> None:
    """Print each record of the file at PATH with its fields by name."""
    data = path.read()
    target = resolve(profile, data)
    if target is None:
        raise click.UsageError(f"the header names no known profile; pass --profile ({', '.join(profile_ids())})")
    raws, _ = split(data, target)
    for raw in raws:
        record, problems = decode(raw, target)
        role = record.role if record else "?"
        click.echo(f"#{raw.number} {role}")
        if record:
            for spec in record.layout.fields:
                text = spec.slice(raw.text)
                click.echo(f"  {spec.start:>3}-{spec.end:<3} {spec.name:<20} {text!r}")
        for problem in problems:
            click.echo(f"  ! {problem}")
