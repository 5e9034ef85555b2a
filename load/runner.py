"""Running a load test: the target (given, or the bundled simulators), Locust headless in a child process, then
the verdict against the profile's thresholds.

Locust runs as `python -m locust -f load/locustfile.py`, so its gevent monkey-patching never reaches this
process (which may also be driving gunicorn). Exit codes: 0 every threshold holds, 1 one is broken, 2 usage
(raised before anything starts), 3 the run itself failed (target unreachable, Locust crashed, nothing answered).
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from load.bundled import PROJECT_ROOT, BundledError, BundledSimulators, BundledTerminal, child_env  # noqa: F401
from load.loadprofile import LoadProfile
from load.summary import console_text, summary_document, verdict_of, write_summary
from load.thresholds import evaluate
from simulators import clock

LOCUSTFILE = Path(__file__).resolve().with_name("locustfile.py")
EXIT_PASS, EXIT_BROKEN, EXIT_USAGE, EXIT_RUN_FAILED = 0, 1, 2, 3
REPORT_FILES = {"summary": "summary.json", "html": "locust.html", "stats_csv": "locust_stats.csv",
                "failures_csv": "locust_failures.csv", "history_csv": "locust_stats_history.csv",
                "locust_log": "locust.log"}
GRACE_SECONDS = 60.0  # beyond the profile's duration before a run is declared stuck
MIX_ACTORS = {"cdri": "amo", "diapason": "diapason"}  # simulator actors the bundled server mounts for a mix key
CDRI_PATH = "/amo/cdri"  # the CDRi service on a simphonie bench (simulators/amo/service.py)


class UsageProblem(ValueError):
    """Bad options (exit 2)."""


class RunFailed(RuntimeError):
    """The run itself failed (exit 3): nothing to judge."""


@dataclass(frozen=True)
class Tls:
    """For HTTPS targets: the CA to trust, and the client certificate for mutual TLS."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class Distribution:
    """Where the users run: this process only (`local`), N forked processes, or a master and its workers."""

    mode: str = "local"  # local | master | worker
    processes: int | None = None
    expect_workers: int = 1
    master_host: str = "127.0.0.1"
    master_port: int = 5557
    master_bind_host: str = "*"
    wait_workers: float = 60.0

    @property
    def label(self) -> str:
        return "processes" if self.mode == "local" and self.processes else self.mode


@dataclass(frozen=True)
class LoadRun:
    plan: LoadProfile
    report_dir: Path
    target: str | None = None
    distribution: Distribution = field(default_factory=Distribution)
    server_workers: int = 2
    tls: Tls | None = None
    bench_session: bool = True  # a fresh test session when the target is a simphonie bench
    verbose: bool = False
    finess: str | None = None  # every request speaks for this FINESS (default: the client certificate's CN)
    diapason_url: str | None = None  # default: the target's /diapason/v1 (DIAPASON users only)
    terminal: str | None = None  # host:port of a Caisse-AP terminal; default: a bundled one (terminal users only)
    cdri_url: str | None = None  # default: the target's /amo/cdri (CDRi users only)

    def uses(self, mix_key: str) -> bool:
        return self.plan.uses(mix_key)


# targets ------------------------------------------------------------------------------------------------------
def split_target(target: str) -> tuple[str, str]:
    """(origin, annuaire path): a bare origin means the bench's layout, `/annuaire`."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UsageProblem(f"--target: expected an http(s) URL like http://host:8080 or "
                           f"https://host/roc/annuaire, received {target!r}")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/") or "/annuaire"


def split_terminal(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UsageProblem(f"--terminal: expected host:port of a Caisse-AP terminal, received {address!r}")
    return host, int(port)


def preflight(origin: str, timeout: float = 5.0) -> None:
    """A TCP connection to an URL's host and port, or to `host:port`."""
    if "://" in origin:
        parts = urlsplit(origin)
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    else:
        host, port = split_terminal(origin)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise RunFailed(f"cannot reach the target {origin}: {exc}") from None


