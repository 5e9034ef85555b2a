"""`acquirer`: serve the ISO 8583 acquirer over TCP until Ctrl-C (registered into `simphonie` by the lead)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from simulators.acquirer.codec import SPECS
from simulators.acquirer.core import AcquirerConfig, AcquirerCore
from simulators.acquirer.framing import HEADERS
from simulators.acquirer.rules import DEFAULT_AMOUNT_LIMIT, RuleSettings
from simulators.acquirer.server import DEFAULT_PORT, AcquirerServer
from simulators.journal import JournalEntry


class ConsoleJournal:
    """One line per exchange on the console, and every entry as a JSON line in `path` when given."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path

    def record(self, entry: JournalEntry) -> None:
        meta = entry.meta
        click.echo(f"{entry.at} {entry.session} {entry.service} stan={meta.get('stan', '-')} "
                   f"DE39={meta.get('response_code', '-')} {entry.outcome} {meta.get('reason', '')}".rstrip())
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n")


@click.command("acquirer")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0: any free port, printed at start).")
@click.option("--header", type=click.Choice(HEADERS), default="2b", show_default=True,
              help="Length header: 2-byte binary big-endian, 4 ASCII digits, or none.")
@click.option("--spec", type=click.Choice(list(SPECS)), default="ascii", show_default=True,
              help="Bitmap encoding: hex ASCII (pyiso8583 default_ascii) or 8-byte binary (default).")
@click.option("--amount-limit", type=click.IntRange(0), default=DEFAULT_AMOUNT_LIMIT, show_default=True,
              help="Amounts above this many cents are declined with 61.")
@click.option("--idle-timeout", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Seconds a connection may stay silent before it is closed.")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Append every journal entry (card data masked) to this JSON-lines file.")
def acquirer(host: str, port: int, header: str, spec: str, amount_limit: int, idle_timeout: float,
             journal_path: Path | None) -> None:
    """Serve the ISO 8583 acquirer simulator (0100/0200/0220/0400/0420/0800) until Ctrl-C."""
    config = AcquirerConfig(spec=spec, rules=RuleSettings(amount_limit=amount_limit))
    core = AcquirerCore(config, journal=ConsoleJournal(journal_path))
    server = AcquirerServer(core, host, port, header=header, idle_timeout=idle_timeout)
    bound_host, bound_port = server.address
    click.echo(f"acquirer listening on {bound_host}:{bound_port} (header {header}, spec {spec}); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("acquirer: stopping")
    finally:
        server.stop()
