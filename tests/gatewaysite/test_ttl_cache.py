"""The one TTL cache: values live for the configured seconds, 0 turns it off, a clear that races a load wins, and
the number of entries is bounded."""

from __future__ import annotations

import time

from gatewaysite.ttl_cache import MISS, TTLCache


def test_a_value_is_remembered_until_its_lifetime_ends() -> None:
    life = [0.05]
    cache: TTLCache[int] = TTLCache(lambda: life[0])
    loads: list[int] = []
    assert cache.get("k", lambda: loads.append(1) or 1) == 1
    assert cache.get("k", lambda: loads.append(2) or 2) == 1
    assert cache.peek("k") == 1
    time.sleep(0.06)
    assert cache.peek("k") is MISS
    assert cache.get("k", lambda: loads.append(3) or 3) == 3
    assert loads == [1, 3]


def test_a_lifetime_of_zero_turns_caching_off() -> None:
    cache: TTLCache[int] = TTLCache(lambda: 0)
    assert cache.get("k", lambda: 1) == 1
    assert cache.peek("k") is MISS


def test_a_clear_while_a_value_loads_keeps_that_value_out() -> None:
    cache: TTLCache[str] = TTLCache(lambda: 60)

    def load() -> str:
        cache.clear()  # a save elsewhere while this (now stale) row was read
        return "stale"

    assert cache.get("k", load) == "stale"
    assert cache.peek("k") is MISS


def test_unknown_keys_cannot_grow_it_without_bound() -> None:
    cache: TTLCache[int] = TTLCache(lambda: 60, max_entries=3)
    for number in range(10):
        cache.get(number, lambda number=number: number)
    assert sum(cache.peek(n) is not MISS for n in range(10)) <= 3


def test_turning_the_lifetime_to_zero_also_ends_what_was_cached_before() -> None:
    lifetime = [60.0]
    cache: TTLCache[int] = TTLCache(lambda: lifetime[0])
    cache.put("k", 1)
    assert cache.peek("k") == 1
    lifetime[0] = 0
    assert cache.peek("k") is MISS