def certificate_finess(cert_path: str) -> str | None:
    """The FINESS a client certificate stands for: its common name (as `simphonie pki` issues them)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    certificate = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None


def _requests_options(tls: Tls | None) -> dict[str, Any]:
    options: dict[str, Any] = {"timeout": 5}
    if tls:
        options.update(verify=tls.ca or True, cert=(tls.cert, tls.key) if tls.cert else None)
    return options


def is_bench(origin: str, tls: Tls | None) -> bool:
    """Whether the target is a simphonie bench (it answers `GET /_bench/health`)."""
    import requests

    try:
        health = requests.get(f"{origin}/_bench/health", **_requests_options(tls))
        return health.status_code == 200 and health.json().get("status") == "ok"
    except (requests.RequestException, ValueError):
        return False


def open_bench_session(origin: str, plan: LoadProfile, tls: Tls | None, reference_day: str) -> str:
    """On a simphonie bench, a fresh test session for this run (its own commitments), anchored on the run's day
    so the bench knows the patients the load processes draw."""
    import requests

    options = _requests_options(tls)
    name = f"load-{plan.name}-{clock.utcnow():%Y%m%d%H%M%S}-{os.getpid() % 10000:04d}"
    created = requests.post(f"{origin}/_bench/sessions", json={"id": name, "seed": plan.dataset_seed,
                                                                 "label": f"simphonie load {plan.name}",
                                                                 "reference_day": reference_day}, **options)
    if created.status_code != 201:
        raise RunFailed(f"the bench at {origin} refused a test session: HTTP {created.status_code} {created.text[:200]}")
    return name


def without_cdri(run: LoadRun, echo: Callable[[str], None]) -> LoadRun:
    """A target that is not a bench (an AMC) has no CDRi service: leave its users out, keep the others'."""
    plan = run.plan.without("cdri")
    if not any(weight > 0 for weight in plan.mix.values()):
        raise RunFailed("the mix has only cdri users and the target is not a simphonie bench: give the CDRi "
                        "service's URL")
    echo(f"the target is not a simphonie bench and no CDRi URL was given: the cdri users are left out "
         f"({run.plan.users - plan.users} of {run.plan.users} users at the peak)")
    return dataclasses.replace(run, plan=plan)


def prepare_diapason(diapason_url: str, tls: Tls | None) -> None:
    """On a bench session, debits may follow the notification at once (no 3-day lead time)."""
    import requests

    answer = requests.put(f"{diapason_url}/profile", json={"notification_lead_days": 0}, **_requests_options(tls))
    if answer.status_code != 200:
        raise RunFailed(f"cannot set the DIAPASON lead time at {diapason_url}: HTTP {answer.status_code} "
                        f"{answer.text[:200]}")


# commands -----------------------------------------------------------------------------------------------------
def locust_command(run: LoadRun, config: dict[str, Any], origin: str) -> list[str]:
    report = run.report_dir
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", origin,
               "--html", str(report / REPORT_FILES["html"]), "--csv", str(report / "locust"),
               "--only-summary", "--simphonie-config", json.dumps(config, separators=(",", ":"))]
    dist = run.distribution
    if dist.mode == "master":
        command += ["--master", "--expect-workers", str(dist.expect_workers),
                    "--expect-workers-max-wait", f"{dist.wait_workers:g}",
                    "--master-bind-host", dist.master_bind_host, "--master-bind-port", str(dist.master_port)]
    elif dist.processes:
        command += ["--processes", str(dist.processes)]
    return command + list(run.plan.user_classes())


def worker_command(dist: Distribution) -> list[str]:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
               "--master-host", dist.master_host, "--master-port", str(dist.master_port)]
    return command + (["--processes", str(dist.processes)] if dist.processes else [])


def _tail(path: Path, count: int = 12) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    lines = text.strip().splitlines()[-count:]
    return ("; last lines of " + str(path) + ":\n  " + "\n  ".join(lines)) if lines else ""


def _wait(command: list[str], log_path: Path, verbose: bool, timeout: float | None) -> int:
    """Run a Locust process to its end; on timeout or Ctrl-C, stop it the way Locust expects (SIGTERM)."""
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=None if verbose else log,
                                   stderr=None if verbose else subprocess.STDOUT, env=child_env())
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise RunFailed(f"Locust did not finish within {timeout:.0f} s{_tail(log_path)}") from None
        except BaseException:
            _stop(process)
            raise


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# the run ------------------------------------------------------------------------------------------------------
def _measure(run: LoadRun, origin: str, facts: dict[str, Any]) -> dict[str, Any]:
    measurements_path = run.report_dir / "measurements.json"
    measurements_path.unlink(missing_ok=True)
    config = {"profile": run.plan.to_dict(), "source": run.plan.source, "annuaire_url": facts["annuaire_url"],
              "diapason_url": facts["diapason_url"], "terminal": facts["terminal"], "cdri_url": facts["cdri_url"],
              "finess": run.finess or (certificate_finess(run.tls.cert) if run.tls and run.tls.cert else None),
              "measurements": str(measurements_path), "reference_day": facts["reference_day"],
              "tls": {k: v for k, v in vars(run.tls).items() if v} if run.tls else None}
    timeout = run.plan.duration + GRACE_SECONDS
    if run.distribution.mode == "master":
        timeout += run.distribution.wait_workers
    log_path = run.report_dir / REPORT_FILES["locust_log"]
    code = _wait(locust_command(run, config, origin), log_path, run.verbose, timeout)
    if not measurements_path.exists():
        raise RunFailed(f"Locust exited with code {code} without measurements{_tail(log_path)}")
    measurements = json.loads(measurements_path.read_text(encoding="utf-8"))
    total = measurements["operations"]["total"]
    if not total["requests"]:
        raise RunFailed(f"no request was sent (Locust exit code {code}){_tail(log_path)}")
    if total["failures"] == total["requests"]:
        first = (measurements.get("errors") or [{"operation": "?", "error": "?"}])[0]
        raise RunFailed(f"none of the {total['requests']} requests succeeded; first failure: "
                        f"{first['operation']}: {first['error']}")
    return measurements


