"""NIR keys: published examples, Corsica (2A→19, 2B→18), key 97, refusals."""
import pytest

from simulators.domain import InvalidIdentifier, Nir


@pytest.mark.parametrize("text", ["2 69 05 49 588 157 80", "2 55 08 14 168 025 38"])
def test_published_examples_parse(text):
    assert str(Nir.parse(text)) == text.replace(" ", "")


@pytest.mark.parametrize("body, key", [
    ("182082A123456", 34),  # 97 - 1820819123456 mod 97 (2A counts as 19)
    ("182082B123456", 61),  # 97 - 1820818123456 mod 97 (2B counts as 18)
    ("1850578006078", 97),  # body divisible by 97: the key is 97, never 00
])
def test_keys(body, key):
    assert Nir.compute_key(body) == key
    assert Nir.parse(f"{body}{key:02d}").key == key


def test_corsica_lowercase_and_flag():
    nir = Nir.parse("182082a12345634")
    assert nir.body == "182082A123456" and nir.is_corsican
    assert not Nir.parse("269054958815780").is_corsican


def test_2a_and_2b_keys_differ_from_plain_digits():
    assert Nir.compute_key("182082A123456") != Nir.compute_key("182082B123456")


@pytest.mark.parametrize("text, fragment", [
    ("269054958815781", "expected 80, received 81"),
    ("182082A12345661", "expected 34, received 61"),
    ("26905495881578", "13 characters plus a 2-digit key"),
    ("269054958815A80", "13 characters"),
    ("469054958815780", "13 characters"),  # sex digit 4 is not a NIR
])
def test_refusals_say_why(text, fragment):
    with pytest.raises(InvalidIdentifier, match=fragment):
        Nir.parse(text)
