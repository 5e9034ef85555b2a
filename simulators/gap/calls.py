"""Sending one ROC request the way the GAP's policy says: per-thread RocClients, bounded attempts of the very
same request (same exchange id, same content) with backoff, and one ExchangeRecord per attempt."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from simulators import clock
from simulators.gap.client import Exchange, RocClient, RocClientError
from simulators.gap.outcomes import CallResult, is_transient, outcome_of
from simulators.gap.policy import GapPolicy
from simulators.gap.status import ExchangeRecord
from simulators.profiles import Profile


class RocCalls:
    """Thread-safe: each thread gets its own RocClient (a client keeps a keep-alive requests.Session)."""

    def __init__(self, annuaire_url: str, policy: GapPolicy, *, profile: Profile, session: str | None,
                 cert: tuple[str, str] | None, verify: str | bool, software: str,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.annuaire_url = annuaire_url
        self.policy = policy
        self._options = dict(soap_version=policy.soap_version, timeout=policy.timeout_s, cert=cert, verify=verify,
                             session=session, profile=profile, software=software)
        self._sleep = sleep
        self._local = threading.local()
        self._clients: list[RocClient] = []
        self._guard = threading.Lock()

    def client(self) -> RocClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = RocClient(self.annuaire_url, **self._options)
            with self._guard:
                self._clients.append(client)
        return client

    def attempts(self, operation: str, url: str, request: Any,
                 record: Callable[[ExchangeRecord], None]) -> CallResult:
        """Send `request` until an answer or a refusal, at most `policy.max_attempts` times, unchanged;
        `record` gets one ExchangeRecord per attempt."""
        client = self.client()
        error: RocClientError | None = None
        for attempt in range(1, self.policy.max_attempts + 1):
            delay = self.policy.delay_before(attempt)
            if delay:
                self._sleep(delay)
            try:
                answer = client.call(url, request)
            except RocClientError as exc:
                error = exc
                record(_exchange_record(client, operation, url, request, attempt, outcome_of(exc)))
                if not is_transient(exc):
                    break
                continue
            record(_exchange_record(client, operation, url, request, attempt, "ok"))
            return CallResult(operation, request, answer, url=url)
        return CallResult(operation, request, error=error, url=url)

    def evidence(self) -> list[Exchange]:
        """The last exchanges of every thread's client (request and answer bytes), oldest first."""
        with self._guard:
            clients = list(self._clients)
        return sorted((exchange for client in clients for exchange in client.history), key=lambda e: e.at)

    def close(self) -> None:
        with self._guard:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()


def _exchange_record(client: RocClient, operation: str, url: str, request: Any, attempt: int,
                     outcome: str) -> ExchangeRecord:
    seen = client.history[-1] if client.history else None
    return ExchangeRecord(operation, url, request.header.exchange_id, attempt, outcome,
                          seen.status if seen else None, round(seen.duration_ms, 1) if seen else 0.0,
                          seen.at if seen else clock.utcnow())
