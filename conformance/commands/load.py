"""`simphonie load PROFILE`: a Locust load run judged against the profile's thresholds.

Exit codes: 0 every threshold holds, 1 one is broken (the output says which and by how much), 2 usage or a bad
profile, 3 the run itself failed (target unreachable, Locust crashed, no request answered). Locust and its gevent
patching stay in a child process; this module imports nothing heavy until the command runs.
"""
from __future__ import annotations

import re
from pathlib import Path

import click

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


class Duration(click.ParamType):
    """Seconds: `90`, `90s`, `5m`, `1h30m`."""

    name = "duration"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, (int, float)):
            seconds = float(value)
        else:
            match = _DURATION.match(str(value).strip())
            if not match or not any(match.groups()):
                self.fail(f"expected seconds or a duration like 90s, 5m, 1h30m; received {value!r}", param, ctx)
            hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
        if seconds <= 0:
            self.fail(f"the duration must be above 0, received {value!r}", param, ctx)
        return seconds


def _check_modes(profile, target, master, worker, processes, master_host, expect_workers, users, duration) -> None:
    if master and worker:
        raise click.UsageError("--master and --worker exclude each other")
    if worker:
        given = [name for name, value in (("PROFILE", profile), ("--target", target), ("--users", users),
                                          ("--duration", duration)) if value is not None]
        if given:
            raise click.UsageError(f"a --worker takes its profile and target from the master; remove {', '.join(given)}")
        return
    if profile is None:
        raise click.UsageError("missing PROFILE (steady, morning-peak, spike, soak, or a YAML file)")
    if master and processes:
        raise click.UsageError("--processes forks workers on this machine; with --master, start the workers with "
                               "`simphonie load --worker --processes N --master-host H`")
    if master_host is not None:
        raise click.UsageError("--master-host goes with --worker (the master binds with --master-bind-host)")
    if expect_workers is not None and not master:
        raise click.UsageError("--expect-workers goes with --master")


@click.command()
@click.argument("profile", required=False)
@click.option("--target", default=None, metavar="URL",
              help="Annuaire to load: http(s)://host:port (the bench's /annuaire) or the annuaire's full URL. "
                   "Default: start the bundled simulators (gunicorn) on a free port for the run.")
@click.option("--users", type=click.IntRange(1), default=None, help="Peak users (scales the whole shape).")
@click.option("--duration", type=Duration(), default=None, help="Run length: 90, 90s, 5m, 1h30m.")
@click.option("--processes", type=click.IntRange(1, 512), default=None,
              help="Locust processes on this machine (a local master and N workers).")
@click.option("--master", is_flag=True, help="Be the master of workers on other machines.")
@click.option("--worker", is_flag=True, help="Be a worker of a master elsewhere (--master-host).")
@click.option("--master-host", default=None, help="The master's address, for --worker (default 127.0.0.1).")
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True,
              help="The master's port (--master binds it, --worker connects to it).")
@click.option("--master-bind-host", default="*", show_default=True, help="Interface the --master listens on.")
@click.option("--expect-workers", type=click.IntRange(1), default=None,
              help="Workers the --master waits for before starting (default 1).")
@click.option("--wait-workers", type=Duration(), default=60.0, show_default=True,
              help="How long the --master waits for them.")
@click.option("--seed", type=click.IntRange(0), default=None, help="Seed of the drawn stays (profile's by default).")
@click.option("--stay-offset", type=click.IntRange(0, 9_000_000), default=None,
              help="First draw index: give each run against a stateful target its own stays.")
@click.option("--report-dir", type=click.Path(file_okay=False), default=None,
              help="Where Locust's HTML/CSV reports and summary.json go (default reports/out/load/PROFILE).")
@click.option("--server-workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="gunicorn workers of the bundled simulators (without --target).")
@click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CA certificate to trust for an https target.")
@click.option("--client-cert", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Client certificate (PEM) for mutual TLS.")
@click.option("--client-key", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Key of the client certificate, when not in the same file.")
@click.option("--finess", default=None, help="Every request speaks for this FINESS (default: the CN of "
                                                  "--client-cert, else each stay's establishment).")
@click.option("--diapason-url", default=None, metavar="URL",
              help="DIAPASON provider API for the diapason users (default: the target's /diapason/v1).")
@click.option("--cdri-url", default=None, metavar="URL",
              help="CDRi service for the cdri users (default: the target's /amo/cdri on a simphonie bench).")
@click.option("--terminal", default=None, metavar="HOST:PORT",
              help="Caisse-AP terminal for the terminal users (default: start a bundled one).")
@click.option("--no-session", is_flag=True, help="Against a simphonie bench, use its default session "
                                                  "instead of a fresh test session for the run.")
@click.option("--verbose", "-v", is_flag=True, help="Show Locust's own output.")
@click.pass_context
def load(ctx, profile, target, users, duration, processes, master, worker, master_host, master_port,
         master_bind_host, expect_workers, wait_workers, seed, stay_offset, report_dir, server_workers, ca_cert,
         client_cert, client_key, finess, diapason_url, cdri_url, terminal, no_session, verbose) -> None:
    """Run a load PROFILE with Locust and judge it against its thresholds.

    PROFILE is steady, morning-peak, spike, soak or the path of a YAML profile. Exit code 0 when every
    threshold holds, 1 when one breaks, 2 for usage errors, 3 when the run itself failed.
    """
    from load.runner import (Distribution, LoadRun, Tls, UsageProblem, run_load, run_worker, split_target,
                             split_terminal)

    _check_modes(profile, target, master, worker, processes, master_host, expect_workers, users, duration)
    mode = "worker" if worker else "master" if master else "local"
    dist = Distribution(mode=mode, processes=processes, expect_workers=expect_workers or 1,
                        master_host=master_host or "127.0.0.1", master_port=master_port,
                        master_bind_host=master_bind_host, wait_workers=wait_workers)
    if worker:
        ctx.exit(run_worker(dist, Path(report_dir or "reports/out/load/worker"), click.echo, verbose))

    from load.loadprofile import ProfileError, read_profile

    try:
        plan = read_profile(profile).with_overrides(users=users, duration=duration, seed=seed,
                                                    stay_offset=stay_offset)
        for url in (target, diapason_url, cdri_url):
            if url is not None:
                split_target(url)
        if terminal is not None:
            split_terminal(terminal)
        if finess is not None:
            from simulators.domain.identifiers import Finess, InvalidIdentifier

            try:
                Finess.parse(finess)
            except InvalidIdentifier as exc:
                raise UsageProblem(f"--finess: {exc}") from None
    except (ProfileError, UsageProblem) as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    tls = Tls(ca=ca_cert, cert=client_cert, key=client_key) if (ca_cert or client_cert) else None
    run = LoadRun(plan=plan, report_dir=Path(report_dir or f"reports/out/load/{plan.name}"), target=target,
                  distribution=dist, server_workers=server_workers, tls=tls, bench_session=not no_session,
                  verbose=verbose, finess=finess, diapason_url=diapason_url, cdri_url=cdri_url, terminal=terminal)
    ctx.exit(run_load(run, click.echo))
