"""`terminal` click command: argument errors (exit 2) in-process, a real run in a subprocess."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner
from telium import Telium, TeliumAsk

from hardware_emulator.capture import read_pcap
from hardware_emulator.cli import terminal


@pytest.mark.parametrize("args, message", [
    (["--link", "usb"], "unknown link 'usb'; expected pty, tcp or serial:URL"),
    (["--protocol", "caisse-ap", "--link", "pty"], "caisse-ap runs over tcp only"),
    (["--protocol", "nexo"], "'nexo' is not one of 'concert', 'caisse-ap'"),
    (["--consent-code", "77"], "expected one character"),
    (["--baud", "300"], "'300' is not one of"),
    (["--port", "70000"], "70000 is not in the range"),
])
def test_bad_arguments_exit_2_with_a_clear_message(args, message):
    result = CliRunner().invoke(terminal, args)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_script_names_file_and_key(tmp_path):
    script = tmp_path / "desk.yaml"
    script.write_text("outcomes: [approved, stolen]\n")
    result = CliRunner().invoke(terminal, ["--script", str(script)])
    assert result.exit_code == 2
    assert "outcomes[1]: unknown outcome 'stolen'" in result.output and str(script) in result.output


def test_fault_for_the_other_protocol_in_a_script_is_refused(tmp_path):
    script = tmp_path / "desk.yaml"
    script.write_text("faults: [{kind: corrupt_lrc}]\n")
    result = CliRunner().invoke(terminal, ["--protocol", "caisse-ap", "--link", "tcp", "--script", str(script)])
    assert result.exit_code == 2 and "does not apply to caisse-ap" in result.output


def test_symlink_over_a_regular_file_is_a_usage_error(tmp_path):
    (tmp_path / "taken").write_text("x")
    result = CliRunner().invoke(terminal, ["--symlink", str(tmp_path / "taken")])
    assert result.exit_code == 2 and "is not a symlink" in result.output


def _read_until(process: subprocess.Popen, marker: str, timeout: float = 15.0) -> list[str]:
    """Lines printed so far, once `marker` appears (raw fd reads: select and buffered readline do not mix)."""
    output, deadline = b"", time.monotonic() + timeout
    fd = process.stdout.fileno()
    while time.monotonic() < deadline and marker.encode() not in output:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            output += chunk
    if marker.encode() not in output:
        raise AssertionError(f"{marker!r} not printed; got {output.decode(errors='replace')!r}")
    return output.decode().splitlines()


def test_serves_a_payment_on_the_printed_path_until_interrupted(tmp_path):
    symlink, pcap = tmp_path / "tpe0", tmp_path / "session.pcap"
    script = tmp_path / "desk.yaml"
    script.write_text("outcomes: [wrong_pin]\n")
    command = [sys.executable, "-c", "from hardware_emulator.cli import terminal; terminal()",
               "--symlink", str(symlink), "--processing", "0", "--script", str(script), "--seed", "3",
               "--control-port", "0", "--pcap", str(pcap)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=os.getcwd())
    try:
        lines = _read_until(process, "Ctrl-C to stop.")
        assert lines[0].startswith(f"Concert E+ terminal on {symlink} (-> /dev/pts/")
        control_url = next(line.split(": ", 1)[1] for line in lines if line.startswith("control API"))
        device = Telium(str(symlink), timeout=2)
        payment = TeliumAsk.new_payment(12.5, target_currency="EUR")
        assert device.ask(payment)
        answer = device.verify(payment, waiting_timeout=5)
        device.close()
        assert answer.transaction_result == 7  # the script's wrong PIN
        with urllib.request.urlopen(f"{control_url}/journal", timeout=5) as response:
            entries = json.load(response)["entries"]
        assert [entry["outcome"] for entry in entries] == ["wrong_pin"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "terminal stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not symlink.exists()
    packets = read_pcap(pcap)
    assert [p.payload.name for p in packets][:3] == ["Concert control", "Concert control", "Concert E+ request"]


def test_tcp_link_prints_the_address(tmp_path):
    command = [sys.executable, "-c", "from hardware_emulator.cli import terminal; terminal()",
               "--protocol", "caisse-ap", "--link", "tcp", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _read_until(process, "Ctrl-C to stop.")
        assert lines[0].startswith("Caisse-AP V3 (TLV over TCP) terminal on tcp at 127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
