"""Options and helpers shared by several subcommands."""
from __future__ import annotations

import click

from simulators.settings import Settings, SettingsError, load_settings


def settings_from(config: str | None, **flags) -> Settings:
    """Settings from the layers, with a usage error (exit 2) that names the bad key."""
    try:
        return load_settings(config_file=config, overrides=flags)
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None


config_option = click.option("--config", type=click.Path(dir_okay=False), default=None,
                             help="Settings file (default: ./simphonie.toml if present).")
