"""`simphonie serve`: the simulators under gunicorn (production WSGI server), state in SQLite WAL."""
from __future__ import annotations

from pathlib import Path

import click

from conformance.commands.options import config_option, settings_from


@click.command()
@click.option("--actors", default=None, help="Comma-separated actors to mount (annuaire, amc, amo, diapason).")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to bind (0 = any free port; default 8080).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="gunicorn worker processes.")
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Threads per worker (slow-AMC behaviours hold a thread while they wait).")
@click.option("--tls/--no-tls", default=None, help="HTTPS with mutual TLS (client certificate required).")
@click.option("--db", "db_path", default=None, help="SQLite file for the state (default var/simphonie.sqlite).")
@click.option("--seed", type=int, default=None, help="Seed of the default dataset.")
@config_option
def serve(actors, host, port, workers, threads, tls, db_path, seed, config) -> None:
    """Serve the simulated ecosystem (annuaire and AMC by default) until Ctrl-C."""
    from simulators.app import create_app
    from simulators.pki import PkiPaths, generate_pki
    from simulators.server import serve_production

    settings = settings_from(config, actors=actors, host=host, port=port, workers=workers, tls=tls,
                             db_path=db_path, seed=seed)
    tls_paths = None
    if settings.tls:
        tls_paths = PkiPaths(Path(settings.tls_dir))
        if not tls_paths.ca_cert.exists():
            click.echo(f"no test PKI in {settings.tls_dir}/: generating one (see `simphonie pki`)")
            from simulators.runtime import dataset_for_seed

            dataset = dataset_for_seed(settings.seed)
            generate_pki(settings.tls_dir, sorted({str(e.finess_geographique) for e in dataset.establishments} |
                                                  {str(e.finess_juridique) for e in dataset.establishments}))
    # Fail fast (bad profile, unwritable database) before forking workers, then close that app's SQLite
    # connection: one left open in the arbiter would be closed after the fork and take the WAL files away
    # from under the workers.
    create_app(settings).extensions["simphonie"].store.close()

    def ready(url: str) -> None:
        click.echo(f"simphonie-bench serving {', '.join(settings.actors)} at {url} "
                   f"({settings.workers} worker(s), state in {settings.db_path})")
        if "annuaire" in settings.actors:
            click.echo(f"  annuaire:  {url}/annuaire   (WSDL: {url}/annuaire?wsdl)")
        click.echo(f"  control:   {url}/_bench/sessions")
        click.echo(f"  sessions:  {url}/s/<session>/annuaire  or header {settings.session_header}")
        if tls_paths:
            click.echo(f"  mTLS:      CA {tls_paths.ca_cert}, client certificates in {tls_paths.root}/clients/")

    serve_production(lambda: create_app(settings), host=settings.host, port=settings.port,
                     workers=settings.workers, threads=threads, tls_paths=tls_paths, on_ready=ready)
