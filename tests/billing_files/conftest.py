"""Fixtures: the sample lots of samples.py."""
from __future__ import annotations

import pytest

from .samples import sample_b2_lot, sample_dre_es_lot


@pytest.fixture
def b2_lot():
    return sample_b2_lot()


@pytest.fixture
def dre_es_lot():
    return sample_dre_es_lot()
