"""How the reference GAP behaves when the network or the AMC misbehaves: timeouts, retries, caching, checks.

The defaults are the conformant ones (requirements ROC-FLT-040..042, ROC-ANN-003/004, ROC-DAT-001/007); tests
shrink the delays, broken variants bend one value on purpose.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SOAP_VERSIONS = ("1.1", "1.2")


class PolicyError(ValueError):
    """A policy value out of range; the message names the field, the value and what is allowed."""


@dataclass(frozen=True, slots=True)
class GapPolicy:
    """Timeouts and retries of the reference GAP.

    - `timeout_s`: client timeout of one ROC call (None waits forever: only the `no-timeout` variant does).
    - `max_attempts`: attempts of one request, the first included; retries resend the same request (same
      exchange id, same content), so the AMC can answer a repeat with its first answer.
    - `backoff_s`: wait before the 2nd, 3rd... attempt; the last value repeats.
    - `cache_routes`: keep annuaire answers until their valid_until (ROC-ANN-003/004).
    - `simulate_before_clc`: send a SIM just before the CLC at discharge.
    - `reidentify_at_discharge`: a stay that fell back to patient billing because the AMC was unreachable at
      admission gets a new IDB at discharge, before the CLC (ROC-FLT-045, ROC-FBK-005).
    - `check_nir_key`, `check_attestation_dates`: refuse locally, without calling the AMC, a NIR whose key is
      wrong (ROC-FLT-004) or an admission outside the attestation's validity (ROC-DAT-007).
    """

    timeout_s: float | None = 5.0
    max_attempts: int = 3
    backoff_s: tuple[float, ...] = (0.5, 1.0)
    cache_routes: bool = True
    simulate_before_clc: bool = True
    reidentify_at_discharge: bool = True
    check_nir_key: bool = True
    check_attestation_dates: bool = True
    soap_version: str = "1.1"

    def __post_init__(self) -> None:
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise PolicyError(f"timeout_s must be a positive number of seconds or None, received {self.timeout_s!r}")
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise PolicyError(f"max_attempts must be an integer ≥ 1, received {self.max_attempts!r}")
        if not self.backoff_s or any(not isinstance(d, (int, float)) or d < 0 for d in self.backoff_s):
            raise PolicyError(f"backoff_s must be a non-empty tuple of delays ≥ 0 s, received {self.backoff_s!r}")
        if self.soap_version not in SOAP_VERSIONS:
            raise PolicyError(f"soap_version must be one of {', '.join(SOAP_VERSIONS)}, "
                              f"received {self.soap_version!r}")
        object.__setattr__(self, "backoff_s", tuple(self.backoff_s))

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (1-based; no wait before the first)."""
        if attempt <= 1:
            return 0.0
        return float(self.backoff_s[min(attempt - 2, len(self.backoff_s) - 1)])

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["backoff_s"] = list(self.backoff_s)
        return data
