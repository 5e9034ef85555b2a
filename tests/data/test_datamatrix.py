"""The bench's DataMatrix content string: round trip and precise refusals."""
from dataclasses import replace
from datetime import date

import pytest

from simulators.data.datamatrix import decode_attestation, encode_attestation
from simulators.domain import Attestation

ATTESTATION = Attestation("123456782", "SP", "01", "0012345678", date(2026, 1, 1), date(2027, 12, 31))


def test_round_trip():
    text = encode_attestation(ATTESTATION)
    assert text == "SBDM1|AMC=123456782|TC=SP|CSR=01|ADH=0012345678|DEB=20260101|FIN=20271231|R=1"
    assert decode_attestation(text) == ATTESTATION
    not_responsable = replace(ATTESTATION, responsable=False)
    assert encode_attestation(not_responsable).endswith("|R=0")
    assert decode_attestation(encode_attestation(not_responsable)) == not_responsable


@pytest.mark.parametrize("text, fragment", [
    ("XXDM1|AMC=1", "expected prefix SBDM1"),
    ("SBDM1|AMC=123456782|TC=SP", "missing field(s) CSR, ADH, DEB, FIN, R"),
    ("SBDM1|AMC=1|AMC=2", "unexpected or repeated field"),
    ("SBDM1|FOO=1", "unexpected or repeated field"),
    ("SBDM1|AMC=1|TC=SP|CSR=01|ADH=9|DEB=20261301|FIN=20271231|R=1", "DEB: expected a date YYYYMMDD"),
    ("SBDM1|AMC=1|TC=SP|CSR=01|ADH=9|DEB=20260101|FIN=20271231|R=2", "R: expected 0 or 1"),
])
def test_refusals(text, fragment):
    with pytest.raises(ValueError) as raised:
        decode_attestation(text)
    assert fragment in str(raised.value)
