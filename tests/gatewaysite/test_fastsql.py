"""gatewaysite/fastsql.py reads rows back exactly as the ORM does: the pipeline builds its events and sessions with
it, so a JSON payload, an aware datetime, a boolean or a foreign key that came back differently would change what
the agent sees."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents_app.models import Agent
from gatewaysite import fastsql
from routing.models import Session

pytestmark = pytest.mark.django_db


def _values(obj: object, model: type) -> dict[str, object]:
    return {field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields}


def test_a_row_read_by_select_one_equals_the_orms_own() -> None:
    agent = Agent.objects.create(name="reader", instructions="hi", tools=["get_weather"], memory=True, enabled=False)
    session = Session.objects.create(
        key="slack:C1:1.2",
        chat_id="C1",
        agent=agent,
        metadata={"client_id": "é", "nested": {"n": [1, 2.5, None]}},
        closed_at=datetime(2026, 12, 2, 17, 0, 5, 123456, tzinfo=UTC),
    )

    built = fastsql.select_one(Session, "key", "slack:C1:1.2")
    assert built is not None and not built._state.adding and built._state.db == "default"
    assert _values(built, Session) == _values(Session.objects.get(pk=session.pk), Session)
    assert built.closed_at == datetime(2026, 12, 2, 17, 0, 5, 123456, tzinfo=UTC)
    assert built.metadata["nested"] == {"n": [1, 2.5, None]}

    reader = fastsql.select_one(Agent, "name", "reader")
    assert _values(reader, Agent) == _values(Agent.objects.get(pk=agent.pk), Agent)
    assert reader.memory is True and reader.enabled is False and reader.tools == ["get_weather"]
    assert fastsql.select_one(Agent, "name", "nobody") is None


def test_build_takes_a_row_of_the_models_columns() -> None:
    Session.objects.create(key="ws:abc", kind=Session.Kind.WEBSOCKET, metadata={"a": 1})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fastsql.columns(Session)} FROM routing_session WHERE key = %s", ["ws:abc"])
        built = fastsql.build(Session, cursor.fetchone())
    assert built.kind == "websocket" and built.metadata == {"a": 1} and built.created_at.tzinfo is not None
    built.save(update_fields=["metadata"])  # a built instance saves as an existing row, not a new one
    assert Session.objects.count() == 1


def test_rows_inserted_and_updated_read_back_as_the_orm_wrote_them() -> None:
    """Plain str, bool and int values skip the field's preparation; everything else (JSON, datetimes, a str given
    for an integer) still goes through it, so the stored row is the ORM's own."""
    agent = Agent.objects.create(name="orm", instructions="i", tools=["a"], memory=True, enabled=False)
    [pk] = fastsql.insert(
        Agent, [{"name": "fast", "instructions": "i", "tools": ["a"], "memory": True, "enabled": False}]
    )
    orm, fast = Agent.objects.get(pk=agent.pk), Agent.objects.get(pk=pk)
    skip = {"id", "name", "created_at", "updated_at"}
    assert {k: v for k, v in _values(fast, Agent).items() if k not in skip} == {
        k: v for k, v in _values(orm, Agent).items() if k not in skip
    }
    session = Session.objects.create(key="orm-session", agent=agent, metadata={"n": 1})
    [sid] = fastsql.insert(Session, [{"key": "fast-session", "agent_id": str(agent.pk), "metadata": {"n": 1}}])
    assert Session.objects.get(pk=sid).agent_id == session.agent_id == agent.pk
    assert fastsql.update(Session, sid, closed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), chat_id="C9") == 1
    updated = Session.objects.get(pk=sid)
    assert (updated.closed_at, updated.chat_id) == (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "C9")


def test_insert_new_gives_each_row_its_key_or_none_for_a_duplicate_in_few_statement_shapes() -> None:
    """200 rows (a name already stored, a name twice): ids in row order, None where a unique key refused the row
    or an earlier row of the same call took it; 128 + 64 + 8 rows, three statements."""
    Agent.objects.create(name="a-5")
    rows = [{"name": f"a-{n}", "instructions": f"row {n}"} for n in range(199)] + [{"name": "a-7"}]
    with CaptureQueriesContext(connection) as captured:
        ids = fastsql.insert_new(Agent, rows, ("name",))
    assert len(captured) == 3
    assert ids[5] is None and ids[199] is None
    stored = dict(Agent.objects.values_list("name", "pk"))
    assert ids[:5] + ids[6:199] == [stored[f"a-{n}"] for n in range(199) if n != 5]
    assert Agent.objects.get(name="a-7").instructions == "row 7"  # the first occurrence is the one stored
