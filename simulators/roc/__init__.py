"""ROC messages (annuaire, IDB, SIM, CLC, cancellation, faults) and their codecs over a message profile.

    element = encode(IdbRequest(...), profile)    # profile element, ready for soap.envelope
    message = decode(element, profile)            # typed message, or DecodeError(key, message, path)
"""
from simulators.roc import faults as _faults  # noqa: F401  (registers the fault codec)
from simulators.roc import records as _records  # noqa: F401  (registers the message records)
from simulators.roc.codec import DecodeError, decode, encode
from simulators.roc.messages import (
    AnnuaireAnswer,
    AnnuaireRequest,
    CancelAnswer,
    CancelRequest,
    CancelStatus,
    ClcAnswer,
    ClcRequest,
    Header,
    IdbAnswer,
    IdbRequest,
    PricingRequest,
    RocAnswer,
    RocFault,
    RocMessage,
    RocRequest,
    SimAnswer,
    SimRequest,
)

__all__ = [
    "AnnuaireAnswer", "AnnuaireRequest", "CancelAnswer", "CancelRequest", "CancelStatus", "ClcAnswer", "ClcRequest",
    "DecodeError", "Header", "IdbAnswer", "IdbRequest", "PricingRequest", "RocAnswer", "RocFault", "RocMessage",
    "RocRequest", "SimAnswer", "SimRequest", "decode", "encode",
]
