"""Captures of terminal sessions: journal entries (already masked) -> pcap, with the scapy layers.

Serial links are written under DLT_USER0 (one `SerialUnit` per unit crossing the line); TCP links as
Ether/IP/TCP segments between a client port and the terminal's port, one client port per exchange.
"""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Iterable

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.packet import Packet
from scapy.plist import PacketList
from scapy.utils import PcapWriter, rdpcap

from hardware_emulator.scapy_layers import DLT_USER0, SerialUnit, bind_tcp_port, concert_class
from hardware_emulator.wire_log import IN
from simulators.journal import JournalEntry

ETHERNET = 1
ECR_ADDRESS, TERMINAL_ADDRESS = "10.0.0.1", "10.0.0.2"
LINKS = ("serial", "tcp")


def _units(entry: JournalEntry) -> Iterable[tuple[float, bool, bytes]]:
    """(epoch time, from the cash register?, bytes) for each unit of the entry."""
    start = datetime.fromisoformat(entry.at).timestamp() if entry.at else 0.0
    for unit in entry.meta.get("frames", []):
        yield start + unit["t_ms"] / 1000, unit["dir"] == IN, bytes.fromhex(unit["hex"])


def packets_from_entries(entries: Iterable[JournalEntry], *, link: str = "serial", port: int = 8888,
                         first_client_port: int = 40000) -> PacketList:
    if link not in LINKS:
        raise ValueError(f"unknown capture link {link!r}; valid: {', '.join(LINKS)}")
    packets: list[Packet] = []
    if link == "tcp":
        bind_tcp_port(port)
    for number, entry in enumerate(entries):
        client_port = first_client_port + number % 20000
        seq = {True: 1, False: 1}  # next sequence number per direction
        for at, inbound, data in _units(entry):
            if link == "serial":
                packet = SerialUnit(sender=0 if inbound else 1) / concert_class(data)(data)
            else:
                src, dst = (ECR_ADDRESS, TERMINAL_ADDRESS) if inbound else (TERMINAL_ADDRESS, ECR_ADDRESS)
                sport, dport = (client_port, port) if inbound else (port, client_port)
                segment = TCP(sport=sport, dport=dport, flags="PA", seq=seq[inbound], ack=seq[not inbound])
                packet = Ether() / IP(src=src, dst=dst) / segment / data
                packet = Ether(bytes(packet))  # dissect the payload with the bound layers
                seq[inbound] += len(data)
            packet.time = at
            packets.append(packet)
    return PacketList(packets)


def write_pcap(path: str | Path, entries: Iterable[JournalEntry], *, link: str = "serial", port: int = 8888) -> int:
    """Write the entries' units to `path`; returns the number of packets."""
    packets = packets_from_entries(entries, link=link, port=port)
    with PcapWriter(str(path), linktype=DLT_USER0 if link == "serial" else ETHERNET, sync=True) as writer:
        for packet in packets:
            writer.write(packet)
    return len(packets)


def read_pcap(path: str | Path) -> PacketList:
    """Read a capture back, dissected with the terminal layers."""
    return rdpcap(str(path))


class PcapJournal:
    """A JournalSink appending each exchange to a pcap file as it is recorded (`simphonie terminal --pcap`)."""

    def __init__(self, path: str | Path, *, link: str = "serial", port: int = 8888) -> None:
        if link not in LINKS:
            raise ValueError(f"unknown capture link {link!r}; valid: {', '.join(LINKS)}")
        self._lock = threading.Lock()
        self._link, self._port = link, port
        self._count = 0
        self._writer = PcapWriter(str(path), linktype=DLT_USER0 if link == "serial" else ETHERNET, sync=True)

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            packets = packets_from_entries([entry], link=self._link, port=self._port,
                                           first_client_port=40000 + self._count % 20000)
            self._count += 1
            for packet in packets:
                self._writer.write(packet)

    def close(self) -> None:
        with self._lock:
            self._writer.close()
