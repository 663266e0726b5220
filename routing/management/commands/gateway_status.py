"""`manage.py gateway_status [--json]`: the deployment at a glance, read from the shared database and broker."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from routing.status.snapshot import gateway_status_snapshot


class Command(BaseCommand):
    help = "Show mode, processes, WebSocket clients, sessions, instance health, schedules, queue depth, last errors."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON document (for scripts and monitoring)")

    def handle(self, *args: object, **options: object) -> None:
        snapshot = gateway_status_snapshot()
        if options["json"]:
            self.stdout.write(json.dumps(snapshot, indent=2, default=str))
        else:
            self.stdout.write(render_text(snapshot))
        if not snapshot["ready"]:
            raise SystemExit(1)


def _section(value: Any) -> str | None:
    if isinstance(value, dict) and set(value) == {"error"}:
        return f"unavailable ({value['error']})"
    return None


def render_text(snap: dict[str, Any]) -> str:
    """A compact human view of the snapshot."""
    lines = [f"Gateway: {snap['mode']} mode, {'READY' if snap['ready'] else 'NOT READY'} at {snap['generated_at']}"]
    for name, check in snap["checks"].items():
        state = "ok" if check["ok"] else f"FAILED {check.get('error', '')}"
        lines.append(f"  {name}: {state} ({check['ms']} ms)")
    processes = snap["processes"]
    lines.append("Processes: " + (_section(processes) or ""))
    if not _section(processes):
        for server in processes["web_servers"]:
            lines.append(f"  web {server['host']} pid {server['pid']} (seen {server['heartbeat_at']})")
        if not processes["web_servers"]:
            lines.append("  web: none seen (a server registers when it serves its first WebSocket client)")
        for holder in processes.get("listener_holders") or []:
            lines.append(f"  listeners: {holder}")
        if "celery_workers" in processes:
            lines.append(f"  celery workers: {processes['celery_workers']}")
    ws = snap["websocket"]
    lines.append(f"WebSocket clients: {_section(ws) or ws['connected_clients']}")
    sessions = snap["sessions"]
    lines.append(
        f"Open sessions: {_section(sessions) or sessions['open']} {'' if _section(sessions) else sessions['by_kind']}"
    )
    queues = snap["queues"]
    lines.append(
        "Queue depth: "
        + (
            _section(queues)
            or f"inbound backlog {queues['inbound_backlog']}, broker {queues['broker'] if queues['broker'] is not None else 'n/a'}"
        )
    )
    instances = snap["instances"]
    lines.append("Instances: " + (_section(instances) or ""))
    if not _section(instances):
        for item in instances:
            delivery = item["delivery"]
            listener = item["listener"]
            listener_text = f", listener {listener['status']}" if listener else ""
            paused = ", PAUSED" if item.get("paused") else ""
            lines.append(f"  {item['name']}: receives by {item.get('mode', '?')}: {item.get('mode_reason', '')}")
            lines.append(
                f"  {item['name']} ({item['platform']}{'' if item['enabled'] else ', disabled'}{paused}{listener_text}): "
                f"sent {delivery['sent_last_hour']}, failed {delivery['failed_last_hour']} in the last hour"
                + (f"; last error: {item['last_error'][:120]}" if item["last_error"] else "")
            )
    schedules = snap["schedules"]
    lines.append("Schedules: " + (_section(schedules) or ""))
    scheduler = snap.get("scheduler") or {}
    if scheduler.get("will_fire") is False:
        lines.append(f"  WARNING: {scheduler['reason']}")
    elif scheduler.get("schedulers"):
        lines.append(f"  fired by: {', '.join(scheduler['schedulers'])}")
    if not _section(schedules):
        for item in schedules:
            last = item["last_run"]
            last_text = f"last {last['status']} for {last['due_at']}" if last else "never ran"
            lines.append(f"  {item['name']} [{item['schedule']}] next {item['next_due_at'] or '-'}; {last_text}")
    errors = snap["last_errors"]
    lines.append("Last errors: " + (_section(errors) or ("none" if not errors else "")))
    if not _section(errors):
        for item in errors:
            lines.append(f"  {item['at']} {item['where']}: {item['error'][:160]}")
    return "\n".join(lines)
