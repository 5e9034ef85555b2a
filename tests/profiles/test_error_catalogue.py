"""The two-level error catalogue covers every key the code uses (docs/error-keys.md)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulators.profiles.errors import SIDES

ERROR_KEYS_DOC = Path(__file__).resolve().parents[2] / "docs" / "error-keys.md"


def documented_keys() -> set[str]:
    return set(re.findall(r"^\| ([a-z_]+\.[a-z_]+) \|", ERROR_KEYS_DOC.read_text(encoding="utf-8"), re.M))


def test_every_documented_key_is_in_the_catalogue(profile):
    keys = documented_keys()
    assert len(keys) >= 30
    missing = keys - {entry.key for entry in profile.errors}
    assert not missing, f"catalogue lacks {sorted(missing)}"
    assert len(profile.errors) >= 30


def test_lookups_by_key_and_code_agree(profile):
    for entry in profile.errors:
        assert profile.errors.by_key(entry.key) is entry
        assert profile.errors.by_code(entry.code) is entry
        assert profile.errors.key_for_code(entry.code) == entry.key
        assert entry.side in SIDES
        assert entry.code.startswith(entry.group)  # two levels: group -> code
        assert entry.label and entry.group_label


def test_groups_share_one_label(profile):
    labels: dict[str, set[str]] = {}
    for entry in profile.errors:
        labels.setdefault(entry.group, set()).add(entry.group_label)
    assert all(len(names) == 1 for names in labels.values())
    assert len(labels) >= 5


def test_service_failures_are_server_faults_and_request_errors_client_faults(profile):
    assert profile.errors.by_key("service.unavailable").side == "server"
    assert profile.errors.by_key("request.schema_invalid").side == "client"


def test_unknown_lookups_raise_with_the_key(profile):
    with pytest.raises(KeyError, match="no.such"):
        profile.errors.by_key("no.such")
    with pytest.raises(KeyError):
        profile.errors.by_code("0000")
    assert profile.errors.key_for_code("0000") is None
    assert "rights.closed" in profile.errors
