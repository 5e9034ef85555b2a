"""`simphonie report`: verify an evidence bundle, or render reports again from a run.json.
Registered by the lead in conformance/cli.py as "report": "reports.cli:report"."""
from __future__ import annotations

import sys

import click


@click.group("report")
def report() -> None:
    """Evidence bundles and report files."""


@report.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--digest", default=None, help="Expected bundle digest (SHA-256 of its SHA256SUMS), as printed at the run.")
def verify(bundle: str, digest: str | None) -> None:
    """Check a bundle offline: exit 0 when intact, 1 when a file is tampered, missing or extra."""
    from reports.bundle import MANIFEST, sha256, verify_bundle

    problems = verify_bundle(bundle, expected_digest=digest)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    if problems:
        sys.exit(1)
    import zipfile

    with zipfile.ZipFile(bundle) as archive:
        click.echo(f"{bundle}: intact ({len(archive.namelist()) - 1} files, digest {sha256(archive.read(MANIFEST))})")


@report.command("render")
@click.argument("run_json", type=click.Path(exists=True, dir_okay=False))
@click.option("--report-dir", default=".", show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "formats", default="junit,html", show_default=True, help="Comma-separated: json, junit, html.")
def render(run_json: str, report_dir: str, formats: str) -> None:
    """Write reports again from a stored run.json."""
    from reports.writers import UnknownFormat, write_reports
    from reports.json_report import read_json

    try:
        run = read_json(run_json)
        written = write_reports(run, report_dir, formats.split(","))
    except (UnknownFormat, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    for name, path in written.items():
        click.echo(f"{name}: {path}")
