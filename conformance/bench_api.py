"""A small client of the simulators' `/_bench` control API: what the runner needs to set scenes and read
journals, over HTTP, so the simulators may run in another process or on another machine."""
from __future__ import annotations

from typing import Any

import requests

from simulators.journal import JournalEntry


class BenchUnavailable(Exception):
    """The simulators cannot be reached or refused a control call (a bench/environment error)."""


class BenchApi:
    def __init__(self, base_url: str, *, timeout: float = 10.0, cert=None, verify: Any = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.cert = cert
        self.http.verify = verify

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self.base_url}/_bench{path}"
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise BenchUnavailable(f"cannot reach the simulators at {self.base_url}: {exc}") from None
        if response.status_code >= 400:
            try:
                message = response.json().get("error", response.text)
            except ValueError:
                message = response.text
            raise BenchUnavailable(f"{method} {url} answered {response.status_code}: {message}")
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def create_session(self, session: str, *, seed: int | None = None, label: str | None = None,
                       reference_day: str | None = None, clock: str | None = None) -> dict[str, Any]:
        """Create (or re-seed and reset) a session; `reference_day` pins its dataset, `clock` its today."""
        body = {"id": session, "seed": seed, "label": label, "reference_day": reference_day, "clock": clock}
        return self._call("POST", "/sessions", json={k: v for k, v in body.items() if v is not None or k == "id"})

    def session(self, session: str) -> dict[str, Any]:
        return self._call("GET", f"/sessions/{session}")

    def add_behaviour(self, session: str, name: str, **scope: Any) -> dict[str, Any]:
        body = {"name": name, **{k: v for k, v in scope.items() if v is not None}}
        return self._call("POST", f"/sessions/{session}/behaviours", json=body)

    def set_clock(self, session: str, day: str | None) -> None:
        self._call("PUT", f"/sessions/{session}/clock", json={"date": day})

    def change_routing(self, session: str, persona: str) -> dict[str, Any]:
        return self._call("POST", f"/sessions/{session}/routing-changes", json={"persona": persona})

    def journal(self, session: str, since: int = 0) -> list[tuple[int, JournalEntry]]:
        rows = self._call("GET", f"/sessions/{session}/journal", params={"since": since})
        return [(row.pop("id"), JournalEntry(**{**row, "validation": tuple(row["validation"])})) for row in rows]

    def commitments(self, session: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/sessions/{session}/commitments")

    def close(self) -> None:
        self.http.close()
