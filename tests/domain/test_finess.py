"""FINESS check digits (Luhn over the first 8 characters), checked on real establishments' numbers."""
import pytest

from simulators.domain import Finess, InvalidIdentifier


# AP-HP, Hospices civils de Lyon, CHU de Bordeaux, AP-HM (FINESS juridique)
@pytest.mark.parametrize("value", ["750712184", "690781810", "330781196", "130786049"])
def test_real_finess_numbers_are_valid(value):
    assert str(Finess.parse(value)) == value
    assert Finess.with_check_digit(value[:8]).value == value


@pytest.mark.parametrize("value", ["750712185", "750712174", "690781811"])
def test_altered_numbers_are_refused(value):
    with pytest.raises(InvalidIdentifier, match="check digit mismatch"):
        Finess.parse(value)


def test_corsica_counts_as_20():
    assert Finess.check_digit("2A000001") == Finess.check_digit("20000001") == Finess.check_digit("2B000001")
    assert Finess.parse(Finess.with_check_digit("2B000002").value).value.startswith("2B")


@pytest.mark.parametrize("value", ["75071218", "7507121844", "ABC712184"])
def test_malformed(value):
    with pytest.raises(InvalidIdentifier, match="9 characters"):
        Finess.parse(value)
