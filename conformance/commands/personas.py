"""`simphonie personas`: the named edge cases, with copy-pasteable data for a GAP's admission screen."""
from __future__ import annotations

import json

import click

from conformance.commands.options import config_option, settings_from


@click.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the persona cards as JSON.")
@click.option("--seed", type=int, default=None, help="Dataset seed (default: the settings' seed).")
@config_option
def personas(name: str | None, as_json: bool, seed: int | None, config: str | None) -> None:
    """List the personas, or show one persona's full card (NIR, attestation, DataMatrix content, stay)."""
    from simulators.data.personas import persona_card
    from simulators.runtime import dataset_for_seed

    settings = settings_from(config, seed=seed)
    dataset = dataset_for_seed(settings.seed)
    catalogue = dataset.personas if isinstance(dataset.personas, dict) else {p.name: p for p in dataset.personas}
    if name is not None:
        if name not in catalogue:
            raise click.BadParameter(f"unknown persona {name!r}; known: {', '.join(sorted(catalogue))}",
                                     param_hint="NAME")
        click.echo(json.dumps(persona_card(catalogue[name]), indent=2, ensure_ascii=False, default=str))
        return
    if as_json:
        click.echo(json.dumps([persona_card(p) for p in catalogue.values()], indent=2, ensure_ascii=False, default=str))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"personas (seed {settings.seed})")
    for column in ("name", "NIR", "AMC", "stay", "behaviours", "expected"):
        table.add_column(column, overflow="fold")
    for persona in catalogue.values():
        table.add_row(persona.name, str(persona.beneficiary.nir), persona.attestation.numero_amc,
                      f"{persona.stay.domaine.value} {persona.stay.admission_date}",
                      ", ".join(persona.behaviours) or "-", persona.expected)
    Console(width=160).print(table)
