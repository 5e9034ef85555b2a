"""`make bench`: one Locust worker process's maximum ROC request rate, against the fixed-answer baseline endpoint,
and the simulators' IDB throughput driven by that same single worker, as a ratio of the two.

The Locust process is the real load user (`load.users.RocGapUser.send`: pre-encoded body, fresh exchange id,
answer checked, 5 % of answers schema-validated) with no think time, run in a child interpreter through Locust's
Environment API, so gevent's patching never reaches `make bench`. The server is the AMC app under gunicorn
(2 workers x 8 threads) with the fixed-answer route of bench.roc_bench mounted. Nothing is asserted.

    python -m bench.locust_bench [--seconds 4] [--users 32]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from simulators import clock as bench_clock

LOCUST_AIM_RPS = 3000  # one Locust worker process driving ROC requests
WARMUP_SECONDS = 1.0


def _child_run(url: str, mode: str, users: int, seconds: float) -> dict[str, Any]:
    from load.bundled import child_env

    command = [sys.executable, "-m", "bench.locust_bench", "--child", mode, "--url", url, "--users", str(users),
               "--seconds", str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, env=child_env())
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"the Locust child failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(mode: str, url: str, users: int, seconds: float) -> dict[str, Any]:
    """In a fresh interpreter: `users` FastHttpUsers without think time, measured after a warm-up."""
    import resource

    import gevent
    from locust import task
    from locust.env import Environment

    from load.answers import AnswerReader, SampledValidation, ValidationTally
    from load.loadprofile import read_profile
    from load.templates import Clock, StayPool, soap_headers
    from load.users import DeskUser, RocGapUser, RunContext
    from simulators.gap.client import ExchangeIds
    from simulators.profiles import load_profile
    from simulators.runtime import dataset_for_seed
    from simulators.settings import Settings

    profile, dataset = load_profile(), dataset_for_seed(Settings().seed)
    plan = dataclasses.replace(read_profile("steady"), think_time=(0.0, 0.0))
    DeskUser.shared = RunContext(
        plan=plan, annuaire_url="", pool=StayPool(dataset, profile, seed=5, worker_index=0, size=64),
        reader=AnswerReader(profile), validation=SampledValidation(profile, 0.05, ValidationTally()),
        headers=soap_headers(profile), clock=Clock(), ids=ExchangeIds())

    def idb_url(visit) -> str:
        if mode == "fixed":
            return f"{url}/_fixed/idb"
        a = visit.templates.drawn.attestation
        return f"{url}/amc/{dataset.resolve(a.numero_amc, a.type_convention, a.critere_secondaire).host_id}/idb"

    class IdbUser(RocGapUser):
        @task
        def idb(self) -> None:
            visit = self.shared.pool.next_visit()
            self.send("IDB", idb_url(visit), visit)

    environment = Environment(user_classes=[IdbUser], host=url)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=users * 4)
    gevent.sleep(WARMUP_SECONDS)
    environment.stats.reset_all()
    cpu_before, started = resource.getrusage(resource.RUSAGE_SELF), bench_clock.monotonic()
    gevent.sleep(seconds)
    total = environment.stats.total
    elapsed = bench_clock.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    result = {"requests": total.num_requests, "failures": total.num_failures, "rps": total.num_requests / elapsed,
              "p50_ms": total.get_response_time_percentile(0.5), "p99_ms": total.get_response_time_percentile(0.99),
              "cpu": ((cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)) / elapsed,
              "errors": [e.to_name() for e in list(environment.stats.errors.values())[:3]]}
    runner.quit()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="locust_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per run (after a warm-up)")
    parser.add_argument("--users", type=int, default=32, help="users of the one Locust process")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--child", choices=("fixed", "idb"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        print(json.dumps(child(args.child, args.url, args.users, args.seconds)))
        return

    from bench.roc_bench import GunicornServer
    from simulators.profiles import load_profile
    from simulators.settings import Settings
    from simulators.soap import envelope
    from simulators.xml import parse_xml

    profile = load_profile()
    fixed = envelope("1.1", parse_xml((profile.root / "samples" / "idb-answer.xml").read_bytes()))
    with tempfile.TemporaryDirectory(prefix="locust-bench-") as tmp:
        settings = Settings(db_path=os.path.join(tmp, "state.sqlite"), actors=("annuaire", "amc"))
        with GunicornServer(settings, fixed, args.workers, 8) as url:
            baseline = _child_run(url, "fixed", args.users, args.seconds)
            simulator = _child_run(url, "idb", args.users, args.seconds)

    print(f"One Locust worker process (FastHttpUser, RocGapUser.send, {args.users} users, no think time), "
          f"{args.seconds:g} s measured after {WARMUP_SECONDS:g} s; server gunicorn {args.workers} workers x 8 "
          f"threads; {os.cpu_count()} CPU(s) shared")
    print(f"  {'run':<34} {'requests':>8} {'fails':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'Locust CPU':>11}")
    for name, run in (("Locust max: fixed-answer baseline", baseline), ("simulator IDB", simulator)):
        print(f"  {name:<34} {run['requests']:>8} {run['failures']:>6} {run['rps']:>8.0f} {run['p50_ms']:>7.0f} "
              f"{run['p99_ms']:>7.0f} {run['cpu'] * 100:>10.0f}%")
        for error in run["errors"]:
            print(f"    failure: {error}")
    per_request_us = 1e6 * baseline["cpu"] / baseline["rps"] if baseline["rps"] else 0.0
    capacity = 1e6 / per_request_us if per_request_us else 0.0
    limited = baseline["cpu"] < 0.9
    print(f"  Locust CPU per ROC request: {per_request_us:.0f} µs, so one worker process can drive about "
          f"{capacity:.0f} req/s on a full core (aim ≥ {LOCUST_AIM_RPS}: {'met' if capacity >= LOCUST_AIM_RPS else 'MISSED'})")
    if limited:
        print(f"  measured {baseline['rps']:.0f} req/s at {baseline['cpu'] * 100:.0f} % CPU: the fixed-answer server, "
              f"sharing the cores, was the limit of that run, not Locust")
    ratio = simulator["rps"] / baseline["rps"] if baseline["rps"] else 0.0
    print(f"  simulator IDB throughput / Locust max: {ratio * 100:.1f} % of the measured baseline run, "
          f"{simulator['rps'] / capacity * 100 if capacity else 0:.1f} % of the worker's capacity; Locust used "
          f"{simulator['cpu'] * 100:.0f} % CPU against the simulator, "
          f"{'so the simulators are the bottleneck' if simulator['cpu'] < 0.9 else 'so Locust is the bottleneck'}")

if __name__ == "__main__":
    main(sys.argv[1:])
