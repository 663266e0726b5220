"""The webhook's instance lookup is cached briefly; edits here drop it at once, edits elsewhere within the TTL."""

from __future__ import annotations

import pytest

from channels_app.models import ChannelInstance
from tests.channels_app.support import body_of, django_headers, fixture, slack_headers

pytestmark = pytest.mark.usefixtures("fast_pipeline")


def post(client, name: str):
    body = body_of(fixture("slack", "app_mention__channel"))
    return client.post(
        f"/webhooks/{name}/", body, content_type="application/json", **django_headers(slack_headers(body))
    )


@pytest.fixture
def slack(make_instance, fake_slack):
    return make_instance("slack", fake_slack.url)


def test_a_rename_saved_here_moves_the_url_at_once(client, slack, idle, settings) -> None:
    settings.GATEWAY_INSTANCE_CACHE_SECONDS = 3600
    assert post(client, slack.name).status_code == 200
    slack.name = "renamed"
    slack.save()
    assert post(client, "slack-main").status_code == 404
    assert post(client, "renamed").status_code == 200
    idle()


def test_with_the_cache_off_an_edit_made_elsewhere_is_seen_at_once(client, slack, idle, settings) -> None:
    settings.GATEWAY_INSTANCE_CACHE_SECONDS = 0
    assert post(client, slack.name).status_code == 200
    ChannelInstance.objects.filter(pk=slack.pk).update(enabled=False)  # no signal, as from another process
    assert post(client, slack.name).status_code == 404
    idle()


def test_within_the_ttl_an_edit_made_elsewhere_waits_for_expiry(client, slack, idle, settings) -> None:
    from channels_app.webhooks.instances import instances

    settings.GATEWAY_INSTANCE_CACHE_SECONDS = 3600
    assert post(client, slack.name).status_code == 200
    ChannelInstance.objects.filter(pk=slack.pk).update(enabled=False)
    assert post(client, slack.name).status_code == 200  # still the cached row: bounded by the TTL
    instances.invalidate()  # what expiry does
    assert post(client, slack.name).status_code == 404
    idle()
