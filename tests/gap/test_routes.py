"""The route cache honours valid_until (inclusive) and forgets a route on demand."""
from __future__ import annotations

from datetime import date

from simulators.gap.routes import CachedRoute, RouteCache


def test_route_valid_until_its_last_day_then_gone():
    cache = RouteCache()
    key = ("123", "CB", "10")
    cache.put(key, CachedRoute("123", "op", {"IDB": "http://x/idb"}, date(2026, 11, 26)))
    assert cache.get(key, date(2026, 11, 26)).endpoints["IDB"] == "http://x/idb"
    assert cache.get(key, date(2026, 11, 27)) is None
    cache.drop(key)
    assert cache.get(key, date(2026, 11, 25)) is None
