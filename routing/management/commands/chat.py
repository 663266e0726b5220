"""`manage.py chat AGENT "message" [--session ID]`: talk to a configured agent from the terminal.

Streams the reply as it is written and shows tool calls as they run; with --session the conversation keeps its
history between invocations (a CLI session in the same tables as channel sessions, visible in the admin).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents_app.models import Agent
from agents_app.runtime import AgentError, AgentReply, ChatTurn, Final, TextDelta, ToolFinished, ToolStarted
from agents_app.runtime import stream_agent as run_streaming
from routing.models import Session
from routing.pipeline.sessions import append_turns, history

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
        session = _cli_session(options["session"], agent) if options["session"] else None
        turns = history(session) if session else []
        try:
            reply = asyncio.run(self._converse(agent, turns, options["message"], session))
        except AgentError as exc:
            raise CommandError(str(exc)) from exc
        if session is not None:
            source = {"source": "cli"}
            append_turns(session, [("user", options["message"], source), ("assistant", reply.text, source)])
        usage = reply.usage
        summary = f"[{reply.provider} {reply.model} · {usage.prompt_tokens}+{usage.completion_tokens} tokens"
        if reply.refused:
            summary += " · refused by a guardrail"
        self.stderr.write(summary + "]")

    async def _converse(
        self, agent: Agent, history: list[ChatTurn], message: str, session: Session | None
    ) -> AgentReply:
        context = {"source": "cli", "session": session.key if session else ""}
        at_line_start = True
        async for event in run_streaming(agent, history, message, context):
            if isinstance(event, TextDelta):
                self.stdout.write(event.text, ending="")
                self.stdout.flush()
                at_line_start = event.text.endswith("\n")
            elif isinstance(event, ToolStarted):
                prefix = "" if at_line_start else "\n"
                self.stdout.write(f"{prefix}→ {event.name}({json.dumps(event.arguments, ensure_ascii=False)})")
                at_line_start = True
            elif isinstance(event, ToolFinished):
                result = event.result if len(event.result) <= RESULT_PREVIEW else event.result[:RESULT_PREVIEW] + "…"
                mark = "✗" if event.error else "←"
                self.stdout.write(f"{mark} {event.name}: {result}")
            elif isinstance(event, Final):
                if not at_line_start or not event.reply.text:
                    self.stdout.write("")
                return event.reply
        raise CommandError("the agent stream ended without a reply")  # pragma: no cover - stream always ends in Final


def _cli_session(key: str, agent: Agent) -> Session:
    session, _ = Session.objects.get_or_create(key=f"cli:{key}", defaults={"kind": Session.Kind.CLI, "agent": agent})
    return session
