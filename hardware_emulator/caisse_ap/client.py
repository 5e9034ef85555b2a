"""A plain Caisse-AP client: one connection, one request, every message read until the terminal closes."""
from __future__ import annotations

import socket

from hardware_emulator.caisse_ap import tlv


def split_messages(data: bytes) -> list[list[tuple[str, str]]]:
    """Cut a stream of answers into messages: each message starts with CZ."""
    pairs, _ = tlv.split(data)
    messages: list[list[tuple[str, str]]] = []
    for tag, value in pairs:
        if tag == "CZ" or not messages:
            messages.append([])
        messages[-1].append((tag, value))
    return messages


def request(host: str, port: int, pairs: list[tuple[str, str]], *, timeout: float = 10.0) -> list[dict[str, str]]:
    """Send one request; return the answers (AE=11 then the result in immediate mode) as dicts."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(tlv.encode(pairs))
        sock.shutdown(socket.SHUT_WR)  # tells the terminal the request is complete
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    return [dict(message) for message in split_messages(b"".join(chunks))]
