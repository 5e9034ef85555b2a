"""`simphonie load` options: usage errors exit 2 before anything starts; Locust stays out of this process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from load.loadprofile import profile_from_dict, read_profile
from load.runner import (CDRI_PATH, Distribution, LoadRun, RunFailed, UsageProblem, locust_command, split_target,
                         without_cdri, worker_command)
from tests.load.conftest import run_cli


@pytest.mark.parametrize("args, message", [
    (["steady", "--master", "--worker"], "--master and --worker exclude each other"),
    (["steady", "--worker"], "a --worker takes its profile and target from the master; remove PROFILE"),
    ([], "missing PROFILE"),
    (["steady", "--master", "--processes", "2"], "--processes forks workers on this machine"),
    (["steady", "--master-host", "h"], "--master-host goes with --worker"),
    (["steady", "--expect-workers", "2"], "--expect-workers goes with --master"),
    (["steady", "--duration", "soon"], "expected seconds or a duration like 90s, 5m, 1h30m"),
    (["nope"], "nope:(top level): no such load profile"),
    (["steady", "--target", "ftp://host"], "--target: expected an http(s) URL"),
    (["steady", "--terminal", "localhost"], "--terminal: expected host:port of a Caisse-AP terminal"),
    (["steady", "--finess", "123"], "--finess: "),
])
def test_usage_errors_exit_2(args, message):
    result = run_cli(*args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_bad_profile_file_exits_2_naming_file_and_key(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(Path(read_profile("steady").source).read_text().replace("max_p95_ms", "max_p95"))
    result = run_cli(str(path))
    assert result.exit_code == 2 and f"{path}:thresholds: unknown key(s) max_p95" in result.output


def test_durations_and_targets():
    from conformance.commands.load import Duration

    assert [Duration().convert(v, None, None) for v in ("90", "90s", "5m", "1h30m", "2.5s")] == \
        [90.0, 90.0, 300.0, 5400.0, 2.5]
    assert split_target("http://h:8080") == ("http://h:8080", "/annuaire")
    assert split_target("https://amc.example/roc/annuaire/") == ("https://amc.example", "/roc/annuaire")
    with pytest.raises(UsageProblem):
        split_target("http://h/annuaire?x=1")


def test_locust_commands_per_mode(tmp_path):
    plan = read_profile("steady")
    local = locust_command(LoadRun(plan, tmp_path), {"k": 1}, "http://h")
    assert local[1:5] == ["-m", "locust", "-f", str(Path("load/locustfile.py").resolve())]
    assert "--headless" in local and local[-1] == "HospitalGapUser" and '{"k":1}' in local
    forked = locust_command(LoadRun(plan, tmp_path, distribution=Distribution(processes=3)), {}, "http://h")
    assert forked[-3:-1] == ["--processes", "3"]
    master = locust_command(LoadRun(plan, tmp_path, distribution=Distribution(mode="master", expect_workers=2,
                                                                             master_port=6000)), {}, "http://h")
    assert ["--master", "--expect-workers", "2"] == master[master.index("--master"):master.index("--master") + 3]
    assert worker_command(Distribution(mode="worker", master_host="m", processes=2))[-6:] == [
        "--master-host", "m", "--master-port", "5557", "--processes", "2"]


def test_the_cli_and_the_runner_do_not_import_locust_or_gevent():
    code = ("import sys, conformance.cli, conformance.commands.load, load.runner, load.loadprofile, load.answers, "
            "load.templates; print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_the_finess_of_a_client_certificate_is_its_common_name(tmp_path):
    from load.runner import certificate_finess
    from simulators.pki import generate_pki

    generate_pki(tmp_path, ["750000010"])
    assert certificate_finess(str(tmp_path / "clients" / "750000010.pem")) == "750000010"


def test_against_a_target_without_cdri_the_cdri_users_are_left_out_and_the_others_keep_theirs(tmp_path):
    from simulators.amo.service import CDRI_PATH as SERVED

    assert CDRI_PATH == SERVED
    said: list[str] = []
    run = without_cdri(LoadRun(read_profile("morning-peak"), tmp_path), said.append)
    assert run.plan.mix == {"roc": 1} and run.plan.users == 40 and locust_command(run, {}, "http://h")[-1] == \
        "HospitalGapUser"
    assert said == ["the target is not a simphonie bench and no CDRi URL was given: the cdri users are left out "
                    "(40 of 80 users at the peak)"]
    only_cdri = read_profile("steady").to_dict() | {"mix": {"cdri": 1}}
    with pytest.raises(RunFailed, match="the mix has only cdri users and the target is not a simphonie bench"):
        without_cdri(LoadRun(profile_from_dict(only_cdri), tmp_path), said.append)
