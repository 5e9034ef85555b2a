"""Transliteration of domain text to file text."""
from __future__ import annotations

import pytest

from simulators.billing_files import file_text


@pytest.mark.parametrize("text, expected", [
    ("Hélène", "HELENE"), ("Lefèvre-Œuvray", "LEFEVRE-OEUVRAY"), ("d’Artagnan", "D'ARTAGNAN"),
    ("Strauß", "STRAUSS"), ("  Jean   Pierre ", "JEAN PIERRE"), ("Çağlar Ødegård", "CAGLAR ODEGARD"),
])
def test_latin_text_is_spelled_in_upper_case_ascii(text, expected):
    assert file_text(text) == expected


def test_text_without_ascii_spelling_is_refused_or_replaced():
    with pytest.raises(ValueError, match="no ASCII spelling"):
        file_text("王")
    assert file_text("王 Wang", replacement="?") == "? WANG"


def test_length():
    assert file_text("Montmorency", 5) == "MONTM"
    assert file_text("AB CD", 3) == "AB"
    with pytest.raises(ValueError, match="longer than 3"):
        file_text("ABCD", 3, truncate=False)
