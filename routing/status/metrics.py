"""Prometheus metrics computed from shared state at scrape time, so every process exposes the deployment's totals.

Counters come from the durable message log (they only grow while rows are kept); gauges are live counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db.models import Count, Q, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric

from channels_app.models import InboundEvent, OutboundMessage
from routing.models import ScheduleRun
from routing.status.queues import broker_depth, inbound_backlog

log = logging.getLogger(__name__)

# Agent latency buckets, in seconds.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _messages(model: type, name: str, documentation: str) -> Metric:
    family = CounterMetricFamily(name, documentation, labels=["platform", "status"])
    rows = model.objects.values_list("instance__platform", "status").annotate(n=Count("pk")).order_by()
    for platform, status, count in rows:
        family.add_metric([platform, status], count)
    # WebSocket-door turns (the web chat among them) are their own platform: in = each turn, out = each answer.
    for status, count in _web_chat_turns():
        if model is InboundEvent:
            family.add_metric(["webchat", "failed" if status == "error" else "done"], count)
        elif status != "error":
            family.add_metric(["webchat", "sent"], count)
    return family


def _web_chat_turns() -> list[tuple[str, int]]:
    from agents_app.models import AgentRun

    rows = AgentRun.objects.filter(context__source="websocket", parent__isnull=True).values_list("status")
    return list(rows.annotate(n=Count("pk")).order_by())


def _agent_runs() -> Metric:
    """Every agent run by agent and outcome (ok, refused, error): failed runs show here even when no channel saw
    them (web chat, API, schedules)."""
    from agents_app.models import AgentRun

    family = CounterMetricFamily("gateway_agent_runs", "Agent runs by agent and outcome.", labels=["agent", "status"])
    for agent, status, count in AgentRun.objects.values_list("agent_name", "status").annotate(n=Count("pk")).order_by():
        family.add_metric([agent, status], count)
    return family


def _agent_latency() -> Metric:
    from agents_app.models import AgentRun

    aggregates = {
        f"le_{i}": Count("pk", filter=Q(duration_ms__lte=int(b * 1000))) for i, b in enumerate(LATENCY_BUCKETS)
    }
    family = HistogramMetricFamily(
        "gateway_agent_latency_seconds", "Wall time of agent runs (model calls and tools).", labels=["agent"]
    )
    rows = AgentRun.objects.values("agent_name").annotate(total=Count("pk"), sum_ms=Sum("duration_ms"), **aggregates)
    for row in rows.order_by():
        buckets = [(str(bound), row[f"le_{i}"]) for i, bound in enumerate(LATENCY_BUCKETS)]
        buckets.append(("+Inf", row["total"]))
        family.add_metric([row["agent_name"]], buckets, (row["sum_ms"] or 0) / 1000)
    return family


def _websocket_connections() -> Metric:
    from channels_app.realtime.connections import live_count

    return GaugeMetricFamily(
        "gateway_websocket_connections", "Open WebSocket connections across every server process.", value=live_count()
    )


def _queue_depth() -> Metric:
    family = GaugeMetricFamily(
        "gateway_queue_depth", "Work waiting: accepted inbound events, broker queue.", labels=["queue"]
    )
    family.add_metric(["inbound"], inbound_backlog())
    depth = broker_depth()
    if depth is not None:
        family.add_metric(["broker"], depth)
    return family


def _schedule_runs() -> Metric:
    family = CounterMetricFamily("gateway_schedule_runs", "Schedule runs by outcome.", labels=["status"])
    for status, count in ScheduleRun.objects.values_list("status").annotate(n=Count("pk")).order_by():
        family.add_metric([status], count)
    return family


class GatewayCollector:
    """A prometheus_client collector; one failing source is logged and left out, the rest still export."""

    def collect(self) -> Iterator[Metric]:
        sources = (
            lambda: _messages(InboundEvent, "gateway_messages_in", "Inbound platform messages by platform and status."),
            lambda: _messages(OutboundMessage, "gateway_messages_out", "Outbound messages by platform and status."),
            _agent_latency,
            _agent_runs,
            _websocket_connections,
            _queue_depth,
            _schedule_runs,
        )
        for source in sources:
            try:
                yield source()
            except Exception:
                log.exception("a metrics source failed")


def metrics_text() -> bytes:
    """The Prometheus text exposition of the gateway's metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector())
    return generate_latest(registry)
