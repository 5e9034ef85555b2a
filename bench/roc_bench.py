"""`make bench`: AMC IDB and CLC through the production server (gunicorn, 2 sync workers, SQLite WAL),
next to the same server answering a fixed XML body, measured in the same run with the same client.

The client is bench/loadgen.py (16 keep-alive connections over 2 processes). Its bodies come from
`UniqueBodies`: every request is a pre-encoded IDB or CLC with a fresh exchange id and its own venue (the
simulators answer a repeated exchange id from their replay cache, and a stay holds one active commitment), so
both runs cost the client the same and only the server's work differs. CLCs need an IDB reference per stay:
those IDBs are made beforehand, outside the measurement. Nothing is asserted; aims are printed as ratios.

    python -m bench.roc_bench [--seconds 4] [--concurrency 16] [--workers 2] [--threads 1] [--profile]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from simulators import clock
from bench.loadgen import LoadStats, run_load
from load.answers import AnswerReader
from load.templates import Clock, StayTemplates, encode_stay, soap_headers
from simulators.gap.client import ExchangeIds
from simulators.profiles import load_profile
from simulators.runtime import dataset_for_seed
from simulators.settings import Settings
from simulators.soap import envelope
from simulators.xml import parse_xml

AIMS = {"IDB": 0.60, "CLC": 0.45}  # share of the fixed-answer baseline's throughput
P99_AIM_MS = 20.0
IDB_PER_CORE_AIM = 1500


# the fixed-answer baseline, mounted on the same app only for the benchmark --------------------------------------
def fixed_answer_blueprint(body: bytes):
    """POST /_fixed/<anything>: reads the request, answers `body` (a pre-encoded SOAP answer) with HTTP 200."""
    from flask import Blueprint, Response, request

    bp = Blueprint("bench_fixed_answer", __name__)

    @bp.post("/_fixed/<name>")
    def fixed(name: str) -> Response:
        request.get_data(cache=False)
        return Response(body, content_type="text/xml; charset=utf-8")

    return bp


def bench_app(settings: Settings, fixed_body: bytes):
    from simulators.app import create_app

    app = create_app(settings)
    app.register_blueprint(fixed_answer_blueprint(fixed_body))
    return app


def _serve(settings: Settings, fixed_body: bytes, workers: int, threads: int, ready: Any) -> None:
    from simulators.server import serve_production

    serve_production(lambda: bench_app(settings, fixed_body), host="127.0.0.1", port=0, workers=workers,
                     threads=threads, on_ready=ready.put)


class GunicornServer:
    """`with GunicornServer(...) as url:` the bench app under gunicorn in a child process."""

    def __init__(self, settings: Settings, fixed_body: bytes, workers: int, threads: int) -> None:
        self._ready: multiprocessing.Queue = multiprocessing.Queue()
        self._process = multiprocessing.Process(target=_serve, args=(settings, fixed_body, workers, threads,
                                                                     self._ready), daemon=False)

    def __enter__(self) -> str:
        self._process.start()
        return self._ready.get(timeout=60)

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()  # SIGTERM: gunicorn's arbiter stops its workers
        self._process.join(timeout=20)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)


# bodies -------------------------------------------------------------------------------------------------------
class UniqueBodies(Sequence):
    """An endless 'list' for loadgen: each item is the next pre-encoded request, never sent before.

    A counter shared by the client processes numbers the requests; request n is stay template n mod k with the
    venue number `venue(n)` and, for SIM/CLC, the IDB reference `references[n]` (made for that venue).
    """

    def __init__(self, operation: str, templates: Sequence[StayTemplates], venue: Callable[[int], str],
                 references: Sequence[str] | None = None) -> None:
        self.operation = operation
        self.templates = list(templates)
        self.venue = venue
        self.references = list(references) if references is not None else None
        self._counter = multiprocessing.Value("q", 0)
        self._clock = Clock()
        self._ids_pid = -1
        self._ids = ExchangeIds()

    def __len__(self) -> int:
        return sys.maxsize

    def issued(self) -> int:
        return self._counter.value

    def __getitem__(self, index: int) -> bytes:  # type: ignore[override]
        with self._counter.get_lock():
            n = self._counter.value
            self._counter.value = n + 1
        if self._ids_pid != os.getpid():  # a forked client process: its own exchange id stem
            self._ids_pid, self._ids = os.getpid(), ExchangeIds()
        values = {"exchange": self._ids().encode(), "timestamp": self._clock(), "venue": self.venue(n).encode()}
        if self.references is not None:
            values["reference"] = self.references[n % len(self.references)].encode()
        template = self.templates[n % len(self.templates)].requests[self.operation]
        return template.render(values)


def _venue(base: int) -> Callable[[int], str]:
    return lambda n: f"{base + n:010d}"


def same_host_stays(count: int) -> tuple[str, list[StayTemplates]]:
    """Drawn stays whose AMC routes to one host (loadgen posts to one URL), encoded once."""
    dataset, profile = dataset_for_seed(Settings().seed), load_profile()
    drawn = dataset.draw_stays(seed=11, n=count * 4, worker_index=0)
    hosts = Counter()
    route_of = {}
    for stay in drawn:
        a = stay.attestation
        route = dataset.resolve(a.numero_amc, a.type_convention, a.critere_secondaire)
        route_of[stay.stay.venue_number] = route.host_id
        hosts[route.host_id] += 1
    host = hosts.most_common(1)[0][0]
    chosen = [stay for stay in drawn if route_of[stay.stay.venue_number] == host][:count]
    return host, [encode_stay(stay, profile) for stay in chosen]


def prepare_references(url: str, bodies: UniqueBodies, count: int, reader: AnswerReader) -> list[str]:
    """`count` IDBs (outside any measurement), in order, each giving the reference of one future CLC."""
    import requests

    headers = soap_headers(load_profile())["IDB"]
    local = threading.local()

    def one(_: int) -> str:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        answer = session.post(url, data=bodies[0], headers=headers, timeout=30)
        reference = reader.idb_reference(answer.content)
        if answer.status_code != 200 or reference is None:
            raise RuntimeError(f"IDB setup failed: HTTP {answer.status_code} {answer.content[:300]!r}")
        return reference

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(one, range(count)))


# measuring ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    name: str
    stats: LoadStats

    def line(self, baseline: LoadStats | None = None, aim: float | None = None) -> str:
        s = self.stats
        text = f"  {self.name:<30} {s.requests:>8} {s.errors:>7} {s.rps:>9.0f} {s.p50_ms:>8.1f} {s.p99_ms:>8.1f}"
        if baseline is not None and baseline.rps:
            ratio = s.rps / baseline.rps
            text += f"   {ratio * 100:5.1f} % of baseline"
            if aim is not None:
                text += f" (aim ≥ {aim * 100:.0f} %: {'met' if ratio >= aim else 'MISSED'})"
        return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="roc_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of each measured run")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker: 1 = sync workers, the issue's measurement setting "
                             "(`simphonie serve` runs 8 so that slow-AMC behaviours do not hold a whole worker)")
    parser.add_argument("--profile", action="store_true", help="also profile IDB and CLC in-process (cProfile)")
    args = parser.parse_args(argv if argv is not None else [])

    profile = load_profile()
    reader = AnswerReader(profile)
    host, templates = same_host_stays(32)
    fixed = envelope("1.1", parse_xml((profile.root / "samples" / "idb-answer.xml").read_bytes()))
    headers = soap_headers(profile)
    run = dict(concurrency=args.concurrency, processes=args.client_processes)
    with tempfile.TemporaryDirectory(prefix="roc-bench-") as tmp:
        settings = Settings(db_path=os.path.join(tmp, "state.sqlite"), actors=("annuaire", "amc"))
        with GunicornServer(settings, fixed, args.workers, args.threads) as url:
            idb_url, clc_url = f"{url}/amc/{host}/idb", f"{url}/amc/{host}/clc"
            idb_bodies = UniqueBodies("IDB", templates, _venue(1_000_000))
            run_load(idb_url, idb_bodies, headers=headers["IDB"], duration=1.0, **run)  # warm the workers
            baseline = run_load(f"{url}/_fixed/idb", idb_bodies, headers=headers["IDB"], duration=args.seconds, **run)
            idb = run_load(idb_url, idb_bodies, headers=headers["IDB"], duration=args.seconds, **run)
            clc_count = int(max(idb.rps, 50) * args.seconds * 1.3) + 200
            setup_venue = _venue(5_000_000)
            started = clock.monotonic()
            references = prepare_references(idb_url, UniqueBodies("IDB", templates, setup_venue), clc_count, reader)
            setup_seconds = clock.monotonic() - started
            clc_bodies = UniqueBodies("CLC", templates, setup_venue, references)
            clc = run_load(clc_url, clc_bodies, headers=headers["CLC"], duration=args.seconds, **run)
            clc_wrapped = clc_bodies.issued() > len(references)

    print(f"AMC through gunicorn: {args.workers} workers x {args.threads} threads, SQLite WAL; client "
          f"bench/loadgen.py, {args.concurrency} keep-alive connections over {args.client_processes} processes, "
          f"{args.seconds:g} s per run, {os.cpu_count()} CPU(s) shared by client and server")
    print(f"  {'run':<30} {'requests':>8} {'errors':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    print(Row("baseline: fixed XML answer", baseline).line())
    print(Row("IDB", idb).line(baseline, AIMS["IDB"]))
    print(Row("CLC (commitment per stay)", clc).line(baseline, AIMS["CLC"]))
    for name, stats in (("IDB", idb), ("CLC", clc)):
        verdict = "met" if stats.p99_ms <= P99_AIM_MS else "MISSED"
        print(f"  {name} p99 {stats.p99_ms:.1f} ms (aim ≤ {P99_AIM_MS:g} ms: {verdict})")
    per_worker = idb.rps / args.workers
    print(f"  IDB per gunicorn worker process: {per_worker:.0f}/s (aim ≥ {IDB_PER_CORE_AIM} per core; the client "
          f"runs on the same cores)")
    print(f"  CLC setup: {len(references)} IDBs in {setup_seconds:.1f} s (not measured)"
          + ("; CLC run outran them, repeated stays were refused" if clc_wrapped else ""))
    if args.profile:
        profile_request_path(host, templates)


# profiling ----------------------------------------------------------------------------------------------------
def profile_request_path(host: str, templates: Sequence[StayTemplates], count: int = 300, top: int = 18) -> None:
    """cProfile of IDB then CLC requests through the WSGI app in this process (no HTTP): where the time goes."""
    import cProfile
    import pstats

    from simulators.app import create_app

    profile = load_profile()
    headers = soap_headers(profile)
    with tempfile.TemporaryDirectory(prefix="roc-profile-") as tmp:
        settings = Settings(db_path=os.path.join(tmp, "state.sqlite"), actors=("annuaire", "amc"))
        client = create_app(settings).test_client()
        idb_bodies = UniqueBodies("IDB", templates, _venue(7_000_000))
        reader = AnswerReader(profile)
        client.post(f"/amc/{host}/idb", data=idb_bodies[0], headers=headers["IDB"])  # warm up
        for operation in ("IDB", "CLC"):
            if operation == "IDB":
                bodies = [idb_bodies[0] for _ in range(count)]
            else:
                setup = UniqueBodies("IDB", templates, _venue(8_000_000))
                references = [reader.idb_reference(client.post(f"/amc/{host}/idb", data=setup[0],
                                                               headers=headers["IDB"]).data) for _ in range(count)]
                clc = UniqueBodies("CLC", templates, _venue(8_000_000), references)
                bodies = [clc[0] for _ in range(count)]
            profiler = cProfile.Profile()
            started = clock.monotonic()
            profiler.enable()
            for body in bodies:
                client.post(f"/amc/{host}/{operation.lower()}", data=body, headers=headers[operation])
            profiler.disable()
            elapsed = (clock.monotonic() - started) / count * 1e3
            print(f"\n  {operation} in-process: {elapsed:.2f} ms per request (cProfile on); top by own time:")
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    main(sys.argv[1:])
