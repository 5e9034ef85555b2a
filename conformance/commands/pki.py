"""`simphonie pki`: write the test PKI (CA, server, one client per FINESS, expired and wrong-CA clients)."""
from __future__ import annotations

import click

from conformance.commands.options import config_option, settings_from


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder (default: tls_dir setting).")
@click.option("--finess", "finess_list", multiple=True, help="FINESS to issue client certificates for "
              "(default: every establishment of the seeded dataset).")
@click.option("--host", "hosts", multiple=True, help="Extra host names/IPs for the server certificate.")
@config_option
def pki(out_dir: str | None, finess_list: tuple[str, ...], hosts: tuple[str, ...], config: str | None) -> None:
    """Generate the test PKI that stands in for the ROC cercle de confiance."""
    from simulators.domain import Finess, InvalidIdentifier
    from simulators.pki import generate_pki

    settings = settings_from(config)
    for value in finess_list:
        try:
            Finess.parse(value)
        except InvalidIdentifier as exc:
            raise click.BadParameter(str(exc), param_hint="--finess") from None
    if not finess_list:
        from simulators.runtime import dataset_for_seed

        dataset = dataset_for_seed(settings.seed)
        finess_list = tuple(sorted({str(e.finess_geographique) for e in dataset.establishments} |
                                   {str(e.finess_juridique) for e in dataset.establishments}))
    paths = generate_pki(out_dir or settings.tls_dir, list(finess_list),
                         hosts=("localhost", "127.0.0.1", "::1", *hosts))
    click.echo(f"test PKI written to {paths.root}/")
    click.echo(f"  CA:      {paths.ca_cert}")
    click.echo(f"  server:  {paths.server_cert} (+ key)")
    for value in finess_list:
        click.echo(f"  client:  {paths.client(value)[0]} (FINESS {value})")
    click.echo(f"  refused: {paths.client('expired')[0]} (expired), {paths.client('wrong-ca')[0]} (another CA)")
