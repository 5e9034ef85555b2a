"""GapPolicy: conformant defaults, backoff delays, values out of range named."""
from __future__ import annotations

import pytest

from simulators.gap.policy import GapPolicy, PolicyError


def test_defaults_are_the_conformant_ones():
    policy = GapPolicy()
    assert 5 <= policy.timeout_s <= 60 and policy.max_attempts == 3
    assert [policy.delay_before(n) for n in (1, 2, 3, 4)] == [0.0, 0.5, 1.0, 1.0]
    assert policy.to_dict()["backoff_s"] == [0.5, 1.0]


@pytest.mark.parametrize("changes, field", [
    ({"timeout_s": 0}, "timeout_s"), ({"max_attempts": 0}, "max_attempts"), ({"backoff_s": ()}, "backoff_s"),
    ({"backoff_s": (-1,)}, "backoff_s"), ({"soap_version": "2.0"}, "soap_version"),
])
def test_bad_values_name_the_field(changes, field):
    with pytest.raises(PolicyError, match=field):
        GapPolicy(**changes)


def test_no_timeout_is_allowed_for_the_broken_variant():
    assert GapPolicy(timeout_s=None).timeout_s is None
