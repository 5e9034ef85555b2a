from __future__ import annotations

from simulators.domain import Nir
from simulators.masking import find_pans, is_nir, mask_pan, mask_text

PAN = "4970101234567891"


def _luhn_complete(stem: str) -> str:
    for digit in "0123456789":
        candidate = stem + digit
        total = sum(int(c) if i % 2 == 0 else (int(c) * 2 - 9 if int(c) * 2 > 9 else int(c) * 2)
                    for i, c in enumerate(reversed(candidate)))
        if total % 10 == 0:
            return candidate
    raise AssertionError


def test_pan_is_masked_six_four():
    pan = _luhn_complete("497010123456789")
    assert mask_pan(pan) == pan[:6] + "******" + pan[-4:]
    assert mask_text(f"card={pan};") == f"card={pan[:6]}******{pan[-4:]};"
    assert find_pans(f"x {pan} y") == [pan]


def test_non_luhn_runs_are_left_alone():
    assert mask_text("order 1234567890123") == "order 1234567890123"


def test_nirs_are_not_mistaken_for_card_numbers():
    from simulators.masking import luhn_valid

    nirs = [str(Nir.with_key(f"1850575{order:06d}")) for order in range(300)]
    luhn_nirs = [nir for nir in nirs if luhn_valid(nir)]
    assert len(luhn_nirs) > 10, "about one NIR in ten is Luhn-valid by chance"
    for nir in luhn_nirs:
        assert is_nir(nir)
        assert mask_text(f"NIR {nir}") == f"NIR {nir}"
        assert find_pans(nir) == []


def test_nir_bodies_without_key_are_not_card_numbers():
    from simulators.masking import luhn_valid

    bodies = [f"1850575{order:06d}" for order in range(300)]
    luhn_bodies = [body for body in bodies if luhn_valid(body)]
    assert luhn_bodies
    for body in luhn_bodies:
        assert find_pans(f"<NIR>{body}</NIR><Cle>{Nir.compute_key(body):02d}</Cle>") == []
    visa13 = next(f"497010123456{d}" for d in "0123456789" if luhn_valid(f"497010123456{d}"))
    assert find_pans(visa13) == [visa13]
