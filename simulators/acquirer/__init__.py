"""ISO 8583 acquirer simulator: sans-IO core, TCP server, client (see docs/acquirer.md)."""
from simulators.acquirer.behaviours import Behaviour, UnknownBehaviour, parse_behaviour
from simulators.acquirer.cards import CardRef, card_ref, sandbox_pan
from simulators.acquirer.client import (AcquirerClient, AcquirerClosed, AcquirerError, AcquirerResponse,
                                        AcquirerTimeout, TransactionRef)
from simulators.acquirer.core import AcquirerConfig, AcquirerCore, Reply
from simulators.acquirer.profile import OriginalData
from simulators.acquirer.rules import RuleSettings
from simulators.acquirer.server import AcquirerServer
from simulators.acquirer.state import AcquirerState, InMemoryAcquirerState, StanRecord, Transaction

__all__ = [
    "AcquirerClient", "AcquirerClosed", "AcquirerConfig", "AcquirerCore", "AcquirerError", "AcquirerResponse",
    "AcquirerServer", "AcquirerState", "AcquirerTimeout", "Behaviour", "CardRef", "InMemoryAcquirerState",
    "OriginalData", "Reply", "RuleSettings", "StanRecord", "Transaction", "TransactionRef", "UnknownBehaviour",
    "card_ref", "parse_behaviour", "sandbox_pan",
]
