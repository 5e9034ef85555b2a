"""Annuaire resolution and routing changes."""
from datetime import date

import pytest

from simulators.domain.routing import (ACTIVE, NOT_IN_ROC, AmcHost, Route, RoutingChange, apply_change, find_host,
                                       resolve)

UNTIL = date(2026, 12, 31)


def route(amc, tc, crit, host, status=ACTIVE):
    return Route(amc, tc, crit, host, status, UNTIL)


ROUTES = (
    route("111111111", "SP", "*", "op-a"),
    route("111111111", "SP", "02", "op-b"),
    route("111111111", "*", "*", "op-c"),
    route("222222222", "KA", "01", "op-a"),
    route("333333333", "*", "*", None, NOT_IN_ROC),
)


@pytest.mark.parametrize("amc, tc, crit, expected", [
    ("111111111", "SP", "01", "op-a"),
    ("111111111", "SP", "02", "op-b"),  # exact critère beats the wildcard
    ("111111111", "IS", "09", "op-c"),
    ("222222222", "KA", "01", "op-a"),
])
def test_resolves_most_specific(amc, tc, crit, expected):
    assert resolve(ROUTES, amc, tc, crit).host_id == expected


@pytest.mark.parametrize("amc, tc, crit, key", [
    ("999999999", "SP", "01", "amc.unknown"),
    ("333333333", "SP", "01", "amc.not_in_roc"),
    ("222222222", "KA", "02", "routing.unknown"),
    ("222222222", "SP", "01", "routing.unknown"),
])
def test_errors(amc, tc, crit, key):
    assert resolve(ROUTES, amc, tc, crit) == key


def test_route_invariants():
    with pytest.raises(ValueError, match="needs host_id"):
        route("1", "SP", "01", None)
    with pytest.raises(ValueError, match="has no host_id"):
        route("1", "SP", "01", "op-a", NOT_IN_ROC)
    with pytest.raises(ValueError, match="status must be one of"):
        route("1", "SP", "01", "op-a", "gone")


def test_routing_change_moves_routes_and_host_listing():
    hosts = (AmcHost("op-a", "Alpha", ("111111111", "222222222")), AmcHost("op-b", "Beta", ("444444444",)))
    routes = (route("222222222", "KA", "01", "op-a"), route("111111111", "SP", "01", "op-a"))
    new_routes, new_hosts = apply_change(routes, hosts, RoutingChange("222222222", "op-a", "op-b"))
    assert resolve(new_routes, "222222222", "KA", "01").host_id == "op-b"
    assert resolve(new_routes, "111111111", "SP", "01").host_id == "op-a"
    assert not find_host(new_hosts, "op-a").serves("222222222")
    assert find_host(new_hosts, "op-b").numeros_amc == ("444444444", "222222222")
    assert find_host(new_hosts, "op-b").path("IDB") == "/amc/op-b/IDB"
    with pytest.raises(ValueError, match="unknown host"):
        apply_change(routes, hosts, RoutingChange("222222222", "op-a", "op-z"))
