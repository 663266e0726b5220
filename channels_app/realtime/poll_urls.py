"""Long-polling URLs, mounted by gatewaysite.urls under /api/push/poll/."""

from __future__ import annotations

from django.urls import path

from channels_app.realtime import polling

urlpatterns = [
    path("register", polling.register, name="push-poll-register"),
    path("subscribe", polling.subscribe, name="push-poll-subscribe"),
    path("unsubscribe", polling.unsubscribe, name="push-poll-unsubscribe"),
    path("messages", polling.messages, name="push-poll-messages"),
    path("ack", polling.ack, name="push-poll-ack"),
    path("heartbeat", polling.heartbeat, name="push-poll-heartbeat"),
    path("presence", polling.presence_list, name="push-poll-presence"),
    path("publish", polling.publish, name="push-poll-publish"),
]
