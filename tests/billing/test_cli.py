"""`billing-smtp` command: options and usage errors (the server itself is tested in test_smtp.py)."""
from __future__ import annotations

from click.testing import CliRunner

from simulators.billing.cli import billing_smtp


def test_help_lists_the_relay_and_tls_options():
    result = CliRunner().invoke(billing_smtp, ["--help"])
    assert result.exit_code == 0
    assert all(option in result.output for option in ("--relay", "--tls / --no-tls", "--require-starttls", "--db"))


def test_bad_relay_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(billing_smtp, ["--relay", "nowhere", "--no-tls", "--db", str(tmp_path / "s.sqlite")])
    assert result.exit_code == 2 and "HOST:PORT" in result.output
