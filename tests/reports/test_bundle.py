import hashlib
import io
import json
import zipfile

import pytest

from reports.bundle import MANIFEST, verify_bundle, write_bundle

from report_samples import PAN


@pytest.fixture
def bundle(sample_run, tmp_path):
    path = tmp_path / "evidence.zip"
    digest = write_bundle(sample_run, path, {"suite/idb.yaml": f"# card {PAN}\n", "profile/x.bin": b"\x00\xff"})
    return path, digest


def rewrite(path, *, drop=(), change=None, add=None):
    """Copy the zip member by member, dropping, changing or adding files (as a tamperer would)."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    for name in drop:
        members.pop(name)
    if change:
        members.update(change)
    if add:
        members.update(add)
    with zipfile.ZipFile(path, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)


def test_bundle_contents_and_clean_verification(bundle, sample_run):
    path, digest = bundle
    assert verify_bundle(path) == []
    assert verify_bundle(path, expected_digest=digest) == []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert set(names) == {"run.json", "junit.xml", "report.html", "journal.jsonl", "meta.json", MANIFEST,
                              "suite/idb.yaml", "profile/x.bin"}
        meta = json.loads(archive.read("meta.json"))
        assert meta["seed"] == 42 and meta["suites"] == [{"id": "roc-gap", "version": "1.2.0"}]
        assert meta["bench_version"] == "0.1.0" and meta["profile"] == "bench-roc-1"
        journal = [json.loads(line) for line in archive.read("journal.jsonl").decode().splitlines()]
        assert len(journal) == 3 and journal[2]["scenario"] == "roc.clc.amounts" and journal[2]["index"] == 1
        for name in names:
            assert PAN.encode() not in archive.read(name), name
        manifest = archive.read(MANIFEST).decode()
        for line in manifest.splitlines():  # sha256sum -c format
            hexdigest, name = line.split("  ", 1)
            assert hashlib.sha256(archive.read(name)).hexdigest() == hexdigest
        assert hashlib.sha256(archive.read(MANIFEST)).hexdigest() == digest


def test_bundle_is_byte_for_byte_deterministic(sample_run, tmp_path):
    write_bundle(sample_run, tmp_path / "a.zip")
    write_bundle(sample_run, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_tampered_missing_and_extra_files_are_detected(bundle):
    path, digest = bundle
    rewrite(path, change={"report.html": b"<p>all good</p>"}, drop=["junit.xml"], add={"notes.txt": b"hi"})
    problems = verify_bundle(path)
    assert any(p.startswith("tampered file: report.html (sha256 ") for p in problems), problems
    assert "missing file: junit.xml" in problems
    assert f"extra file: notes.txt (not in {MANIFEST})" in problems


def test_rewritten_manifest_is_caught_by_the_digest(bundle):
    path, digest = bundle
    with zipfile.ZipFile(path) as archive:
        manifest = archive.read(MANIFEST).decode()
    forged = manifest.replace(manifest.split("  ")[0], "0" * 64, 1)
    rewrite(path, change={MANIFEST: forged.encode()})
    problems = verify_bundle(path, expected_digest=digest)
    assert any("differs from the expected" in p for p in problems)
    assert any(p.startswith("tampered file:") for p in problems)


def test_run_json_off_schema_is_reported_even_with_a_matching_manifest(bundle):
    path, _ = bundle
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["run.json"] = b'{"schema_version": "1.0"}'
    members[MANIFEST] = "".join(f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n"
                                for n in sorted(members) if n != MANIFEST).encode()
    rewrite(path, change=members)
    problems = verify_bundle(path)
    assert problems and all(p.startswith("run.json: ") for p in problems)


def test_unreadable_or_manifestless_bundles(tmp_path, bundle):
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"nope")
    assert verify_bundle(not_zip)[0].startswith("cannot read the bundle")
    path, _ = bundle
    rewrite(path, drop=[MANIFEST])
    assert verify_bundle(path) == [f"missing manifest: {MANIFEST}"]


def test_bad_extra_names_are_refused(sample_run, tmp_path):
    for name in ("../escape", "/abs", "run.json", MANIFEST):
        with pytest.raises(ValueError, match="bad bundle member name"):
            write_bundle(sample_run, tmp_path / "b.zip", {name: "x"})
