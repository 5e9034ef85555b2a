"""`simphonie validate FILE.xml`: check any ROC message (bare or in a SOAP envelope) against the profile."""
from __future__ import annotations

import click

from conformance.commands.options import config_option, settings_from


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--profile", "profile_name", default=None, help="Message profile (default bench-roc-1).")
@config_option
def validate(files: tuple[str, ...], profile_name: str | None, config: str | None) -> None:
    """Validate messages; prints each problem with the element's path. Exit 1 when any file is invalid."""
    from simulators.profiles import load_profile
    from simulators.profiles.validate import validate_document

    settings = settings_from(config, profile=profile_name)
    try:
        profile = load_profile(settings.profile)
    except (KeyError, FileNotFoundError, ValueError) as exc:
        raise click.UsageError(f"cannot load profile {settings.profile!r}: {exc}") from None
    invalid = 0
    for path in files:
        with open(path, "rb") as handle:
            report = validate_document(handle.read(), profile)
        if report.ok:
            click.echo(f"{path}: valid {report.operation} ({profile.name})")
            continue
        invalid += 1
        click.echo(f"{path}: INVALID" + (f" {report.operation}" if report.operation else ""))
        for problem in report.problems:
            click.echo(f"  {problem.path}: {problem.reason}")
    raise SystemExit(1 if invalid else 0)
