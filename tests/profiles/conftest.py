from __future__ import annotations

import pytest
import yaml

from simulators.profiles import load_profile


@pytest.fixture(scope="session")
def profile():
    return load_profile("bench-roc-1")


@pytest.fixture(scope="session")
def samples(profile):
    """samples/index.yaml of the profile."""
    return yaml.safe_load((profile.root / "samples" / "index.yaml").read_text(encoding="utf-8"))
