"""IDB rules: who the AMC knows, and which rights a contract gives for a stay context.

Pure functions over the domain types; refusals are error keys from docs/error-keys.md. Decisions
(written out in docs/pricing.md, "Rights"):

- Validity is inclusive: `valid_to` is the last covered day, rights are closed from the day after.
- Rights are judged on the admission date. Rights that open after admission — even mid-stay — are refused as
  a whole (`rights.not_yet_open`, with `valid_from` so the GAP knows when); they are never partial.
- Rights that close mid-stay stay open (the answer's `valid_to` says until when); the pricing engine refuses
  the lines that start after `valid_to` with `rights.closed`.
- Precedence: closed, not yet open, suspended, domaine not covered, open.
- A rule matches a context when each of its domaine / mode de traitement / DMT is None or equal; per family
  the most specific matching rule applies (most fields set), ties going to the first in the contract.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from simulators.domain.contracts import AmcContract, CoverageRule, PrestationFamily
from simulators.domain.identifiers import InvalidIdentifier, Nir
from simulators.domain.people import Beneficiary
from simulators.domain.quotes import Coverage, RightsStatus
from simulators.domain.stays import Stay

_REFUSALS: dict[RightsStatus, str] = {
    RightsStatus.CLOSED: "rights.closed",
    RightsStatus.NOT_YET_OPEN: "rights.not_yet_open",
    RightsStatus.SUSPENDED: "rights.suspended",
    RightsStatus.DOMAINE_NOT_COVERED: "coverage.domaine_not_covered",
}


def refusal_key(status: RightsStatus) -> str | None:
    """The error key an AMC answers for a rights status (None when open)."""
    return _REFUSALS.get(status)


def matches_context(rule: CoverageRule, stay: Stay) -> bool:
    """True when the rule's domaine, mode de traitement and DMT are unset or equal to the stay's."""
    wanted = ((rule.domaine, str(stay.domaine.value)), (rule.mode_traitement, stay.mode_traitement),
              (rule.dmt, stay.dmt))
    return all(expected is None or str(expected) == actual for expected, actual in wanted)


def _specificity(rule: CoverageRule) -> int:
    return sum(value is not None for value in (rule.domaine, rule.mode_traitement, rule.dmt))


def rule_for(rules: Iterable[CoverageRule], family: PrestationFamily, stay: Stay) -> CoverageRule | None:
    """The rule that prices `family` in the stay's context: the most specific match, first one on a tie."""
    best: CoverageRule | None = None
    for rule in rules:
        if rule.family == family and matches_context(rule, stay):
            if best is None or _specificity(rule) > _specificity(best):
                best = rule
    return best


def effective_rules(rules: Sequence[CoverageRule], stay: Stay) -> tuple[CoverageRule, ...]:
    """One rule per covered family for this context (what IDB returns), families in contract order."""
    families = dict.fromkeys(rule.family for rule in rules if matches_context(rule, stay))
    return tuple(rule for family in families if (rule := rule_for(rules, family, stay)) is not None)


def rights_status(contract: AmcContract, stay: Stay) -> RightsStatus:
    """Status of the contract for the stay, judged on the admission date (see module docstring)."""
    admission = stay.admission_date
    if contract.valid_to < admission:
        return RightsStatus.CLOSED
    if contract.valid_from > admission:
        return RightsStatus.NOT_YET_OPEN
    if contract.suspended:
        return RightsStatus.SUSPENDED
    if not effective_rules(contract.rules, stay):
        return RightsStatus.DOMAINE_NOT_COVERED
    return RightsStatus.OPEN


def coverage_for(contract: AmcContract, stay: Stay) -> Coverage:
    """What IDB answers for this contract and stay: status, the contract's dates, rules or refusal key."""
    status = rights_status(contract, stay)
    rules = effective_rules(contract.rules, stay) if status is RightsStatus.OPEN else ()
    return Coverage(
        status=status,
        valid_from=contract.valid_from,
        valid_to=contract.valid_to,
        rules=rules,
        responsable=contract.attestation.responsable,
        refusal=refusal_key(status),
    )


def nir_key_is_valid(nir: Nir) -> bool:
    """True when the NIR's key matches its body (a Nir built directly may carry a wrong key)."""
    try:
        return Nir.compute_key(nir.body) == nir.key
    except InvalidIdentifier:
        return False


def check_identity(contract: AmcContract, beneficiary: Beneficiary) -> str | None:
    """Does the beneficiary the GAP sent match the AMC's record of this contract? None, or an error key.

    Order: NIR key (`beneficiary.nir_key_invalid`), NIR (`beneficiary.unknown`), then birth date (when the AMC
    recorded one) and rang de naissance (`beneficiary.identity_mismatch`). Names are not compared: spelling,
    accents and birth names vary between the hospital and the AMC.
    """
    if not nir_key_is_valid(beneficiary.nir):
        return "beneficiary.nir_key_invalid"
    if str(beneficiary.nir) != contract.nir:
        return "beneficiary.unknown"
    if contract.birth_date is not None and beneficiary.birth_date != contract.birth_date:
        return "beneficiary.identity_mismatch"
    if beneficiary.rang_naissance != contract.rang_naissance:
        return "beneficiary.identity_mismatch"
    return None


def identify(contracts: Iterable[AmcContract], beneficiary: Beneficiary, numero_amc: str) -> AmcContract | str:
    """Find the contract of `beneficiary` at AMC `numero_amc`, or the error key explaining why not.

    The NIR and the AMC select the candidates (a parent and their children, twins, share a NIR); birth date and
    rang de naissance pick one. No candidate → `beneficiary.unknown`; candidates but none matching →
    `beneficiary.identity_mismatch`; a wrong NIR key → `beneficiary.nir_key_invalid`.
    """
    if not nir_key_is_valid(beneficiary.nir):
        return "beneficiary.nir_key_invalid"
    nir = str(beneficiary.nir)
    candidates = [c for c in contracts if c.nir == nir and c.attestation.numero_amc == numero_amc]
    if not candidates:
        return "beneficiary.unknown"
    for contract in candidates:
        if check_identity(contract, beneficiary) is None:
            return contract
    return "beneficiary.identity_mismatch"
