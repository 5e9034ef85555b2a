"""The reference GAP's client of the DIAPASON provider API (docs/diapason.md): JSON over HTTP(S), one test
session, an answer type that tells a problem document apart from a lost answer (timeout, reset, unreadable).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True, slots=True)
class ProviderAnswer:
    """`status` None: no usable answer came (`error` says why), so the operation may or may not have run."""

    status: int | None
    body: Any = None
    error: str = ""
    replayed: bool = False

    @property
    def lost(self) -> bool:
        return self.status is None

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def problem(self) -> str | None:
        """The problem code of an error answer (`debit.declined`...)."""
        if self.status is None or self.status < 400:
            return None
        return str(self.body.get("code", self.status)) if isinstance(self.body, dict) else f"http_{self.status}"

    def field(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default


class ProviderClient:
    """`base_url` ends with /diapason/v1 (e.g. http://host/s/<session>/diapason/v1); `session` also goes in the
    X-Bench-Session header. `cert`/`verify` go to requests (mutual TLS with the establishment's certificate)."""

    def __init__(self, base_url: str, *, session: str | None = None, timeout: float = 5.0, cert: Any = None,
                 verify: Any = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.http.cert, self.http.verify = cert, verify
        if session:
            self.http.headers["X-Bench-Session"] = session

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *, key: str | None = None,
             timeout: float | None = None) -> ProviderAnswer:
        headers = {"Idempotency-Key": key} if key else {}
        try:
            response = self.http.request(method, f"{self.base_url}{path}", json=body, headers=headers,
                                         timeout=timeout or self.timeout)
        except requests.Timeout:
            return ProviderAnswer(None, error="timeout")
        except requests.RequestException as error:
            return ProviderAnswer(None, error=f"unreachable: {type(error).__name__}")
        try:
            payload = response.json()
        except (ValueError, json.JSONDecodeError):
            return ProviderAnswer(None, error=f"unreadable answer (HTTP {response.status_code})")
        return ProviderAnswer(response.status_code, payload,
                              replayed=response.headers.get("Idempotent-Replayed") == "true")

    # -- the operations the desk uses ---------------------------------------------------------------------------
    def create_consent(self, body: dict[str, Any], key: str) -> ProviderAnswer:
        return self.call("POST", "/consents", body, key=key)

    def consent(self, consent_id: str) -> ProviderAnswer:
        return self.call("GET", f"/consents/{consent_id}")

    def revoke(self, consent_id: str, reason: str) -> ProviderAnswer:
        return self.call("POST", f"/consents/{consent_id}/revoke", {"reason": reason})

    def notify(self, consent_id: str, amount_cents: int, invoice_ref: str, channel: str, key: str) -> ProviderAnswer:
        return self.call("POST", f"/consents/{consent_id}/notifications",
                         {"amount_cents": amount_cents, "invoice_ref": invoice_ref, "channel": channel}, key=key)

    def debit(self, consent_id: str, amount_cents: int, invoice_ref: str, key: str) -> ProviderAnswer:
        return self.call("POST", f"/consents/{consent_id}/debits",
                         {"amount_cents": amount_cents, "invoice_ref": invoice_ref}, key=key)

    def debits(self, consent_id: str) -> ProviderAnswer:
        return self.call("GET", f"/consents/{consent_id}/debits")

    def refund(self, debit_id: str, amount_cents: int, reason: str, key: str) -> ProviderAnswer:
        return self.call("POST", f"/debits/{debit_id}/refunds", {"amount_cents": amount_cents, "reason": reason},
                         key=key)

    def close(self) -> None:
        self.http.close()
