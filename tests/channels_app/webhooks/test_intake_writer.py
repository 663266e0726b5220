"""The group-commit intake writer: each delivery gets its own result, and none is acknowledged unless stored."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection, connections

from channels_app.adapters import InboundMessage, get_adapter
from channels_app.models import ChannelInstance, InboundEvent
from channels_app.webhooks.writer import GroupCommitWriter, _Job
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers
from tests.query_budget import listing, queries_on_all_threads

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def slack_delivery(n: int) -> dict:
    payload = fixture("slack", "message__im")
    payload["event_id"] = f"EvWRITER{n:04d}"
    payload["event"]["ts"] = f"1767300000.{n:06d}"
    payload["event"]["text"] = f"message {n}"
    return payload


def messages(instance: ChannelInstance, n: int) -> list[InboundMessage]:
    adapter = get_adapter(instance)
    assert adapter is not None
    return adapter.parse(slack_delivery(n), {})


@pytest.fixture
def slack(make_instance, fake_slack) -> ChannelInstance:
    return make_instance("slack", fake_slack.url)


@pytest.fixture
def writer() -> Iterator[GroupCommitWriter]:
    instance = GroupCommitWriter()
    yield instance
    instance.stop()


async def test_each_delivery_in_a_batch_gets_its_own_result(slack, writer, idle) -> None:
    distinct = [writer.store(slack, messages(slack, n)) for n in range(5)]
    same = [writer.store(slack, messages(slack, 99)) for _ in range(3)]
    results = await asyncio.gather(*distinct, *same)
    assert [len(r.accepted) for r in results[:5]] == [1, 1, 1, 1, 1]
    assert sorted(len(r.accepted) for r in results[5:]) == [0, 0, 1]
    assert sum(r.duplicates for r in results[5:]) == 2
    await sync_to_async(idle)()
    assert await InboundEvent.objects.acount() == 6


async def test_a_delivery_that_cannot_be_stored_is_never_acknowledged(
    slack, make_instance, fake_slack, writer, idle
) -> None:
    ghost = await sync_to_async(make_instance)("slack", fake_slack.url, name="ghost")
    await ChannelInstance.objects.filter(pk=ghost.pk).adelete()  # deleted after the (cached) lookup
    loop = asyncio.get_running_loop()
    good = _Job(slack, messages(slack, 1), (), loop, loop.create_future())
    bad = _Job(ghost, messages(ghost, 2), (), loop, loop.create_future())
    # One batch: the ghost's foreign key fails the commit; the good delivery is retried on its own.
    await sync_to_async(writer.commit, thread_sensitive=False)([good, bad])
    assert len((await good.future).accepted) == 1
    with pytest.raises(DatabaseError):
        await bad.future
    await sync_to_async(idle)()
    stored = [e async for e in InboundEvent.objects.values_list("instance_id", flat=True)]
    assert stored == [slack.pk]


async def test_a_batch_is_stored_in_a_few_statements_and_each_duplicate_found(slack, writer, settings) -> None:
    """Twenty deliveries in one batch: one stored before, one sent twice in the batch. Each gets its own result and
    the whole batch costs two inserts (16 + 4 rows), not a statement and two savepoints per delivery."""
    settings.GATEWAY_DISPATCH = "off"  # store only: the pipeline's queries would count here
    loop = asyncio.get_running_loop()

    def job(n: int) -> _Job:
        return _Job(slack, messages(slack, n), (), loop, loop.create_future())

    await sync_to_async(writer.commit, thread_sensitive=False)([job(0)])
    batch = [job(n) for n in range(19)] + [job(7)]  # 0 is already stored, 7 comes twice
    with queries_on_all_threads() as statements:
        await sync_to_async(writer.commit, thread_sensitive=False)(batch)
    results = [await j.future for j in batch]
    assert [len(r.accepted) for r in results] == [0] + [1] * 18 + [0]
    assert [r.duplicates for r in results] == [1] + [0] * 18 + [1]
    assert len({event_id for r in results for event_id in r.accepted}) == 18
    assert await InboundEvent.objects.acount() == 19
    inserts = [sql for sql in statements if sql.startswith("INSERT")]
    assert len(inserts) == 2, listing(statements)
    assert len(statements) <= (2 if connection.vendor == "sqlite" else 4), listing(statements)  # + one savepoint


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite stores any length in a varchar")
async def test_a_value_the_database_refuses_costs_only_its_own_message(slack, writer, settings) -> None:
    """PostgreSQL refuses a context longer than its column: that message is dropped and logged, the batch's
    other deliveries are stored and acknowledged."""
    settings.GATEWAY_DISPATCH = "off"
    loop = asyncio.get_running_loop()
    poison = [dataclasses.replace(m, context="x" * 40) for m in messages(slack, 2)]
    batch = [
        _Job(slack, messages(slack, 1), (), loop, loop.create_future()),
        _Job(slack, poison, (), loop, loop.create_future()),
        _Job(slack, messages(slack, 3), (), loop, loop.create_future()),
    ]
    await sync_to_async(writer.commit, thread_sensitive=False)(batch)
    results = [await j.future for j in batch]
    assert [(len(r.accepted), r.rejected) for r in results] == [(1, 0), (0, 1), (1, 0)]
    assert await InboundEvent.objects.acount() == 2


@contextmanager
def write_lock_held() -> Iterator[None]:
    """Another connection holds what the writer needs (SQLite's write lock, PostgreSQL's table lock)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            if other.vendor == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            else:
                cursor.execute("BEGIN")
                cursor.execute(f"LOCK TABLE {InboundEvent._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        yield
    finally:
        with other.cursor() as cursor:
            cursor.execute("ROLLBACK")
        other.close()


def test_a_delivery_not_stored_in_time_is_503_and_its_redelivery_answered_once(
    client, slack, fake_slack, idle, settings
) -> None:
    settings.GATEWAY_INTAKE_TIMEOUT = 0.3
    body = body_of(fixture("slack", "message__im"))

    def post():
        return client.post(
            f"/webhooks/{slack.name}/", body, content_type="application/json", **django_headers(slack_headers(body))
        )

    with write_lock_held():
        response = post()
    assert response.status_code == 503 and response["Retry-After"]
    assert post().status_code == 200  # the platform redelivers
    idle()
    assert InboundEvent.objects.count() == 1
    assert len(fake_slack.posts()) == 1
