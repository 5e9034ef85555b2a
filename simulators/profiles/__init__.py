"""Versioned message profiles: XSDs, WSDLs, the mapping of official names, the error catalogue.

`load_profile("bench-roc-1")` is the entry point; see docs/profile.md.
"""
from simulators.profiles.errors import CatalogueError, ErrorCatalogue, ProfileError
from simulators.profiles.faults import FaultDetail
from simulators.profiles.loader import DEFAULT_PROFILE, Operation, Profile, Service, load_profile
from simulators.profiles.schema import SchemaProblem

__all__ = [
    "CatalogueError", "DEFAULT_PROFILE", "ErrorCatalogue", "FaultDetail", "Operation", "Profile", "ProfileError",
    "SchemaProblem", "Service", "load_profile",
]
