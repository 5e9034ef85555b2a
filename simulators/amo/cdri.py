"""The CDRi rule: AMO rights of a beneficiary on a date of care, from the session's AMO directory."""
from __future__ import annotations

from simulators.amo.messages import CdriAnswer
from simulators.amo.rights import amo_directory
from simulators.soap_endpoint import Refusal, SoapCall

_DETAILS = {
    "beneficiary.unknown": "the AMO has no beneficiary with NIR {nir}",
    "beneficiary.nir_key_invalid": "NIR {nir}: the key does not match the 13 first characters",
    "beneficiary.identity_mismatch": "the AMO knows NIR {nir} but not with birth date {birth} and rang de "
                                     "naissance {rang}",
}


def consult(call: SoapCall) -> CdriAnswer:
    """Rights on `care_date`: closed or not-yet-open rights are an answer (with the periods), not a fault; an
    unknown or mistyped beneficiary is a fault."""
    message = call.message
    person = message.beneficiary
    found = amo_directory(call.runtime.dataset(call.session)).identify(person)
    if isinstance(found, str):
        raise Refusal(found, _DETAILS[found].format(nir=person.nir, birth=person.birth_date,
                                                   rang=person.rang_naissance))
    day = message.care_date
    return CdriAnswer(header=message.header, status=found.status_on(day), quality=found.quality,
                      rang_beneficiaire=found.rang_beneficiaire, organisme=found.organisme, periods=found.periods,
                      exonerations=found.exonerations_on(day), css=found.css_on(day),
                      insured=found.beneficiary.insured_nir)
