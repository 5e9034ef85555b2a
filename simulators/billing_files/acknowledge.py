"""Turn a received lot into its ARL: validate, then acknowledge positively or list every problem."""
from __future__ import annotations

import hashlib
from datetime import date
from typing import Sequence

from simulators.billing_files.acks import Ack
from simulators.billing_files.files import parse
from simulators.billing_files.problems import Problem
from simulators.billing_files.profiles import Profile, get_profile
from simulators.billing_files.text import file_text

ARL_PROFILE = "bench-arl-1"


def ack_for(data: bytes, *, sender: str, received: date, profile: str | Profile | None = None,
            extra_problems: Sequence[Problem] = (), ack_profile: str = ARL_PROFILE) -> Ack:
    """The ARL for the lot `data` as `sender` (the receiving organisme) acknowledges it on `received`.

    `profile` is the lot profile the receiving endpoint expects (default: the one the header names);
    `extra_problems` are the receiver's own findings, such as ProblemCode.DUPLICATE_LOT.
    """
    parsed = parse(data, profile)
    problems = tuple(_fit(problem, get_profile(ack_profile)) for problem in (*parsed.problems, *extra_problems))
    header = parsed.header
    lot_profile = parsed.profile.upper() if parsed.profile else None
    return Ack(profile=ack_profile, sender=sender, received=received, accepted=not problems,
               recipient=_ascii(header.get("finess_juridique"), 9), lot_profile=lot_profile,
               lot_number=header.get("lot_number"), lot_digest=hashlib.sha256(data).hexdigest().upper(),
               problems=problems)


def _fit(problem: Problem, profile: Profile) -> Problem:
    """The problem as an ARL detail record can hold it: ASCII upper-case reason, bounded numbers."""
    detail = profile.record("ack_detail")
    bounded = {name: value if value is None or value < 10 ** detail.field(name).length else None
               for name, value in (("record_number", problem.record_number), ("position", problem.position))}
    return Problem(code=problem.code, reason=_ascii(problem.reason, detail.field("reason").length) or "-",
                   record_type=_ascii(problem.record_type, detail.field("record_type").length),
                   field=problem.field[:detail.field("field").length] if problem.field else None, **bounded)


def _ascii(text: str | None, length: int) -> str | None:
    return file_text(text, length, replacement="?") or None if text else None
