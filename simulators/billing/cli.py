"""`simphonie billing-smtp`: the SMTP billing intake as its own process, sharing the simulators' SQLite state.

Run one next to `simphonie serve` (the HTTP side and CDRi are the `amo` actor of the app): both read and write the
same database, so lots received here show in `/billing/<side>/...` and in the journal.
"""
from __future__ import annotations

import signal
import threading
from pathlib import Path

import click


def _relay(value: str | None) -> tuple[str, int] | None:
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"expected HOST:PORT, received {value!r}", param_hint="--relay")
    return host.strip("[]"), int(port)


@click.command("billing-smtp")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=2525, show_default=True, help="Port (0 = any free).")
@click.option("--domain", default="billing.simphonie.test", show_default=True, help="The bench's mail domain.")
@click.option("--tls/--no-tls", default=True, show_default=True, help="Offer STARTTLS with the bench PKI.")
@click.option("--require-starttls", is_flag=True, help="Refuse mail before STARTTLS.")
@click.option("--relay", default=None, help="HOST:PORT of the mail server ARLs and returns are sent to.")
@click.option("--relay-starttls", is_flag=True, help="Use STARTTLS towards the relay.")
@click.option("--relay-ca", type=click.Path(dir_okay=False, exists=True), default=None,
              help="CA file to verify the relay (default: system CAs).")
@click.option("--db", "db_path", default=None, help="SQLite file of the state (default: the settings').")
@click.option("--seed", type=int, default=None, help="Seed of the default dataset.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="Settings file.")
def billing_smtp(host, port, domain, tls, require_starttls, relay, relay_starttls, relay_ca, db_path, seed,
                 config) -> None:
    """Receive B2 and DRE-ES lots by SMTP; send ARLs and returns to each sender through --relay."""
    from simulators.billing.smtp import BillingSmtpServer, SmtpConfig
    from simulators.pki import PkiPaths, generate_pki
    from simulators.runtime import Runtime, dataset_for_seed
    from simulators.settings import SettingsError, load_settings
    from simulators.store import Store

    try:
        settings = load_settings(config_file=config, overrides={"db_path": db_path, "seed": seed})
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    paths = None
    if tls:
        paths = PkiPaths(Path(settings.tls_dir))
        if not paths.ca_cert.exists():
            click.echo(f"no test PKI in {settings.tls_dir}/: generating one (see `simphonie pki`)")
            dataset = dataset_for_seed(settings.seed)
            generate_pki(settings.tls_dir, sorted({str(e.finess_geographique) for e in dataset.establishments}))
    runtime = Runtime(settings, Store(settings.db_path, default_seed=settings.seed))
    smtp_config = SmtpConfig(host=host, port=port, domain=domain, tls=paths, require_starttls=require_starttls,
                             relay=_relay(relay), relay_starttls=relay_starttls, relay_ca=relay_ca,
                             max_bytes=max(settings.max_body_bytes * 2, 65_536))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with BillingSmtpServer(runtime, smtp_config) as server:
        click.echo(f"billing SMTP intake on {host}:{server.port} ({'STARTTLS offered' if paths else 'no TLS'}), "
                   f"state in {settings.db_path}")
        click.echo(f"  AMO lots: {server.address('amo')}  (session: {server.address('amo', '<session>')})")
        click.echo(f"  AMC lots: {server.address('amc')}")
        click.echo(f"  ARLs and returns go to each sender through {relay or 'no relay: fetch them over HTTP'}")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
