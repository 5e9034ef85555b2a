"""The evidence bundle: one zip a homologation body can archive and check offline.

Contents: run.json, junit.xml, report.html, journal.jsonl (every exchange of every scenario), meta.json
(bench, profile and suite versions, seed, SUT), any extra files given (the suite YAML, the profile...), and
SHA256SUMS, in `sha256sum` format, so `unzip` + `sha256sum -c SHA256SUMS` verifies it without the bench.
`verify_bundle` finds tampered, missing and extra files. The SHA-256 of SHA256SUMS itself is the bundle's
digest: record it (the CLI prints it) to detect a rewritten manifest too.

Byte-for-byte deterministic: fixed zip timestamps and permissions, sorted entries, masked content.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Mapping

from conformance.model import RunResult
from reports.html import to_html
from reports.json_report import dumps, schema_problems
from reports.junit import to_junit_xml
from reports.serialize import SCHEMA_VERSION, masked
from simulators.masking import mask_text

MANIFEST = "SHA256SUMS"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
MAX_MEMBER_BYTES = 512 * 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def journal_lines(run: RunResult) -> str:
    """Every exchange of the run, one JSON object a line, in scenario order."""
    lines = []
    for scenario in masked(run).scenarios:
        for source, entries in (("journal", scenario.journal), ("answers", scenario.answers)):
            for index, entry in enumerate(entries):
                record = {"scenario": scenario.id, "source": source, "index": index, **entry.to_dict()}
                lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def meta(run: RunResult) -> dict:
    info = run.info
    return {
        "schema_version": SCHEMA_VERSION, "bench_version": info.bench_version, "profile": info.profile,
        "seed": info.seed, "run_id": info.run_id, "started": info.started, "reference_day": info.reference_day,
        "sut": {"kind": info.sut.kind, "driver": info.sut.driver, "target": info.sut.target, "name": info.sut.name},
        "suites": [{"id": s.id, "version": s.version} for s in info.suites],
        "outcome": run.outcome.value, "verdict": run.verdict,
    }


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name and name != MANIFEST


def bundle_files(run: RunResult, extra_files: Mapping[str, str | bytes | Path] | None = None) -> dict[str, bytes]:
    """Name -> content of every member but the manifest. Extra text files are masked like the rest."""
    files = {
        "run.json": dumps(run).encode("utf-8"),
        "junit.xml": to_junit_xml(run),
        "report.html": to_html(run).encode("utf-8"),
        "journal.jsonl": journal_lines(run).encode("utf-8"),
        "meta.json": (json.dumps(masked(meta(run)), sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    }
    for name, content in sorted((extra_files or {}).items()):
        if not _safe_name(name) or name in files:
            raise ValueError(f"bad bundle member name {name!r}: relative, no '..', not a reserved name")
        data = Path(content).read_bytes() if isinstance(content, Path) else content
        if isinstance(data, str):
            data = data.encode("utf-8")
        try:
            data = mask_text(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            pass  # binary: kept as is
        files[name] = data
    return files


def manifest(files: Mapping[str, bytes]) -> bytes:
    return "".join(f"{sha256(files[name])}  {name}\n" for name in sorted(files)).encode("utf-8")


def write_bundle(run: RunResult, path: str | Path,
                 extra_files: Mapping[str, str | bytes | Path] | None = None) -> str:
    """Write the zip; returns the bundle digest (SHA-256 of its manifest)."""
    files = bundle_files(run, extra_files)
    files[MANIFEST] = manifest(files)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return sha256(files[MANIFEST])


def verify_bundle(path: str | Path, *, expected_digest: str | None = None) -> list[str]:
    """Everything wrong with a bundle (empty when it is intact): unreadable archive, missing or malformed
    manifest, missing, extra or tampered files, a run.json off its schema, a digest other than expected."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"cannot read the bundle {path}: {exc}"]
    problems: list[str] = []
    with archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"duplicate member: {name}")
        for name in names:
            if name != MANIFEST and not _safe_name(name):
                problems.append(f"unsafe member name: {name}")
        if MANIFEST not in names:
            return problems + [f"missing manifest: {MANIFEST}"]
        raw_manifest = archive.read(MANIFEST)
        if expected_digest is not None and sha256(raw_manifest) != expected_digest.lower():
            problems.append(f"manifest digest {sha256(raw_manifest)} differs from the expected {expected_digest}")
        listed: dict[str, str] = {}
        for number, line in enumerate(raw_manifest.decode("utf-8", "replace").splitlines(), start=1):
            match = _LINE.match(line)
            if not match:
                problems.append(f"{MANIFEST}:{number}: malformed line {line[:80]!r}")
                continue
            listed[match.group(2)] = match.group(1)
        present = {i.filename: i for i in infos if i.filename != MANIFEST}
        damaged: set[str] = set()
        for name in sorted(set(listed) - set(present)):
            problems.append(f"missing file: {name}")
        for name in sorted(set(present) - set(listed)):
            problems.append(f"extra file: {name} (not in {MANIFEST})")
        for name in sorted(set(listed) & set(present)):
            problem = _member_problem(archive, present[name], listed[name])
            if problem:
                damaged.add(name)
                problems.append(problem)
        if "run.json" in present and "run.json" not in damaged:
            try:
                document = json.loads(archive.read("run.json"))
            except ValueError as exc:
                problems.append(f"run.json is not JSON: {exc}")
            else:
                problems += [f"run.json: {p}" for p in schema_problems(document)]
    return problems


def _member_problem(archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected: str) -> str | None:
    if info.file_size > MAX_MEMBER_BYTES:
        return f"file too large to check: {info.filename}"
    try:
        actual = sha256(archive.read(info))
    except (zipfile.BadZipFile, OSError) as exc:  # a damaged member fails its CRC check
        return f"tampered file: {info.filename} ({exc})"
    if actual != expected:
        return f"tampered file: {info.filename} (sha256 {actual}, manifest says {expected})"
    return None
