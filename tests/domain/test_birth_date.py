"""Birth dates, including lunar ones (day/month 00, or a day the month does not have)."""
from datetime import date

import pytest

from simulators.domain import BirthDate, InvalidIdentifier


@pytest.mark.parametrize("text, approx", [
    ("1950-00-00", date(1950, 1, 1)),
    ("1950-07-00", date(1950, 7, 1)),
    ("19500012", date(1950, 1, 12)),
    ("1960-02-30", date(1960, 2, 29)),
    ("1961-04-31", date(1961, 4, 30)),
])
def test_lunar_dates_are_kept_as_given(text, approx):
    birth = BirthDate.parse(text)
    assert birth.is_lunar
    assert str(birth) == f"{text[:4]}-{text.replace('-', '')[4:6]}-{text.replace('-', '')[6:]}"
    assert birth.approximate() == approx


def test_real_date_is_not_lunar():
    birth = BirthDate.parse("1960-02-29")
    assert not birth.is_lunar and birth.approximate() == date(1960, 2, 29)


@pytest.mark.parametrize("text", ["1950-13-01", "1950-01-32", "1950-1-1", "19500101X"])
def test_refused(text):
    with pytest.raises(InvalidIdentifier):
        BirthDate.parse(text)
