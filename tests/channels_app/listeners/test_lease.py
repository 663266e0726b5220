from __future__ import annotations

import time

import pytest

from channels_app.listeners import lease
from channels_app.listeners.models import ListenerLease

pytestmark = pytest.mark.django_db


def test_it_gives_a_free_lease_to_the_first_process_only():
    key = lease.lease_key("telegram_poll", "123:token")
    assert lease.acquire(key, "host:1:a", "tg", ttl=30)
    assert not lease.acquire(key, "host:2:b", "tg", ttl=30)
    assert lease.acquire(key, "host:1:a", "tg", ttl=30)  # the holder may take it again


def test_it_hands_the_lease_over_once_it_expires():
    key = lease.lease_key("discord", "bot-token")
    assert lease.acquire(key, "one", "dc", ttl=0.05)
    time.sleep(0.1)
    assert lease.acquire(key, "two", "dc", ttl=30)
    assert not lease.renew(key, "one", ttl=30)  # the old holder learns it lost the lease


def test_a_released_lease_is_free_at_once():
    key = lease.lease_key("email", "me@example.com")
    assert lease.acquire(key, "one", "mail", ttl=30)
    lease.release(key, "one")
    assert lease.acquire(key, "two", "mail", ttl=30)


def test_the_lease_key_names_no_secret():
    key = lease.lease_key("telegram_poll", "123456:SECRET-TOKEN")
    assert "SECRET" not in key and key.startswith("telegram_poll:")
    assert lease.acquire(key, "one", "tg", ttl=30)
    assert ListenerLease.objects.get(key=key).holder == "one"
