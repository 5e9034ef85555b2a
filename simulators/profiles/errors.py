"""The profile's two-level error catalogue (group → code → label), looked up by stable key or by wire code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

SIDES = ("client", "server")


class ProfileError(ValueError):
    """A profile file is missing or inconsistent; the message names the file and key."""


@dataclass(frozen=True, slots=True)
class CatalogueError:
    """One catalogue entry. `key` is the bench's symbolic key (None for a code a peer sent that the catalogue
    does not know); `side` is "client" (the request is at fault) or "server" (the AMC failed)."""

    key: str | None
    group: str
    group_label: str
    code: str
    label: str
    side: str = "client"


class ErrorCatalogue:
    """Read-only catalogue: iterate it, or look an entry up with `by_key` / `by_code`."""

    def __init__(self, entries: list[CatalogueError]) -> None:
        self._entries = tuple(entries)
        self._by_key = {entry.key: entry for entry in entries}
        self._by_code = {entry.code: entry for entry in entries}

    @classmethod
    def from_yaml(cls, data: dict[str, Any], source: str = "errors.yaml") -> "ErrorCatalogue":
        entries: list[CatalogueError] = []
        for group in data.get("groups") or ():
            side = group.get("side", "client")
            if side not in SIDES:
                raise ProfileError(f"{source}: group {group.get('group')!r} has side {side!r}, expected one of {SIDES}")
            for item in group.get("errors") or ():
                entries.append(
                    CatalogueError(
                        key=str(item["key"]),
                        group=str(group["group"]),
                        group_label=str(group["label"]),
                        code=str(item["code"]),
                        label=str(item["label"]),
                        side=str(item.get("side", side)),
                    )
                )
        catalogue = cls(entries)
        if len(catalogue._by_key) != len(entries) or len(catalogue._by_code) != len(entries):
            raise ProfileError(f"{source}: keys and codes must be unique")
        return catalogue

    def by_key(self, key: str) -> CatalogueError:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"error key {key!r} is not in the profile's catalogue (see docs/error-keys.md)") from None

    def by_code(self, code: str) -> CatalogueError:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"error code {code!r} is not in the profile's catalogue") from None

    def key_for_code(self, code: str) -> str | None:
        entry = self._by_code.get(code)
        return entry.key if entry else None

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[CatalogueError]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
