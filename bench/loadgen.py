"""A small closed-loop HTTP load generator for `make bench`: N keep-alive connections spread over processes,
each sending pre-encoded bodies in turn for a fixed duration. Prints nothing; returns statistics."""
from __future__ import annotations

import http.client
import multiprocessing
import statistics
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from simulators import clock


@dataclass(frozen=True)
class LoadStats:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _worker(url: str, bodies: list[bytes], headers: dict[str, str], connections: int, duration: float,
            start_index: int, queue: multiprocessing.Queue, ok_statuses: tuple[int, ...]) -> None:
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = clock.monotonic() + duration

    def run(offset: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        index = offset
        local: list[float] = []
        local_errors = 0
        while clock.monotonic() < deadline:
            body = bodies[index % len(bodies)]
            index += connections * 64
            started = clock.monotonic()
            try:
                connection.request("POST", parts.path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status not in ok_statuses:
                    local_errors += 1
            except (OSError, http.client.HTTPException):
                local_errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            local.append(clock.monotonic() - started)
        with lock:
            latencies.extend(local)
            errors[0] += local_errors

    threads = [threading.Thread(target=run, args=(start_index + i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, errors[0]))


def run_load(url: str, bodies: list[bytes], *, headers: dict[str, str], concurrency: int = 16,
             processes: int = 2, duration: float = 5.0, ok_statuses: tuple[int, ...] = (200,)) -> LoadStats:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    per_process = max(1, concurrency // processes)
    workers = [multiprocessing.Process(target=_worker, args=(url, bodies, headers, per_process, duration,
                                                             p * per_process, queue, ok_statuses))
               for p in range(processes)]
    started = clock.monotonic()
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=duration + 60) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = clock.monotonic() - started
    latencies = sorted(lat for batch, _ in results for lat in batch)
    errors = sum(err for _, err in results)
    if not latencies:
        return LoadStats(0, errors, elapsed, 0.0, 0.0)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return LoadStats(len(latencies), errors, min(elapsed, duration), statistics.median(latencies) * 1000, p99 * 1000)
