"""Real sockets: Caisse-AP over TCP with a plain socket client, Concert over TCP and over a pyserial URL."""
from __future__ import annotations

import socket
import threading

import pytest

from hardware_emulator.caisse_ap import client, tlv
from hardware_emulator.caisse_ap.terminal import CaisseApOptions
from hardware_emulator.concert.cash_register import ConcertCashRegister
from hardware_emulator.concert.terminal import ConcertTimings
from hardware_emulator.emulator import TerminalEmulator
from hardware_emulator.transports.pump import drive
from hardware_emulator.transports.serial_link import SerialPort
from hardware_emulator.transports.tcp_server import SocketPort

from .conftest import concert_request

REQUEST = b"CZ0040300CJ012012345678901CA00201CB0041250CD0010CE003978"


@pytest.fixture
def caisse_ap():
    with TerminalEmulator("caisse-ap", "tcp", port=0, caisse_ap=CaisseApOptions(quiet=0.02)) as emulator:
        yield emulator


def address(emulator):
    host, port = emulator.address.rsplit(":", 1)
    return host, int(port)


def read_until_closed(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_plain_socket_payment(caisse_ap):
    with socket.create_connection(address(caisse_ap), timeout=5) as sock:
        sock.sendall(REQUEST)
        answer = dict(tlv.split(read_until_closed(sock))[0])  # the terminal closes after its answer
    assert answer["AE"] == "10" and answer["CB"] == "1250" and answer["AA"].startswith("497010******")


def test_request_written_in_fragments(caisse_ap):
    with socket.create_connection(address(caisse_ap), timeout=5) as sock:
        for start in range(0, len(REQUEST), 7):
            sock.sendall(REQUEST[start:start + 7])
        answer = dict(tlv.split(read_until_closed(sock))[0])
    assert answer["AE"] == "10"


def test_malformed_request_gets_af09_and_the_terminal_keeps_serving(caisse_ap):
    with socket.create_connection(address(caisse_ap), timeout=5) as sock:
        sock.sendall(b"CZ0040300CAxx\xff")
        assert dict(tlv.split(read_until_closed(sock))[0])["AF"] == "09"
    (answer,) = client.request(*address(caisse_ap), tlv.split(REQUEST)[0])
    assert answer["AE"] == "10"


def test_immediate_mode_over_tcp(caisse_ap):
    caisse_ap.script.queue_outcome("operator_abort", delay=0.1)
    immediate, final = client.request(*address(caisse_ap), tlv.split(REQUEST)[0] + [("BA", "1")])
    assert immediate["AE"] == "11"
    assert (final["AE"], final["AF"]) == ("01", "11")


def test_concurrent_desks_get_their_own_answers(caisse_ap):
    results: dict[str, str] = {}

    def pay(amount: str) -> None:
        pairs = [(t, amount if t == "CB" else v) for t, v in tlv.split(REQUEST)[0]]
        results[amount] = client.request(*address(caisse_ap), pairs)[0]["CB"]

    threads = [threading.Thread(target=pay, args=(f"{100 + n:04d}",)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == {amount: amount for amount in results} and len(results) == 5


def test_silent_terminal_keeps_the_connection_until_the_client_gives_up(caisse_ap):
    caisse_ap.script.arm_fault("no_answer")
    with socket.create_connection(address(caisse_ap), timeout=0.3) as sock:
        sock.sendall(REQUEST)
        with pytest.raises(socket.timeout):
            sock.recv(4096)


def test_port_in_use_is_a_clear_error(caisse_ap):
    host, port = address(caisse_ap)
    with pytest.raises(OSError, match=f"cannot listen on {host}:{port}"):
        TerminalEmulator("caisse-ap", "tcp", port=port).start()


def test_concert_over_tcp_with_a_pyserial_socket_url():
    with TerminalEmulator("concert", "tcp", port=0, timings=ConcertTimings(processing=0.0)) as emulator:
        port = SerialPort(f"socket://{emulator.address}")
        try:
            register = ConcertCashRegister(concert_request())
            drive(register, register.start(), port, timeout=10)
        finally:
            port.close()
    assert register.result.answer.status == "0"


def test_serial_link_by_pyserial_url():
    """The emulator opens `socket://` like a serial port; the cash register sits at the other end."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    url = f"socket://127.0.0.1:{listener.getsockname()[1]}"
    with TerminalEmulator("concert", f"serial:{url}", timings=ConcertTimings(processing=0.0)) as emulator:
        assert emulator.address == url
        connection, _ = listener.accept()
        try:
            register = ConcertCashRegister(concert_request())
            drive(register, register.start(), SocketPort(connection), timeout=10)
        finally:
            connection.close()
            listener.close()
    assert register.result.answer.status == "0"


def test_unopenable_serial_url_is_a_clear_error():
    with pytest.raises(OSError, match="cannot open serial URL 'nope://x'"):
        TerminalEmulator("concert", "serial:nope://x").start()


def test_caisse_ap_needs_tcp():
    with pytest.raises(ValueError, match="caisse-ap runs over tcp only"):
        TerminalEmulator("caisse-ap", "pty")
