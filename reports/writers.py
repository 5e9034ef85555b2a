"""Report formats: `FORMATS` maps a name to its file name and writer; `write_reports` writes the chosen ones
into a folder; `ReportSink` does it from the event stream when the run finishes. Writers are imported when
used, so choosing formats does not pull jinja2 in.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from conformance.events import Event, RunFinished
from conformance.model import RunResult


@dataclass(frozen=True, slots=True)
class Format:
    file_name: str
    writer: str  # "module:function", function(run, path) -> Path

    def write(self, run: RunResult, folder: Path) -> Path:
        module, _, name = self.writer.partition(":")
        return getattr(importlib.import_module(module), name)(run, folder / self.file_name)


FORMATS: dict[str, Format] = {
    "json": Format("run.json", "reports.json_report:write_json"),
    "junit": Format("junit.xml", "reports.junit:write_junit"),
    "html": Format("report.html", "reports.html:write_html"),
}


class UnknownFormat(ValueError):
    pass


def check_formats(formats: Iterable[str]) -> list[str]:
    """The formats asked for, validated; the error names the bad one and the valid ones (a usage error)."""
    chosen = [f.strip() for f in formats if f.strip()]
    for name in chosen:
        if name not in FORMATS:
            raise UnknownFormat(f"unknown report format {name!r}; valid: {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen))


def write_reports(run: RunResult, folder: str | Path, formats: Iterable[str] = tuple(FORMATS)) -> dict[str, Path]:
    """Write each chosen format into `folder` (created if needed); returns format -> path."""
    chosen = check_formats(formats)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return {name: FORMATS[name].write(run, folder) for name in chosen}


class ReportSink:
    """Event sink that writes the reports (and optionally the bundle) when the run finishes."""

    def __init__(self, folder: str | Path, formats: Iterable[str] = tuple(FORMATS), *, bundle: str | None = None,
                 extra_files: dict | None = None) -> None:
        self.folder = Path(folder)
        self.formats = check_formats(formats)
        self.bundle = bundle
        self.extra_files = extra_files or {}
        self.written: dict[str, Path] = {}
        self.digest: str | None = None

    def handle(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        self.written = write_reports(event.result, self.folder, self.formats)
        if self.bundle:
            from reports.bundle import write_bundle

            path = self.folder / self.bundle
            self.digest = write_bundle(event.result, path, self.extra_files)
            self.written["bundle"] = path
