"""Payment terminal emulator: sans-IO Concert E+ and Caisse-AP V3 cores, transports (pty, pyserial URL, TCP),
scriptable card outcomes and line faults, a /_terminal control blueprint, scapy layers. See docs/terminal.md.

Heavy or optional parts are imported from their modules: `hardware_emulator.control` (Flask),
`hardware_emulator.scapy_layers` and `hardware_emulator.capture` (scapy), `hardware_emulator.cli` (click).
"""
from hardware_emulator.caisse_ap.terminal import CaisseApOptions, CaisseApTerminal
from hardware_emulator.cards import CardView, SyntheticCards
from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.terminal import ConcertTerminal, ConcertTimings
from hardware_emulator.emulator import Link, TerminalEmulator
from hardware_emulator.engine import PaymentEngine, PaymentRequest, PaymentResult
from hardware_emulator.registry import TerminalRegistry
from hardware_emulator.script import ScriptError, TerminalScript, load_script
from hardware_emulator.wire_log import RingJournal

__all__ = [
    "CaisseApOptions", "CaisseApTerminal", "CardView", "ConcertCashRegister", "ConcertTerminal", "ConcertTimings",
    "Link", "PaymentEngine", "PaymentRequest", "PaymentResult", "RingJournal", "ScriptError", "SyntheticCards",
    "TerminalEmulator", "TerminalRegistry", "TerminalScript", "load_script",
]
