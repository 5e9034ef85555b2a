"""`simphonie run`: play suites against a SUT, show progress, write reports; exit 0/1/2/3."""
from __future__ import annotations

import contextlib
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

EXIT_USAGE, EXIT_BENCH = 2, 3
BUNDLED_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"  # the suites shipped with the bench


def reachable(url: str, timeout: float = 3.0) -> str | None:
    """None when a TCP connection to the URL's host and port opens, else why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"cannot reach {parts.hostname}:{port}: {exc.strerror or exc}"


def default_suites() -> list[Path]:
    """./scenarios when the current folder has one (an editor's own suites), else the bench's bundled suites."""
    root = Path("scenarios") if Path("scenarios").is_dir() else BUNDLED_SCENARIOS
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def execute(*, suites: list[str], sut: str, driver: str, target: str | None, bench_url: str | None, seed: int,
            tags: tuple[str, ...], ids: tuple[str, ...], report_dir: str, formats: list[str], parallel: int,
            run_id: str, driver_options: dict[str, Any], echo=click.echo, bundle: bool = True,
            environment: dict[str, Any] | None = None, tls: dict[str, Any] | None = None, bench_port: int = 0) -> int:
    """The whole run; returns the exit code. Shared by `run` and `demo`."""
    from conformance.checks import builtin
    from conformance.events import Broadcast
    from conformance.runner import RunConfig, Runner
    from conformance.scenarios import load_suites, select
    from reports.progress import TextProgress
    from reports.writers import ReportSink, UnknownFormat, check_formats
    from simulators.runtime import dataset_for_seed

    try:
        check_formats(formats)
    except UnknownFormat as exc:
        echo(f"error: {exc}", err=True)
        return EXIT_USAGE
    from simulators import clock

    registry = builtin()
    run_day = clock.today()  # one day for the whole run, even one that crosses midnight
    dataset = dataset_for_seed(seed, run_day)
    paths = suites or [str(p) for p in default_suites()]
    if not paths:
        echo("error: no suite given and no scenarios/ folder here", err=True)
        return EXIT_USAGE
    loaded = load_suites(paths, registry=registry, personas=list(dataset.personas))
    for error in loaded.errors:
        echo(f"error: {error}", err=True)
    chosen_suites = [s for s in loaded.suites if s.sut == sut]
    scenarios = select([sc for s in chosen_suites for sc in s.scenarios], tags=list(tags),
                       ids=list(ids))
    if not scenarios:
        echo(f"error: no {sut} scenario selected from {', '.join(paths)}", err=True)
        return EXIT_USAGE
    for url, what in ((target, "SUT"), (bench_url, "bench")):
        if url:
            problem = reachable(url)
            if problem:
                echo(f"error: the {what} at {url} is unreachable: {problem}", err=True)
                return EXIT_BENCH
    environment = dict(environment or {})
    with contextlib.ExitStack() as stack:
        if bench_url is None and not (sut == "amc" and target):
            from conformance.session_bench import bundled_simulators

            bundled = stack.enter_context(bundled_simulators(seed=seed, port=bench_port))
            bench_url, environment = bundled.url, {**bundled.environment, **environment}
            echo(f"bundled simulators at {bench_url}")
        report = ReportSink(report_dir, formats, bundle="evidence.zip" if bundle else None)
        config = RunConfig(sut=sut, driver=driver, bench_url=bench_url, target=target, seed=seed,
                           run_id=run_id or f"s{seed}", parallel=parallel, driver_options=driver_options,
                           environment=environment, tls=tls or {}, reference_day=run_day.isoformat())
        run = Runner(config, Broadcast([TextProgress(sys.stdout), report]), registry=registry,
                     dataset=dataset).run(chosen_suites, scenarios)
    for name, path in sorted(report.written.items()):
        echo(f"  {name}: {path}")
    code = run.exit_code
    if loaded.errors and code in (0, 1):
        code = EXIT_USAGE
    return code


@click.command()
@click.argument("suites", nargs=-1, type=click.Path(exists=True))
@click.option("--sut", type=click.Choice(["gap", "amc"]), default="gap", show_default=True,
              help="What is judged: a GAP (the bench plays the AMCs) or an AMC server (the bench plays the hospital).")
@click.option("--driver", type=click.Choice(["reference", "http", "command", "manual"]), default="reference",
              show_default=True, help="How the bench tells the GAP to act (sut gap).")
@click.option("--target", default=None, help="SUT URL: the AMC's annuaire (sut amc) or the GAP adapter (driver http).")
@click.option("--bench", "bench_url", default=None, help="Simulators already running (default: start them here).")
@click.option("--variant", default="reference", show_default=True,
              help="With --driver reference: the bundled GAP or one of its broken variants.")
@click.option("--command", "command", default=None, help="With --driver command: the program run per action.")
@click.option("--tags", default="", help="Comma-separated tags to select (prefix ! to exclude).")
@click.option("--id", "ids", multiple=True, help="Scenario id pattern (repeatable).")
@click.option("--seed", type=int, default=20261125, show_default=True)
@click.option("--report-dir", default="reports/out", show_default=True)
@click.option("--format", "formats", default="json,junit,html", show_default=True)
@click.option("--parallel", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--run-id", default="", help="Prefix of the test sessions (use distinct ones for parallel runs).")
@click.option("--bench-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Loopback port of the bundled simulators (0: any free one); a fixed one keeps URLs in run.json "
                   "equal from run to run.")
@click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CA that signed the SUT's or the bench's server certificate (HTTPS).")
@click.option("--client-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Client certificate for mutual TLS; the bench's requests then speak for its FINESS.")
@click.option("--client-key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Key of --client-cert when not in the same file.")
def run(suites, sut, driver, target, bench_url, variant, command, tags, ids, seed, report_dir, formats, parallel,
        run_id, bench_port, ca_cert, client_cert, client_key) -> None:
    """Run conformance suites; exit 0 conformant, 1 non-conformant, 2 usage/config error, 3 bench error."""
    if sut == "gap" and driver == "http" and not target:
        raise click.UsageError("--driver http needs --target (the GAP adapter's base URL)")
    if sut == "gap" and driver == "command" and not command:
        raise click.UsageError("--driver command needs --command 'program args'")
    options: dict[str, Any] = {}
    if driver == "reference":
        from conformance.drivers.reference import all_variants, variant_family

        if variant_family(variant) is None:
            raise click.BadParameter(f"unknown variant {variant!r}; valid: reference, {', '.join(all_variants())}",
                                     param_hint="--variant")
        options["variant"] = variant
    if driver == "command":
        options["command"] = command
    tls: dict[str, Any] = {}
    if ca_cert:
        tls["verify"] = ca_cert
    if client_cert:
        from simulators.pki import finess_from_certificate

        tls["cert"] = (client_cert, client_key) if client_key else client_cert
        with open(client_cert, "rb") as handle:
            finess = finess_from_certificate(handle.read())
        if finess:
            tls["finess"] = (finess, finess)
    code = execute(suites=list(suites), sut=sut, driver=driver, target=target, bench_url=bench_url, seed=seed,
                   tags=tuple(t for t in tags.split(",") if t), ids=ids, report_dir=report_dir,
                   formats=[f for f in formats.split(",") if f], parallel=parallel, run_id=run_id,
                   driver_options=options, tls=tls, bench_port=bench_port)
    raise SystemExit(code)
