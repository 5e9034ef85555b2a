"""Positional files are masked field by field: digits that only look like a card number across a field boundary
stay as sent (they vary with the calendar), a card number typed into one field is masked."""
from __future__ import annotations

from datetime import date, timedelta

from simulators.billing_files import write
from simulators.billing_files.masking import mask_positional
from simulators.billing_files.profiles import get_profile
from simulators.masking import find_pans, luhn_valid

from .samples import sample_dre_es_lot

STAY_RECORD = "D3"


def _lot_text() -> str:
    return write(sample_dre_es_lot()).decode("latin-1")


def _replace(line: str, start: int, text: str) -> str:
    return line[:start - 1] + text + line[start - 1 + len(text):]


def _stay_line(text: str) -> tuple[int, str]:
    profile = get_profile("bench-dre-es-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    index = next(i for i, line in enumerate(lines) if profile.type_field.slice(line).rstrip() == STAY_RECORD)
    return index, lines[index]


def _luhn_dates() -> tuple[str, str]:
    """An admission and a discharge date whose 16 digits side by side pass Luhn (as some real days do)."""
    admitted = date(2027, 6, 11)
    for days in range(40):
        discharged = admitted + timedelta(days=days)
        run = f"{admitted:%Y%m%d}{discharged:%Y%m%d}"
        if luhn_valid(run) and find_pans(run):
            return f"{admitted:%Y%m%d}", f"{discharged:%Y%m%d}"
    raise AssertionError("no Luhn-valid pair of dates within 40 days")


def test_adjacent_date_fields_are_not_taken_for_a_card_number():
    text = _lot_text()
    separator = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(separator)
    index, line = _stay_line(text)
    admitted, discharged = _luhn_dates()
    lines[index] = _replace(_replace(line, 44, admitted), 52, discharged)
    forged = separator.join(lines)
    assert find_pans(forged)  # masking the whole text would hide them
    masked, leaked = mask_positional(forged)
    assert (masked, leaked) == (forged, 0)


def test_a_card_number_typed_into_one_field_is_masked():
    text = _lot_text()
    separator = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(separator)
    profile = get_profile("bench-dre-es-1")
    layout = next(layout for layout in profile.records if any(f.name == "last_name" for f in layout.fields))
    position = next(i for i, ln in enumerate(lines) if profile.type_field.slice(ln).rstrip() == layout.code)
    lines[position] = _replace(lines[position], layout.field("last_name").start, "4111111111111111")
    masked, leaked = mask_positional(separator.join(lines))
    assert leaked == 1
    assert "4111111111111111" not in masked and "411111******1111" in masked
    assert len(masked) == len(separator.join(lines))


def test_text_that_is_no_positional_file_is_masked_as_any_text():
    assert mask_positional("card 4111111111111111 here") == ("card 411111******1111 here", 1)
