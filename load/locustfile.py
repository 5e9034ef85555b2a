"""The locustfile of `simphonie load` (`locust -f load/locustfile.py --simphonie-config '<json>' ...`).

It wires the user classes to the run: the run configuration arrives as one custom option (forwarded by the
master to every worker), each load process builds its `StayPool` at test start with its Locust worker index
(distinct stays across processes and machines), the profile's shape drives the user count, the sampled
validation counts travel from workers to the master as a custom metric, and the master (or the single local
process) writes the measurement document `load.runner` judges. Importing this module imports Locust.
"""
from __future__ import annotations

import json
import random
import ssl
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from locust import LoadTestShape, events
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import StatsEntry

from load.answers import AnswerReader, FaultReader, SampledValidation, ValidationTally
from load.loadprofile import LoadProfile, Stage, profile_from_dict, stage_at
from load.templates import CDRI, CDRI_PROFILE, Clock, StayPool, establishment_for, soap_headers
from load.users import (CdriService, CdriUser, DeskUser, DiapasonDeskUser, HospitalGapUser, PaymentTerminalUser,
                        RunContext, SoapGapUser)
from simulators.gap.client import ExchangeIds

__all__ = ["CdriUser", "DiapasonDeskUser", "HospitalGapUser", "PaymentTerminalUser", "ProfileShape"]  # what Locust runs

CONFIG_OPTION = "--simphonie-config"
POOL_SIZE = 64  # stays encoded per process at test start (distinct patients), reused with fresh venues
TALLY = ValidationTally()
_PEAK_USERS = [0]
_USER_CLASSES = {cls.__name__: cls for cls in (HospitalGapUser, CdriUser, DiapasonDeskUser, PaymentTerminalUser)}


@events.init_command_line_parser.add_listener
def _add_option(parser: Any) -> None:
    parser.add_argument(CONFIG_OPTION, type=str, default="", help="simphonie load run configuration (JSON)")


@lru_cache(maxsize=4)
def _config(text: str) -> tuple[dict[str, Any], LoadProfile]:
    if not text:
        raise RuntimeError(f"{CONFIG_OPTION} is missing: start load runs with `simphonie load`")
    config = json.loads(text)
    return config, profile_from_dict(config["profile"], config.get("source", "<run>"))


def run_config(environment: Any) -> tuple[dict[str, Any], LoadProfile]:
    return _config(getattr(environment.parsed_options, "simphonie_config", "") or "")


def _ssl_factory(tls: dict[str, str]):
    """An SSLContext factory for HTTPS targets: the CA to trust and the client certificate (mutual TLS)."""
    def factory() -> ssl.SSLContext:
        from gevent import ssl as gevent_ssl

        context = gevent_ssl.create_default_context(cafile=tls.get("ca") or None)
        if tls.get("cert"):
            context.load_cert_chain(tls["cert"], tls.get("key") or None)
        return context
    return factory


@events.init.add_listener
def _weights(environment: Any, **kwargs: Any) -> None:
    options = environment.parsed_options
    if options is None or not getattr(options, "simphonie_config", ""):
        return  # a remote worker: the configuration comes with the first spawn message
    _, plan = run_config(environment)
    for name, weight in plan.user_classes().items():
        _USER_CLASSES[name].weight = max(1, round(weight * 100))


