"""The billing-file commands."""
from __future__ import annotations

from click.testing import CliRunner

from simulators.billing_files import patch_field, write
from simulators.billing_files.cli import billing_file

from .samples import sample_b2_lot


def test_validate_a_good_and_a_bad_file(tmp_path):
    good, bad = tmp_path / "good.b2", tmp_path / "bad.b2"
    good.write_bytes(write(sample_b2_lot()))
    bad.write_bytes(patch_field(good.read_bytes(), 2, "invoice_number", 0))
    runner = CliRunner()
    ok = runner.invoke(billing_file, ["validate", str(good)])
    assert ok.exit_code == 0 and "bench-b2-1: valid" in ok.output
    failed = runner.invoke(billing_file, ["validate", str(bad)])
    assert failed.exit_code == 1
    assert "record 2 (type 2) col 30 invoice_number: invoice_number must not be zero [invoice.number_zero]" in failed.output


def test_show_prints_fields_by_name(tmp_path):
    path = tmp_path / "lot.b2"
    path.write_bytes(write(sample_b2_lot()))
    shown = CliRunner().invoke(billing_file, ["show", str(path)])
    assert shown.exit_code == 0
    assert " 30-38  invoice_number       '000001001'" in shown.output


def test_show_needs_a_profile_for_an_anonymous_file(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"hello\r\n")
    assert CliRunner().invoke(billing_file, ["show", str(path)]).exit_code == 2
