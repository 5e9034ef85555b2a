"""docs/profile.md stays in step with the profile: every error key, operation and SOAPAction is documented."""
from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "profile.md"


def test_every_catalogue_key_and_group_is_documented(profile):
    text = DOC.read_text(encoding="utf-8")
    for entry in profile.errors:
        assert f"`{entry.key}`" in text, entry.key
        assert f"| {entry.group} | {entry.group_label} | {entry.side} |" in text, entry.group


def test_every_operation_row_is_documented(profile):
    text = DOC.read_text(encoding="utf-8")
    for op in profile.operations.values():
        assert f"| {op.id} | {profile.service(op.service).name} | {op.name} |" in text, op.id
        assert f"`{op.soap_action}`" in text
