"""Card data masked field by field in positional files: a B2 or DRE-ES lot carries no card field, but adjacent
numeric fields (an admission date next to a discharge date, an amount next to a FINESS) can form a Luhn-valid
digit run by chance, on some days and not others. Masking each field apart hides a card number typed into any
one field and never touches digits that only look like one across a field boundary."""
from __future__ import annotations

import re

from simulators.billing_files.profiles import Profile, detect_profile
from simulators.masking import mask_counting

_LINES = re.compile(r"([^\r\n]*)(\r?\n|$)")


def _mask_record(text: str, profile: Profile) -> tuple[str, int]:
    layout = profile.by_code(profile.type_field.slice(text).rstrip(" "))
    if layout is None or len(text) != layout.length:
        return mask_counting(text)  # not a record this profile knows: the whole line, as any text
    pieces, leaked, column = [], 0, 1
    for spec in sorted(layout.fields, key=lambda spec: spec.start):
        if spec.start > column:  # filler between fields is judged on its own
            masked, found = mask_counting(text[column - 1:spec.start - 1])
            pieces.append(masked)
            leaked += found
        masked, found = mask_counting(spec.slice(text))
        pieces.append(masked)
        leaked += found
        column = spec.end + 1
    masked, found = mask_counting(text[column - 1:])
    return "".join(pieces) + masked, leaked + found


def mask_positional(text: str) -> tuple[str, int]:
    """`text` with every card number masked field by field when it is a known positional file, else as any text;
    and how many card numbers were masked."""
    profile = detect_profile(text.encode("latin-1", "replace"))
    if profile is None:
        return mask_counting(text)
    pieces, leaked = [], 0
    for match in _LINES.finditer(text):
        line, end = match.groups()
        if not line and not end:
            break
        masked, found = _mask_record(line, profile)
        pieces.append(masked + end)
        leaked += found
    return "".join(pieces), leaked
