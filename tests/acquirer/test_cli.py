"""`acquirer` as a process: prints where it listens, serves a client, journals to a file, stops on Ctrl-C."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

from simulators.acquirer import AcquirerClient, sandbox_pan

SCRIPT = "from simulators.acquirer.cli import acquirer; acquirer()"


def test_serves_until_ctrl_c(tmp_path):
    journal = tmp_path / "acquirer.jsonl"
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, "--port", "0", "--header", "4a",
                                "--journal", str(journal)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        banner = process.stdout.readline()
        port = int(re.search(r"listening on 127\.0\.0\.1:(\d+) \(header 4a, spec ascii\)", banner).group(1))
        with AcquirerClient("127.0.0.1", port, header="4a", timeout=5) as client:
            assert client.authorise(sandbox_pan("0051"), 1_000).response_code == "51"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "0100 stan=000001 DE39=51 declined:51 rule:pan_suffix" in output
    [entry] = [json.loads(line) for line in journal.read_text().splitlines()]
    assert entry["meta"]["masked_pan"] == "497010******0051"


def test_bad_option_is_a_usage_error():
    result = subprocess.run([sys.executable, "-c", SCRIPT, "--header", "8z"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2 and "'8z' is not one of '2b', '4a', 'none'" in result.stderr
