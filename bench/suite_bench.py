"""The whole ROC GAP suite against the reference GAP, timed: scenarios per second (issue 3's aim: < 60 s)."""
from __future__ import annotations


from simulators import clock


def main() -> None:
    from conformance.checks import builtin
    from conformance.runner import RunConfig, Runner
    from conformance.scenarios import load_suites
    from conformance.session_bench import bundled_simulators
    from simulators.runtime import dataset_for_seed

    seed = 20261125
    dataset = dataset_for_seed(seed)
    loaded = load_suites(["scenarios/roc-gap", "scenarios/roc-amc"], registry=builtin(), personas=list(dataset.personas))
    print(f"{'suite':10} {'scenarios':>9} {'seconds':>8} {'scen/s':>7}  verdict")
    with bundled_simulators(seed=seed, services=()) as bench:
        for suite in loaded.suites:
            config = RunConfig(sut=suite.sut, driver="reference", bench_url=bench.url, seed=seed,
                               run_id=f"bench-{suite.id}", parallel=8)
            started = clock.monotonic()
            run = Runner(config, dataset=dataset).run([suite])
            elapsed = clock.monotonic() - started
            count = len(run.scenarios)
            aim = "  (aim < 60 s: " + ("met" if elapsed < 60 else "MISSED") + ")" if suite.sut == "gap" else ""
            print(f"{suite.id:10} {count:>9} {elapsed:>8.1f} {count / elapsed:>7.2f}  {run.verdict}{aim}")
    print("the GAP suite's duration is dominated by the AMC-that-never-answers scenario: 2 series of 3 attempts"
          " at the GAP's 5 s timeout with backoff")


if __name__ == "__main__":
    main()
