"""The `http` driver: the editor exposes the small JSON API of `gap-adapter.openapi.yaml` next to its GAP.

Every call carries the test session and the annuaire URL the GAP must use for it, so several scenarios (and
several editors) can run at once without mixing their traffic.
"""
from __future__ import annotations

from typing import Any

import requests

from conformance.drivers import DriverError, UnsupportedAction


class HttpDriver:
    name = "http"

    def __init__(self, *, target: str | None = None, timeout: float = 60.0, cert=None, verify: Any = True,
                 **_: Any) -> None:
        if not target:
            raise DriverError("the http driver needs --target URL (the GAP adapter's base URL)")
        self.base = target.rstrip("/") + "/simphonie/v1"
        self.timeout = timeout
        self.http = requests.Session()
        self.http.cert, self.http.verify = cert, verify
        self.session = ""
        self.annuaire_url = ""

    def open(self, session: str, annuaire_url: str) -> None:
        self.session, self.annuaire_url = session, annuaire_url

    @property
    def bench_url(self) -> str:
        """The simulators' base URL (annuaire URL minus `/s/<session>/annuaire`): the adapter finds there the
        session's DIAPASON provider (`/s/<session>/diapason/v1`) and payment terminal (`POST /_bench/sessions/
        <session>/terminal`)."""
        suffix = f"/s/{self.session}/annuaire"
        return self.annuaire_url[: -len(suffix)] if self.annuaire_url.endswith(suffix) else self.annuaire_url

    def act(self, action: str, case: Any, params: dict[str, Any]) -> dict[str, Any]:
        venue = case.stay.venue_number if case is not None else params.get("venue", "")
        body = {"session": self.session, "annuaire_url": self.annuaire_url, "bench_url": self.bench_url,
                "params": params}
        if action == "admit":
            method, path, body = "POST", "/admit", {**body, "case": case.to_dict()}
        elif action == "status":
            method, path, body = "GET", f"/stays/{venue}", None
        else:
            method, path = "POST", f"/stays/{venue}/{action}"
            if case is not None:
                body["case"] = case.to_dict()
        try:
            response = self.http.request(method, self.base + path, json=body, timeout=self.timeout,
                                         params={"session": self.session} if body is None else None)
        except requests.Timeout:
            raise DriverError(f"GAP adapter did not answer {action} within {self.timeout:.0f} s") from None
        except requests.RequestException as exc:
            raise DriverError(f"cannot reach the GAP adapter at {self.base}: {exc}") from None
        if response.status_code in (404, 501) and action not in ("admit", "status"):
            raise UnsupportedAction(f"the GAP adapter does not support {action!r} (HTTP {response.status_code})")
        if response.status_code >= 400:
            raise DriverError(f"GAP adapter answered {action} with HTTP {response.status_code}: {response.text[:300]}")
        try:
            status = response.json()
        except ValueError:
            raise DriverError(f"GAP adapter answered {action} without JSON") from None
        if not isinstance(status, dict):
            raise DriverError(f"GAP adapter answered {action} with {type(status).__name__}, expected an object")
        return status

    def close(self) -> None:
        self.http.close()
