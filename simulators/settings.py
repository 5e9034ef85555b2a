"""Settings: defaults < simphonie.toml < SIMPHONIE_* environment < command-line flags.

A bad value is refused with the key, the value received and what is accepted.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ACTORS = ("annuaire", "amc", "amo", "diapason")


class SettingsError(ValueError):
    """A setting is unknown or has a bad value; the message names the key and the valid values."""


@dataclass(frozen=True)
class Settings:
    db_path: str = "var/simphonie.sqlite"
    seed: int = 20261125
    profile: str = "bench-roc-1"
    actors: tuple[str, ...] = ("annuaire", "amc")
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    max_body_bytes: int = 262_144
    max_xml_depth: int = 64
    timeout_behaviour_seconds: float = 61.0  # held until the client gives up, at most this long
    public_url: str | None = None  # base URL the annuaire advertises; default: the URL the request came to
    tls: bool = False
    tls_dir: str = "pki"
    require_client_cert: bool = True
    session_header: str = "X-Bench-Session"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> "Settings":
        return load_settings(overrides=changes, base=self)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "extra"}


def _coerce(key: str, value: Any, default: Any) -> Any:
    expected = type(default) if default is not None else str
    try:
        if key == "actors":
            items = value.split(",") if isinstance(value, str) else list(value)
            actors = tuple(a.strip() for a in items if a.strip())
            unknown = [a for a in actors if a not in ACTORS]
            if unknown or not actors:
                raise SettingsError(f"setting 'actors': unknown actor(s) {unknown or value!r}; valid: {', '.join(ACTORS)}")
            return actors
        if expected is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if expected is int:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if expected is float:
            return float(value)
        return None if value in (None, "") else str(value)
    except SettingsError:
        raise
    except (TypeError, ValueError):
        kind = {bool: "true/false", int: "an integer", float: "a number"}.get(expected, "text")
        raise SettingsError(f"setting {key!r}: bad value {value!r}; expected {kind}") from None


def load_settings(*, config_file: str | Path | None = None, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None, base: Settings | None = None) -> Settings:
    """Merge the layers; `overrides` are flags (None values are ignored)."""
    values: dict[str, Any] = {}
    if base is None:
        path = Path(config_file) if config_file else Path("simphonie.toml")
        if config_file and not path.exists():
            raise SettingsError(f"config file {str(path)!r} does not exist")
        if path.exists():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
            for key, value in data.get("simphonie", data).items():
                if key not in _FIELDS:
                    raise SettingsError(f"{path}: unknown setting {key!r}; valid: {', '.join(sorted(_FIELDS))}")
                values[key] = value
        env = os.environ if environ is None else environ
        for key in _FIELDS:
            name = f"SIMPHONIE_{key.upper()}"
            if name in env:
                values[key] = env[name]
    for key, value in (overrides or {}).items():
        if key not in _FIELDS:
            raise SettingsError(f"unknown setting {key!r}; valid: {', '.join(sorted(_FIELDS))}")
        if value is not None:
            values[key] = value
    start = base or Settings()
    coerced = {key: _coerce(key, value, getattr(Settings(), key)) for key, value in values.items()}
    return dataclasses.replace(start, **coerced)
