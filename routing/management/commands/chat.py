"""`manage.py chat AGENT "message" [--session ID]`: talk to a configured agent from the terminal.

Streams the reply as it is written and shows tool calls as they run; with --session the conversation keeps its
history between invocations (a CLI session in the same tables as channel sessions, visible in the admin). The turn
goes through the turn service like every door's: a registered remote agent answers, the run is recorded (door cli).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents_app.models import Agent
from agents_app.runtime import AgentError
from routing.models import Session
from routing.pipeline import turns
from routing.pipeline.sessions import SessionSpec

RESULT_PREVIEW = 200


class Command(BaseCommand):
    help = "Send one message to an agent and stream its reply (tool calls shown as they run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agent", help="Agent name.")
        parser.add_argument("message", help="What to say.")
        parser.add_argument("--session", default="", help="Session id: keep the conversation's history across runs.")

    def handle(self, *args: Any, **options: Any) -> None:
        agent = Agent.objects.filter(name=options["agent"]).first()
        if agent is None:
            known = ", ".join(Agent.objects.values_list("name", flat=True)) or "none configured"
            raise CommandError(f"unknown agent {options['agent']!r} (agents: {known})")
        # Without --session the conversation is a one-off session of its own (recorded, like every door's turns).
        key = options["session"] or uuid.uuid4().hex
        spec = SessionSpec(key=f"cli:{key}", kind=Session.Kind.CLI)
        printer = _Printer(self.stdout)
        try:
            outcome = asyncio.run(turns.run("cli", agent, options["message"], spec, on_event=printer))
        except AgentError as exc:
            raise CommandError(str(exc)) from exc
        reply = outcome.reply
        if printer.streamed and not printer.at_line_start:
            self.stdout.write("")
        elif not printer.streamed:
            self.stdout.write(reply.text)  # a remote agent answers in one piece
        usage = reply.usage
        summary = f"[{reply.provider} {reply.model} · {usage.prompt_tokens}+{usage.completion_tokens} tokens"
        if reply.refused:
            summary += " · refused by a guardrail"
        self.stderr.write(summary + "]")


class _Printer:
    """Writes the turn's stream events to the terminal as they arrive: text as it is written, tool calls as they run."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.at_line_start = True
        self.streamed = False

    async def __call__(self, kind: str, data: dict[str, Any]) -> None:
        self.streamed = True
        if kind == "token_stream":
            text = data["delta"]
            self.out.write(text, ending="")
            self.out.flush()
            self.at_line_start = text.endswith("\n")
        elif kind == "tool_call_stream":
            prefix = "" if self.at_line_start else "\n"
            self.out.write(f"{prefix}→ {data['name']}({json.dumps(data['arguments'], ensure_ascii=False)})")
            self.at_line_start = True
        elif kind == "tool_result_stream":
            result = str(data["result"])
            result = result if len(result) <= RESULT_PREVIEW else result[:RESULT_PREVIEW] + "…"
            mark = "✗" if data["error"] else "←"
            self.out.write(f"{mark} {data['name']}: {result}")
