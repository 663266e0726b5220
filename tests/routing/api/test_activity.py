"""Sessions and their messages (read, delete), and the message log with filters, ordering and pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.models import ChannelInstance, InboundEvent, OutboundMessage
from routing.models import Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def instances(db) -> tuple[ChannelInstance, ChannelInstance]:
    return (
        ChannelInstance.objects.create(name="tg", platform="telegram", credentials={"token": "1:x"}),
        ChannelInstance.objects.create(name="hooks", platform="webhook", credentials={"secret": "s"}),
    )


def test_sessions_list_read_show_messages_and_delete(api, reader, instances):
    session = Session.objects.create(key="tg:42:", instance=instances[0], chat_id="42")
    session.messages.create(seq=1, role="user", content="hi")
    session.messages.create(seq=2, role="assistant", content="hello")
    listed = reader.get("/api/v1/sessions/?instance=tg").json()
    assert listed["count"] == 1
    assert listed["results"][0]["message_count"] == 2
    assert reader.get(f"/api/v1/sessions/{session.pk}/").json()["key"] == "tg:42:"
    messages = reader.get(f"/api/v1/sessions/{session.pk}/messages/").json()["results"]
    assert [m["content"] for m in messages] == ["hi", "hello"]
    assert reader.delete(f"/api/v1/sessions/{session.pk}/").status_code == 403
    assert api.delete(f"/api/v1/sessions/{session.pk}/").status_code == 204
    assert not Session.objects.exists()


def test_sessions_cannot_be_created_through_the_api(api):
    assert api.post("/api/v1/sessions/", {"key": "x"}, format="json").status_code == 405


def test_the_inbound_log_filters_by_instance_status_and_time(reader, instances):
    tg, hooks = instances
    old = InboundEvent.objects.create(instance=tg, dedupe_key="1", status="done")
    InboundEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=2))
    InboundEvent.objects.create(instance=tg, dedupe_key="2", status="failed", error="boom")
    InboundEvent.objects.create(instance=hooks, dedupe_key="3", status="done")

    def keys(query: str) -> list[str]:
        response = reader.get(f"/api/v1/inbound-events/?{query}")
        assert response.status_code == 200, response.json()
        return sorted(row["dedupe_key"] for row in response.json()["results"])

    assert keys("instance=tg") == ["1", "2"]
    assert keys("status=failed") == ["2"]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert keys(f"instance=tg&received_after={since.replace('+', '%2B')}") == ["2"]
    assert keys("instance=nowhere") == []


def test_a_bad_filter_value_is_a_400_naming_the_parameter(reader, instances):
    response = reader.get("/api/v1/inbound-events/?status=exploded")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "status"


def test_the_outbound_log_orders_and_paginates(reader, instances):
    tg = instances[0]
    for index in range(5):
        OutboundMessage.objects.create(instance=tg, idempotency_key=f"k{index}", chat_id=f"c{index}", text="t")
    page = reader.get("/api/v1/outbound-messages/?ordering=id&page_size=2").json()
    assert page["count"] == 5
    assert [row["chat_id"] for row in page["results"]] == ["c0", "c1"]
    assert page["next"] is not None
    last = reader.get("/api/v1/outbound-messages/?ordering=-id&page_size=2&page=3").json()
    assert [row["chat_id"] for row in last["results"]] == ["c0"]


def test_lists_search_and_filter_configuration(api):
    api.post("/api/v1/agents/", {"name": "alpha", "model": "echo"}, format="json")
    api.post("/api/v1/agents/", {"name": "beta", "model": "echo", "enabled": False}, format="json")
    names = [row["name"] for row in api.get("/api/v1/agents/?enabled=true").json()["results"]]
    assert names == ["alpha"]
    assert [row["name"] for row in api.get("/api/v1/agents/?search=bet").json()["results"]] == ["beta"]
    assert [row["name"] for row in api.get("/api/v1/agents/?ordering=-name").json()["results"]] == ["beta", "alpha"]


def test_a_time_bound_with_any_valid_offset_filters_in_utc(reader, instances):
    InboundEvent.objects.create(instance=instances[0], dedupe_key="now", status="done")
    far_east = reader.get("/api/v1/inbound-events/?received_after=1465-08-07T23:03:49%2B23:45")
    assert far_east.status_code == 200
    assert [row["dedupe_key"] for row in far_east.json()["results"]] == ["now"]


def test_a_time_bound_at_the_edge_of_the_calendar_is_not_a_server_error(reader, instances):
    assert reader.get("/api/v1/inbound-events/?received_after=0001-01-01T00:00%2B05:00").status_code == 200
    assert reader.get("/api/v1/inbound-events/?received_before=9999-12-31T23:59-05:00").status_code == 200


def test_an_unknown_api_path_is_a_json_404(anonymous):
    response = anonymous.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no API endpoint at /api/v1/no-such-thing/")


def test_a_missing_trailing_slash_redirects_a_read_and_names_the_path_for_a_write(api):
    read = api.get("/api/v1/agents?page_size=5")
    assert read.status_code == 301 and read["Location"] == "/api/v1/agents/?page_size=5"
    write = api.post("/api/v1/agents", {"name": "x"}, format="json")
    assert write.status_code == 404
    assert "did you mean /api/v1/agents/" in write.json()["detail"]
