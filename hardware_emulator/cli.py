"""`simphonie terminal`: serve an emulated payment terminal until Ctrl-C (the lead registers the command)."""
from __future__ import annotations

import logging
import signal
import threading

import click

from hardware_emulator.caisse_ap.terminal import CaisseApOptions
from hardware_emulator.concert.terminal import ConcertTimings
from hardware_emulator.emulator import CAISSE_AP_PORT, Link, TerminalEmulator
from hardware_emulator.faults import CAISSE_AP, PROTOCOLS
from hardware_emulator.registry import TerminalRegistry
from hardware_emulator.script import ScriptError, TerminalScript, load_script
from hardware_emulator.transports.pty_link import BAUD_RATES, DEFAULT_SYMLINK

PROTOCOL_LABELS = {"concert": "Concert E+", "caisse-ap": "Caisse-AP V3 (TLV over TCP)"}


class LinkType(click.ParamType):
    name = "pty|tcp|serial:URL"

    def convert(self, value, param, ctx) -> Link:
        if isinstance(value, Link):
            return value
        try:
            return Link.parse(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


@click.command("terminal")
@click.option("--protocol", type=click.Choice(PROTOCOLS), default="concert", show_default=True,
              help="concert: Concert E+ over a serial line; caisse-ap: Caisse-AP V3 TLV over TCP.")
@click.option("--link", type=LinkType(), default="pty", show_default=True,
              help="pty (a pseudo-terminal behind --symlink), tcp (--host/--port), or serial:URL (pyserial URL).")
@click.option("--host", default="127.0.0.1", show_default=True, help="TCP address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=CAISSE_AP_PORT, show_default=True,
              help="TCP port (0 picks a free one).")
@click.option("--symlink", default=DEFAULT_SYMLINK, show_default=True, help="Stable path for the pty's slave device.")
@click.option("--baud", type=click.Choice([str(rate) for rate in BAUD_RATES]), default="9600", show_default=True,
              help="Line speed set on the pty (termios) or the serial port.")
@click.option("--pace/--no-pace", default=False, show_default=True,
              help="Deliver the terminal's bytes at the baud rate (a pty does not enforce it).")
@click.option("--7e1", "seven_e_one", is_flag=True, help="7 data bits, even parity (native RS-232) on serial links.")
@click.option("--script", "script_path", type=click.Path(exists=True, dir_okay=False),
              help="YAML script of outcomes, amount rules and line faults.")
@click.option("--seed", type=int, default=None, help="Seed for the synthetic cards (default: the script's, else 0).")
@click.option("--session", default="default", show_default=True, help="Session name written in the journal.")
@click.option("--consent-code", default="7", show_default=True,
              help="Transaction type (Concert) / action CD (Caisse-AP) of the DIAPASON consent.")
@click.option("--processing", type=click.FloatRange(0, 600), default=0.5, show_default=True,
              help="Seconds the cardholder takes at the terminal (added to each outcome's delay).")
@click.option("--control-port", type=click.IntRange(0, 65535), default=None,
              help="Also serve the /_terminal control API (JSON) on this port of --host.")
@click.option("--pcap", "pcap_path", type=click.Path(dir_okay=False, writable=True),
              help="Write every exchange (masked) to this pcap file.")
def terminal(protocol: str, link: Link, host: str, port: int, symlink: str, baud: str, pace: bool,
             seven_e_one: bool, script_path: str | None, seed: int | None, session: str, consent_code: str,
             processing: float, control_port: int | None, pcap_path: str | None) -> None:
    """Emulate a payment terminal (TPE) for a GAP: Concert E+ on a pty/serial line or Caisse-AP over TCP."""
    if protocol == CAISSE_AP and link.kind != "tcp":
        raise click.BadParameter("caisse-ap runs over tcp only (Concert V3 serial framing is not public)",
                                 param_hint="--link")
    if len(consent_code) != 1:
        raise click.BadParameter(f"expected one character, received {consent_code!r}", param_hint="--consent-code")
    script = TerminalScript(protocol=protocol)
    if script_path:
        try:
            script, file_seed = load_script(script_path, script)
        except ScriptError as error:
            raise click.BadParameter(str(error), param_hint="--script") from None
        seed = file_seed if seed is None else seed
    journal = None
    if pcap_path:
        from hardware_emulator.capture import PcapJournal

        journal = PcapJournal(pcap_path, link="tcp" if link.kind == "tcp" else "serial", port=port)
    registry = TerminalRegistry()
    emulator = TerminalEmulator(
        protocol, link, script=script, seed=seed or 0, journal=journal, session=session, registry=registry,
        host=host, port=port, symlink=symlink, baud=int(baud), pace=pace, seven_e_one=seven_e_one,
        timings=ConcertTimings(processing=processing), consent_code=consent_code,
        caisse_ap=CaisseApOptions(consent_action=consent_code, processing=processing),
    )
    try:
        address = emulator.start()
    except (OSError, ValueError) as error:
        raise click.BadParameter(str(error), param_hint="--link/--port/--symlink") from None
    stopped = threading.Event()
    if threading.current_thread() is threading.main_thread():  # Ctrl-C and SIGTERM stop cleanly (symlink removed)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
    try:
        _announce(emulator, address, baud, seven_e_one)
        if control_port is not None:
            click.echo(f"control API: http://{_serve_control(registry, host, control_port)}/_terminal/tpe0")
        click.echo("Ctrl-C to stop.")
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        if journal is not None:
            journal.close()
        click.echo("terminal stopped.")


def _announce(emulator: TerminalEmulator, address: str, baud: str, seven_e_one: bool) -> None:
    label = PROTOCOL_LABELS[emulator.protocol]
    if emulator.pty is not None:
        framing = "7E1" if seven_e_one else "8N1"
        click.echo(f"{label} terminal on {address} (-> {emulator.pty.device}), {baud} baud {framing}")
        click.echo(f"open it from the GAP as a serial port, e.g. serial.Serial({address!r}, {baud})")
    else:
        click.echo(f"{label} terminal on {emulator.link} at {address}")


def _serve_control(registry: TerminalRegistry, host: str, port: int) -> str:
    from flask import Flask
    from werkzeug.serving import make_server

    from hardware_emulator.control import create_control_blueprint

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log over the terminal's own output
    app = Flask("simphonie-terminal")
    app.register_blueprint(create_control_blueprint(registry))
    server = make_server(host, port, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="terminal-control", daemon=True).start()
    return f"{host}:{server.server_port}"
