import io

import pytest

from conformance.events import Broadcast, replay
from reports.writers import FORMATS, ReportSink, UnknownFormat, write_reports
from reports.bundle import verify_bundle
from reports.progress import TextProgress


def test_write_reports_writes_each_format(sample_run, tmp_path):
    written = write_reports(sample_run, tmp_path / "out", ["json", "junit", "html"])
    assert {k: p.name for k, p in written.items()} == {"json": "run.json", "junit": "junit.xml", "html": "report.html"}
    assert all(p.stat().st_size > 0 for p in written.values())


def test_unknown_format_names_the_valid_ones(sample_run, tmp_path):
    with pytest.raises(UnknownFormat, match="unknown report format 'pdf'; valid: json, junit, html"):
        write_reports(sample_run, tmp_path, ["json", "pdf"])
    assert set(FORMATS) == {"json", "junit", "html"}


def test_report_sink_and_progress_consume_the_event_stream(sample_run, tmp_path):
    sink = ReportSink(tmp_path, ["json"], bundle="evidence.zip")
    out = io.StringIO()
    replay(sample_run, Broadcast([TextProgress(out), sink]))
    assert set(sink.written) == {"json", "bundle"} and verify_bundle(sink.written["bundle"]) == []
    assert sink.digest and len(sink.digest) == 64
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("simphonie-bench 0.1.0: 4 scenario(s) from roc-gap 1.2.0")
    assert "[2/4] fail  roc.clc.amounts (1.25 s)" in lines
    assert any("fail journal.all_requests_schema_valid: Unexpected invalid request" in line for line in lines)
    assert lines[-1].startswith("bench error: 1 passed, 1 failed, 1 bench errors, 1 skipped")
