"""The client: STAN numbering, answer matching, timeouts that carry what to reverse, reconnection."""
from __future__ import annotations

import pytest

from simulators.acquirer import AcquirerClient, AcquirerClosed, AcquirerTimeout, sandbox_pan

from .conftest import NOW

PAN = sandbox_pan("1234")


def test_stans_count_up_and_wrap():
    client = AcquirerClient("127.0.0.1", 1, stan_start=999_998)
    assert [client.next_stan() for _ in range(3)] == ["999998", "999999", "000001"]


def test_terminal_and_merchant_ids_must_fit_their_fields():
    with pytest.raises(ValueError, match="terminal_id: expected 8 characters"):
        AcquirerClient("127.0.0.1", 1, terminal_id="T1")


def test_request_fields_are_stamped(client):
    answer = client.authorise(PAN, 100)
    assert answer.fields["7"] == "0302103000" and answer.fields["41"] == "TERM0001"
    assert answer.fields["42"] == "SIMPHONIE BENCH" and answer.reference.amount == 100
    assert answer.reference.original.elements == "0100" + "000001" + "0302103000" + "0" * 22


def test_timeout_carries_the_reference_to_reverse(core, client):
    core.script("default", "latency:600ms")
    client.timeout = 0.2
    with pytest.raises(AcquirerTimeout, match="no 0110 answer to STAN 000001") as timeout:
        client.authorise(PAN, 2_000)
    assert timeout.value.reference.amount == 2_000
    client.timeout = 3
    assert client.reverse(timeout.value).response_code == "00"
    assert [(m["t"], m["11"]) for m in client.unmatched] == [("0110", "000001")]  # the late answer, set aside


def test_closed_connection_raises_then_reconnects(server, client):
    assert client.echo().response_code == "00"
    client.send({"t": "0100", "2": PAN, "3": "000000", "4": "000000000100", "49": "978"})
    client._socket.sendall(b"\x00\x04ABCD")  # garbage from our side: the server closes this connection
    with pytest.raises(AcquirerClosed):
        client.echo()
    assert client.echo().response_code == "00"


def test_connection_refused_is_an_acquirer_error(server):
    port = server.port
    server.stop()
    with AcquirerClient("127.0.0.1", port, timeout=1, clock=lambda: NOW) as client, pytest.raises(AcquirerClosed):
        client.echo()
