"""Load profiles: the bundled ones are valid, errors say file:key, overrides scale the shape."""
from __future__ import annotations

import pytest
import yaml

from load.loadprofile import (PROFILES_DIR, ProfileError, Stage, available_profiles, profile_from_dict,
                              read_profile, stage_at)


def _document(name: str = "spike") -> dict:
    return yaml.safe_load((PROFILES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, classes", [
    ("steady", {"HospitalGapUser": 1}),
    ("morning-peak", {"HospitalGapUser": 1, "CdriUser": 1}),  # admissions ask CDRi once per stay, like IDB
    ("spike", {"HospitalGapUser": 1}),
    ("soak", {"HospitalGapUser": 1}),
])
def test_bundled_profiles_are_valid_and_survive_the_trip_to_locust(name, classes):
    assert name in available_profiles()
    plan = read_profile(name)
    assert plan.name == name and plan.user_classes() == classes
    again = profile_from_dict(plan.to_dict(), plan.source)
    assert again == plan and again.stages() == plan.stages()
    assert plan.stages()[-1].until == plan.duration


def test_morning_peak_stages_are_shares_of_duration_and_users():
    plan = read_profile("morning-peak")
    assert plan.stages() == (Stage(18.0, 24, 16.0), Stage(40.5, 80, 16.0), Stage(72.0, 80, 16.0),
                             Stage(90.0, 40, 16.0))


def test_a_run_without_a_user_class_keeps_the_users_of_the_others():
    """Against an AMC (no CDRi service), morning-peak is the 40 ROC desks it was before CDRi users existed."""
    plan = read_profile("morning-peak")
    assert plan.uses("cdri") and plan.uses("roc") and not plan.uses("terminal")
    without = plan.without("cdri")
    assert without.mix == {"roc": 1} and without.user_classes() == {"HospitalGapUser": 1}
    assert without.stages() == (Stage(18.0, 12, 8.0), Stage(40.5, 40, 8.0), Stage(72.0, 40, 8.0),
                                Stage(90.0, 20, 8.0))
    assert profile_from_dict(without.to_dict(), plan.source) == without
    assert plan.without("terminal") == plan


def test_users_and_duration_overrides_scale_the_whole_shape():
    plan = read_profile("spike").with_overrides(users=100, duration=10)
    assert plan.stages() == (Stage(3.5, 20, 10.0), Stage(6.0, 100, 100.0), Stage(10.0, 20, 100.0))


def test_stage_at_walks_the_stages_then_stops():
    stages = (Stage(2.0, 5, 1.0), Stage(4.0, 10, 2.0))
    assert [stage_at(stages, t) for t in (0, 1.99, 2.0, 3.9)] == [stages[0], stages[0], stages[1], stages[1]]
    assert stage_at(stages, 4.0) is None


def test_errors_name_the_file_and_the_key():
    document = _document()
    del document["users"]
    document["thresholds"]["max_p95"] = 3
    document["thresholds"]["operations"] = {"IDB": {"min_schema_valid": 1}}
    document["flow"]["sim"] = 2
    with pytest.raises(ProfileError) as caught:
        profile_from_dict(document, "spike.yaml")
    assert str(caught.value).splitlines() == [
        "spike.yaml:users: missing",
        "spike.yaml:flow.sim: 2 is greater than the maximum of 1",
        "spike.yaml:thresholds: unknown key(s) max_p95",
        "spike.yaml:thresholds.operations.IDB: unknown key(s) min_schema_valid",
    ]


def test_meaning_errors_after_the_schema():
    document = _document()
    document["mix"]["cdri"] = 1  # accepted since the CDRi users exist
    document["mix"]["amo"] = 1
    document["shape"]["stages"][1]["until"] = 0.2
    document["think_time"] = [2, 1]
    with pytest.raises(ProfileError) as caught:
        profile_from_dict(document, "spike.yaml")
    assert str(caught.value).splitlines() == [
        "spike.yaml:mix.amo: no such user class; available: roc, cdri, diapason, terminal",
        "spike.yaml:shape.stages.1.until: stages must end in order: 0.2 comes after 0.35",
        "spike.yaml:think_time: expected [min, max], received min 2 above max 1",
    ]


def test_stages_only_with_kind_stages_and_the_last_ends_the_run():
    document = _document("steady")
    document["shape"]["stages"] = [{"until": 1, "users": 1}]
    with pytest.raises(ProfileError, match="steady.yaml:shape: 'stages' only goes with kind: stages"):
        profile_from_dict(document, "steady.yaml")
    document = _document()
    document["shape"]["stages"][-1]["until"] = 0.9
    with pytest.raises(ProfileError, match=r"shape.stages.2.until: the last stage must end the run"):
        profile_from_dict(document, "spike.yaml")


def test_unknown_profile_and_bad_yaml(tmp_path):
    with pytest.raises(ProfileError, match="nope:\\(top level\\): no such load profile; bundled profiles: "):
        read_profile("nope")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"broken.yaml:line 2: not valid YAML"):
        read_profile(broken)