@events.test_start.add_listener
def _prepare(environment: Any, **kwargs: Any) -> None:
    """Each load process (not the master) encodes its own stays once, with its worker index."""
    if isinstance(environment.runner, MasterRunner):
        return
    from simulators.data.dataset import build_dataset
    from simulators.profiles import load_profile

    config, plan = run_config(environment)
    profile = load_profile(plan.message_profile)
    worker_index = max(0, getattr(environment.runner, "worker_index", 0))
    day = config.get("reference_day")
    dataset = build_dataset(plan.dataset_seed, reference_date=date.fromisoformat(day) if day else None)
    establishment = establishment_for(dataset, config["finess"]) if config.get("finess") else None
    cdri_profile = load_profile(CDRI_PROFILE) if plan.uses("cdri") else None
    pool = StayPool(dataset, profile, seed=plan.seed, worker_index=worker_index, offset=plan.stay_offset,
                    size=POOL_SIZE, soap_version=plan.soap_version, establishment=establishment,
                    cdri_profile=cdri_profile)
    rng = random.Random(f"validation:{plan.seed}:{worker_index}")
    headers = soap_headers(profile, plan.soap_version)
    cdri = None
    if cdri_profile is not None:
        headers.update(soap_headers(cdri_profile, plan.soap_version, (CDRI,)))
        cdri = CdriService(config["cdri_url"], FaultReader(cdri_profile),
                           SampledValidation(cdri_profile, plan.validation_sample, TALLY, rng))
    terminal = config.get("terminal")
    DeskUser.shared = RunContext(
        plan=plan, annuaire_url=config["annuaire_url"], pool=pool, reader=AnswerReader(profile),
        validation=SampledValidation(profile, plan.validation_sample, TALLY, rng),
        headers=headers, clock=Clock(), ids=ExchangeIds(), diapason_url=config.get("diapason_url"),
        terminal=(terminal.rsplit(":", 1)[0], int(terminal.rsplit(":", 1)[1])) if terminal else None, cdri=cdri)
    for cls in (SoapGapUser, DiapasonDeskUser):
        cls.network_timeout = cls.connection_timeout = plan.timeout
        if config.get("tls"):
            cls.ssl_context_factory = staticmethod(_ssl_factory(config["tls"]))


@events.report_to_master.add_listener
def _report(client_id: str, data: dict[str, Any]) -> None:
    data["simphonie_validation"] = TALLY.drain()


@events.worker_report.add_listener
def _collect(client_id: str, data: dict[str, Any]) -> None:
    TALLY.merge(data.get("simphonie_validation"))


class ProfileShape(LoadTestShape):
    """The profile's stages: (users, spawn rate) for the current second, None at the end of the run."""

    def tick(self) -> tuple[int, float] | None:
        _, plan = run_config(self.runner.environment)
        _PEAK_USERS[0] = max(_PEAK_USERS[0], self.runner.user_count)
        stage: Stage | None = stage_at(plan.stages(), self.get_run_time())
        return None if stage is None else (stage.users, stage.spawn_rate)


# measurements -------------------------------------------------------------------------------------------------
def _entry(entry: StatsEntry) -> dict[str, Any]:
    requests = entry.num_requests
    return {
        "requests": requests,
        "failures": entry.num_failures,
        "error_rate": entry.num_failures / requests if requests else 0.0,
        "rps": entry.total_rps,
        "p50_ms": entry.get_response_time_percentile(0.5) if requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if requests else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if requests else None,
        "avg_ms": entry.avg_response_time,
        "max_ms": entry.max_response_time,
    }


def measurements(environment: Any) -> dict[str, Any]:
    """What the run measured, in the shape load.thresholds reads."""
    stats = environment.stats
    operations = {"total": _entry(stats.total)}
    operations.update((entry.name, _entry(entry)) for entry in
                      sorted(stats.entries.values(), key=lambda e: e.name))
    errors = sorted(stats.errors.values(), key=lambda e: -e.occurrences)[:20]
    runner = environment.runner
    return {
        "duration_s": max(0.0, (stats.total.last_request_timestamp or stats.total.start_time)
                          - stats.total.start_time),
        "peak_users": _PEAK_USERS[0],
        "workers": len(runner.worker_indexes) if isinstance(runner, MasterRunner) else 1,
        "operations": operations,
        "validation": TALLY.to_dict(),
        "errors": [{"operation": e.name, "error": e.to_name().removeprefix(f"{e.method} {e.name}: "),
                    "occurrences": e.occurrences} for e in errors],
    }


@events.quitting.add_listener
def _write_measurements(environment: Any, **kwargs: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    config, _ = run_config(environment)
    if config.get("measurements"):
        path = Path(config["measurements"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(measurements(environment), indent=2) + "\n", encoding="utf-8")
