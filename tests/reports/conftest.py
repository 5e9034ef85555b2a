"""The sample run every report test writes (built in report_samples.py)."""
from __future__ import annotations

import pytest

from report_samples import build_run


@pytest.fixture
def sample_run():
    return build_run()
