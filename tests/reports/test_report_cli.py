import zipfile

from click.testing import CliRunner

from reports.bundle import write_bundle
from reports.cli import report
from reports.json_report import write_json


def test_verify_exit_codes(sample_run, tmp_path):
    path = tmp_path / "evidence.zip"
    digest = write_bundle(sample_run, path)
    result = CliRunner().invoke(report, ["verify", str(path), "--digest", digest])
    assert result.exit_code == 0 and f"digest {digest}" in result.output
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("intruder.txt", "x")
    result = CliRunner().invoke(report, ["verify", str(path)])
    assert result.exit_code == 1 and "extra file: intruder.txt" in result.output


def test_render_from_run_json(sample_run, tmp_path):
    run_json = write_json(sample_run, tmp_path / "run.json")
    result = CliRunner().invoke(report, ["render", str(run_json), "--report-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "report.html").exists() and (tmp_path / "out" / "junit.xml").exists()
    result = CliRunner().invoke(report, ["render", str(run_json), "--format", "pdf"])
    assert result.exit_code == 2 and "unknown report format 'pdf'" in result.output
