"""How a failed call is read: transient or refusal, outcome word, fallback key, may the AMC have acted."""
from __future__ import annotations

from simulators.gap.client import RocAnswerError, RocTransportError
from simulators.gap.outcomes import fallback_key, is_transient, may_have_been_processed, outcome_of


def test_transport_failures():
    timeout = RocTransportError("service.timeout", "slow")
    http = RocTransportError("service.unavailable", "503", 503)
    garbage = RocTransportError("request.malformed_xml", "not xml", 200)
    assert [outcome_of(e) for e in (timeout, http, garbage)] == ["timeout", "http_503", "malformed_answer"]
    assert all(is_transient(e) for e in (timeout, http, garbage))
    assert [fallback_key(e) for e in (timeout, http, garbage)] == ["service.timeout", "service.unavailable",
                                                                    "service.unavailable"]
    assert may_have_been_processed(timeout) and may_have_been_processed(garbage)
    assert not may_have_been_processed(http)


def test_invalid_answer_is_transient_and_may_have_been_processed():
    error = RocAnswerError("request.schema_invalid", "bad answer")
    assert outcome_of(error) == "invalid_answer" and is_transient(error) and may_have_been_processed(error)