def run_load(run: LoadRun, echo: Callable[[str], None] = print) -> int:
    """Run the profile against the target; write the reports and summary.json; return the exit code."""
    plan, report = run.plan, run.report_dir
    report.mkdir(parents=True, exist_ok=True)
    started = clock.stamp()
    facts: dict[str, Any] = {"target": run.target, "annuaire_url": None, "session": None,
                             "diapason_url": None, "terminal": run.terminal, "cdri_url": None,
                             "reference_day": clock.today().isoformat()}  # the day the drawn stays are around
    measurements: dict[str, Any] | None = None
    results = []
    try:
        with ExitStack() as stack:
            if run.target is None:
                echo(f"starting the bundled simulators ({run.server_workers} gunicorn workers)...")
                actors = ("annuaire", "amc") + tuple(actor for key, actor in MIX_ACTORS.items() if run.uses(key))
                facts["target"] = stack.enter_context(
                    BundledSimulators(report, workers=run.server_workers, seed=plan.dataset_seed, actors=actors))
            if run.uses("terminal") and run.terminal is None:
                echo("starting a bundled Caisse-AP terminal...")
                facts["terminal"] = stack.enter_context(BundledTerminal(report))
            origin, path = split_target(facts["target"])
            preflight(origin)
            if facts["terminal"]:
                preflight(facts["terminal"])
            bench = is_bench(origin, run.tls)
            if run.bench_session and bench:
                facts["session"] = open_bench_session(origin, plan, run.tls, facts["reference_day"])
            if run.uses("cdri") and run.cdri_url is None and not bench:
                run = without_cdri(run, echo)
                plan = run.plan
            prefix = origin + (f"/s/{facts['session']}" if facts["session"] else "")
            facts["annuaire_url"] = prefix + path
            if run.uses("cdri"):
                facts["cdri_url"] = (run.cdri_url or prefix + CDRI_PATH).rstrip("/")
            if run.uses("diapason"):
                facts["diapason_url"] = (run.diapason_url or prefix + "/diapason/v1").rstrip("/")
                if facts["session"]:
                    prepare_diapason(facts["diapason_url"], run.tls)
            echo(f"load profile {plan.name}: up to {plan.users} users for {plan.duration:g} s against "
                 f"{facts['annuaire_url']} ({run.distribution.label})")
            measurements = _measure(run, origin, facts)
        results = evaluate(plan.thresholds, measurements)
        verdict, reason = verdict_of(results)
    except (RunFailed, BundledError) as exc:
        verdict, reason = "error", f"the run failed: {exc}"
    document = summary_document(
        plan=plan, target=facts["target"], annuaire_url=facts["annuaire_url"], session=facts["session"],
        diapason_url=facts["diapason_url"], terminal=facts["terminal"], cdri_url=facts["cdri_url"],
        mode=run.distribution.label, processes=run.distribution.processes, started_at=started,
        finished_at=clock.stamp(), verdict=verdict, reason=reason,
        measurements=measurements, results=results,
        reports={key: str(report / name) for key, name in REPORT_FILES.items() if (report / name).exists()
                 or key == "summary"})
    write_summary(document, report / REPORT_FILES["summary"])
    echo(console_text(document))
    return document["exit_code"]


def run_worker(dist: Distribution, report_dir: Path, echo: Callable[[str], None] = print,
               verbose: bool = False) -> int:
    """A worker for a master elsewhere: runs until the master ends the test. The master judges the run."""
    report_dir.mkdir(parents=True, exist_ok=True)
    log_path = report_dir / "locust-worker.log"
    echo(f"load worker: connecting to the master at {dist.master_host}:{dist.master_port} "
         f"({dist.processes or 1} process(es)); log in {log_path}")
    code = _wait(worker_command(dist), log_path, verbose, None)
    if code in (0, 1):  # 1: some requests failed, which the master counts and judges
        return EXIT_PASS
    echo(f"the load worker failed (Locust exit code {code}){_tail(log_path)}")
    return EXIT_RUN_FAILED
