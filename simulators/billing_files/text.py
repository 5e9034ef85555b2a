"""Text for alpha fields: what the builders do to domain text before it goes into a file.

Decision: the writer refuses anything but printable upper-case ASCII; the builders transliterate Latin text
(accents dropped, ligatures and typographic punctuation spelled out) and refuse what has no ASCII spelling.
"""
from __future__ import annotations

import unicodedata

from simulators.billing_files.layout import PRINTABLE

_SPELLED = {
    "Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS", "Ø": "O", "ø": "O", "Ł": "L", "ł": "L", "Đ": "D", "đ": "D",
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "«": '"', "»": '"',
    "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2014": "-",
}


def file_text(text: str, length: int | None = None, *, truncate: bool = True, replacement: str | None = None) -> str:
    """Upper-case printable ASCII spelling of `text`, whitespace collapsed, fitted to `length`.

    "Hélène d’Œuvre" → "HELENE D'OEUVRE". A character with no ASCII spelling raises ValueError unless a
    `replacement` is given; text longer than `length` is cut (names) or refused (`truncate=False`, identifiers).
    """
    spelled = "".join(_SPELLED.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFKD", spelled)
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    collapsed = " ".join(kept.split())
    out = []
    for char in collapsed:
        if char in PRINTABLE:
            out.append(char)
        elif replacement is not None:
            out.append(replacement)
        else:
            raise ValueError(f"{text!r}: {char!r} has no ASCII spelling")
    result = "".join(out).upper()
    if length is not None and len(result) > length:
        if not truncate:
            raise ValueError(f"{text!r} is longer than {length} characters")
        result = result[:length].rstrip()
    return result
