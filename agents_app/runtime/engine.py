"""run_agent / stream_agent: instructions + history + message → model (+ tools) → guardrails → reply.

Both entry points share one event generator; `run_agent` just drains it. Per run there are two database hops (load
the guardrails and fallback model; record the run), everything else is the model calls themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

from agents_app.mcp import tools as mcp_tools
from agents_app.models import Agent, AgentRun
from agents_app.runtime import delegation, guardrails, prepared
from agents_app.runtime.config import RuntimeConfig, runtime_config
from agents_app.runtime.limits import model_call_slot
from agents_app.runtime.providers.base import Message, ModelRequest, ModelResponse, Provider, ToolSpec
from agents_app.runtime.providers.clients import provider_for
from agents_app.runtime.providers.errors import ProviderFailure
from agents_app.runtime.providers.selection import RouteError, route_model
from agents_app.runtime.recording import RunRecord, save_run
from agents_app.runtime.types import (
    AgentError,
    AgentEvent,
    AgentReply,
    ChatTurn,
    Final,
    TextDelta,
    ToolCallRecord,
    ToolFinished,
    ToolStarted,
)
from agents_app.tools.base import Tool
from agents_app.tools.registry import UnknownToolError, load_tool

logger = logging.getLogger(__name__)


async def run_agent(
    agent: Agent, history: Sequence[ChatTurn], message: str, context: Mapping[str, Any] | None = None
) -> AgentReply:
    """Answer `message` as `agent`; raises AgentError naming the agent, the model and what is missing."""
    reply: AgentReply | None = None
    async for event in _run(agent, history, message, context, streaming=False):
        if isinstance(event, Final):
            reply = event.reply
    assert reply is not None  # _run always ends with Final or raises
    return reply


async def stream_agent(
    agent: Agent, history: Sequence[ChatTurn], message: str, context: Mapping[str, Any] | None = None
) -> AsyncIterator[AgentEvent]:
    """Like run_agent, yielding TextDelta / ToolStarted / ToolFinished as they happen and Final last.

    When a guardrail applies, text is held back until the judge passed it (nobody sees an unchecked answer), then
    sent as one TextDelta; tool activity still streams live.
    """
    async with contextlib.aclosing(_run(agent, history, message, context, streaming=True)) as events:
        async for event in events:
            yield event


@dataclass(slots=True)
class _Turn:
    """The mutable state of one run, shared by the helpers below."""

    agent: Agent
    config: RuntimeConfig
    provider: Provider
    model: str
    system: str
    tools: dict[str, Tool]
    messages: list[Message]
    deadline: float
    record: RunRecord
    texts: list[str] = field(default_factory=list)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise AgentError(
                f"agent {self.agent.name!r} (model {self.model!r}) did not finish within "
                f"{self.config.max_run_seconds:g}s",
                agent=self.agent.name,
                model=self.model,
                reason="timeout",
            )
        return left


def _refresh_persistent_connections() -> None:
    """Runtime queries run on long-lived worker threads that never see a request boundary, so do what Django does
    at one: drop a persistent connection (CONN_MAX_AGE > 0, i.e. PostgreSQL here) that broke or expired. SQLite's
    non-persistent default is left alone (reconnecting per run would cost more than the whole turn)."""
    for conn in connections.all(initialized_only=True):
        # Inside a caller's transaction the connection is in use by definition: closing it would break the caller.
        if conn.settings_dict.get("CONN_MAX_AGE") and not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def _prepare_sync(agent: Agent) -> tuple[str, list[guardrails.Rule]]:
    """The one read hop: the model (agent's, else the provider fallback) and the applicable guardrails."""
    _refresh_persistent_connections()
    return prepared.load(agent)


_prepare = sync_to_async(_prepare_sync, thread_sensitive=True)


def _load_tools(agent: Agent, model: str, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Tool]:
    tools: dict[str, Tool] = {}
    for name in agent.tools or []:
        if name in skip:
            continue  # an MCP server's name: its tools come from _mcp_tools
        try:
            tool = load_tool(str(name))
        except UnknownToolError as exc:
            raise AgentError(
                f"agent {agent.name!r} (model {model!r}): {exc}", agent=agent.name, model=model, reason="unknown_tool"
            ) from exc
        tools[tool.name] = tool
    return tools


async def _mcp_tools(agent: Agent, model: str) -> tuple[set[str], dict[str, Tool]]:
    """The tools of the MCP servers the agent lists; a dead server is an error naming it (bounded by its timeout)."""
    try:
        return await mcp_tools.tools_for(list(agent.tools or []))
    except mcp_tools.McpServerError as exc:
        raise AgentError(
            f"agent {agent.name!r} (model {model!r}): {exc}", agent=agent.name, model=model, reason="mcp_unavailable"
        ) from exc


async def _run(
    agent: Agent,
    history: Sequence[ChatTurn],
    message: str,
    context: Mapping[str, Any] | None,
    *,
    streaming: bool,
) -> AsyncIterator[AgentEvent]:
    started = time.monotonic()
    config = runtime_config()
    context = delegation.prepare_context(agent, context)
    record = RunRecord(agent=agent, context=context, input_text=message)
    try:
        if not agent.enabled:
            raise AgentError(
                f"agent {agent.name!r} is disabled", agent=agent.name, model=agent.model, reason="disabled"
            )
        # Remembered briefly (prepared.py): a turn in a busy gateway makes no read hop at all.
        model, rules = prepared.cached(agent) or await _prepare(agent)
        record.model, record.rules = model, rules
        if not model:
            raise AgentError(
                f"agent {agent.name!r} has no model and no provider fallback model is set",
                agent=agent.name,
                reason="no_model",
            )
        try:
            route = route_model(model, base_url=agent.base_url or "", api_key=agent.api_key or "")
        except RouteError as exc:
            raise AgentError(
                f"agent {agent.name!r} cannot use model {model!r}: {exc.detail}",
                agent=agent.name,
                model=model,
                reason=exc.reason,
            ) from exc
        provider = await provider_for(route, config)
        record.model, record.provider = route.model, provider.name
        turns = list(history) if agent.memory else []
        mcp_servers, from_mcp = await _mcp_tools(agent, model)
        turn = _Turn(
            agent=agent,
            config=config,
            provider=provider,
            model=route.model,
            system=guardrails.compose_instructions(agent.instructions or "", rules),
            tools={
                **_load_tools(agent, model, mcp_servers),
                **from_mcp,
                **delegation.delegate_tools(agent, context),
            },
            messages=[Message(role=t.role, content=t.content) for t in turns] + [Message("user", message)],
            deadline=started + config.max_run_seconds,
            record=record,
        )
        live = streaming and not rules
        async for event in _answer(turn, live=live):
            yield event
        text, refused = "\n\n".join(turn.texts), False
        if not text.strip():
            raise AgentError(
                f"agent {agent.name!r} (model {turn.model!r}) returned an empty answer",
                agent=agent.name,
                model=turn.model,
                reason="empty_answer",
            )
        if rules:
            text, refused = await _enforce(turn, rules, message, text)
            if streaming and text:
                yield TextDelta(text)
        record.status = AgentRun.Status.REFUSED if refused else AgentRun.Status.OK
        record.output_text = text
    except AgentError as exc:
        record.status, record.error = AgentRun.Status.ERROR, str(exc)
        record.duration_ms = int((time.monotonic() - started) * 1000)
        await save_run(record)
        raise
    except Exception as exc:
        # A bug or an unexpected provider shape: callers handle AgentError, so name it like one and keep the trace.
        logger.exception("agent %r run failed unexpectedly", agent.name)
        record.status, record.error = AgentRun.Status.ERROR, f"internal error: {type(exc).__name__}: {exc}"
        record.duration_ms = int((time.monotonic() - started) * 1000)
        with contextlib.suppress(Exception):
            await save_run(record)
        raise AgentError(
            f"agent {agent.name!r} (model {record.model!r}) failed: {type(exc).__name__}: {exc}",
            agent=agent.name,
            model=record.model,
            reason="internal",
        ) from exc
    except (asyncio.CancelledError, GeneratorExit):
        # The caller aborted (WebSocket `abort`, client gone): the tokens spent so far are still recorded.
        record.status, record.error = AgentRun.Status.ERROR, "aborted by the caller before the reply was complete"
        record.duration_ms = int((time.monotonic() - started) * 1000)
        with contextlib.suppress(Exception):
            await save_run(record)
        raise
    record.duration_ms = int((time.monotonic() - started) * 1000)
    await save_run(record)
    yield Final(
        AgentReply(
            text=text,
            model=record.model,
            agent=agent.name,
            provider=record.provider,
            usage=record.usage,
            tool_calls=list(record.tool_calls),
            guardrail_verdicts=list(record.verdicts),
            refused=refused,
        )
    )


async def _answer(turn: _Turn, *, live: bool) -> AsyncIterator[AgentEvent]:
    """The bounded tool loop: call the model, run the tools it asks for, feed results back, until it answers.

    After max_tool_iterations tool rounds the model is called once more with tools disabled, so it must answer.
    """
    specs = [ToolSpec(t.name, t.description, t.parameters) for t in turn.tools.values()]
    for iteration in range(turn.config.max_tool_iterations + 1):
        allow_tools = bool(specs) and iteration < turn.config.max_tool_iterations
        request = ModelRequest(
            model=turn.model,
            system=turn.system,
            messages=turn.messages,
            tools=specs,
            allow_tool_calls=allow_tools,
            temperature=turn.agent.temperature,
            max_tokens=turn.config.max_tokens,
        )
        response: ModelResponse | None = None
        separated = False
        if live:
            async for piece in _stream_call(turn, request):
                if isinstance(piece, ModelResponse):
                    response = piece
                elif piece:
                    if not separated and turn.texts:
                        yield TextDelta("\n\n")
                    separated = True
                    yield TextDelta(piece)
        else:
            response = await _call(turn, request)
        assert response is not None
        if response.text:
            turn.texts.append(response.text)
        if not response.tool_calls or not allow_tools:
            return
        turn.messages.append(Message("assistant", response.text, tool_calls=tuple(response.tool_calls)))
        for call in response.tool_calls:
            yield ToolStarted(call.name, call.arguments)
            tool = turn.tools.get(call.name)
            if tool is None:
                result, error = f"error: no tool named {call.name!r}", True
            else:
                # A delegated agent runs its own loop: it may use the rest of this run's time, not one tool's.
                limit = (
                    turn.remaining()
                    if delegation.is_delegate(tool)
                    else min(turn.config.tool_timeout, turn.remaining())
                )
                outcome = await tool.invoke(call.arguments, time_limit=limit)
                result, error = outcome.result, outcome.error
            turn.record.tool_calls.append(ToolCallRecord(call.name, call.arguments, result, error))
            yield ToolFinished(call.name, result, error)
            turn.messages.append(Message("tool", result, tool_call_id=call.id, name=call.name, is_error=error))


async def _enforce(turn: _Turn, rules: Sequence[guardrails.Rule], user_message: str, text: str) -> tuple[str, bool]:
    """Judge the answer; on failure retry once with the reasons as feedback; then refuse. Returns (text, refused)."""
    for attempt in (1, 2):
        response = await _call(turn, guardrails.judge_request(turn.model, rules, user_message, text))
        checks = guardrails.parse_verdicts(response.text, rules, attempt)
        turn.record.verdicts.extend(checks)
        failed = [c for c in checks if not c.passed]
        if not failed:
            return text, False
        if attempt == 2:
            break
        turn.messages.append(Message("assistant", text))
        turn.messages.append(Message("user", guardrails.feedback_message(failed)))
        turn.texts = []
        async for _event in _answer(turn, live=False):
            pass
        text = "\n\n".join(turn.texts)
    return turn.config.refusal_text, True


def _failure(turn: _Turn, exc: ProviderFailure) -> AgentError:
    return AgentError(
        f"agent {turn.agent.name!r} (model {turn.model!r} via {turn.provider.name}): {exc.detail}",
        agent=turn.agent.name,
        model=turn.model,
        reason=exc.reason,
    )


async def _call(turn: _Turn, request: ModelRequest) -> ModelResponse:
    """One non-streaming model call, inside the global concurrency bound and the run's deadline."""
    async with model_call_slot(turn.config.max_concurrent_queries):
        try:
            async with asyncio.timeout(turn.remaining()):
                response = await turn.provider.complete(request)
        except ProviderFailure as exc:
            raise _failure(turn, exc) from exc
        except TimeoutError as exc:
            raise _failure(turn, ProviderFailure("timeout", "the run's time budget ran out")) from exc
    turn.record.model_calls += 1
    turn.record.usage.add(response.usage)
    return response


async def _stream_call(turn: _Turn, request: ModelRequest) -> AsyncIterator[str | ModelResponse]:
    """One streaming model call; the concurrency slot is held until the stream ends."""
    async with model_call_slot(turn.config.max_concurrent_queries):
        stream = turn.provider.stream(request).__aiter__()
        while True:
            try:
                async with asyncio.timeout(turn.remaining()):
                    piece = await stream.__anext__()
            except StopAsyncIteration:
                break
            except ProviderFailure as exc:
                raise _failure(turn, exc) from exc
            except TimeoutError as exc:
                raise _failure(turn, ProviderFailure("timeout", "the run's time budget ran out")) from exc
            if isinstance(piece, ModelResponse):
                turn.record.model_calls += 1
                turn.record.usage.add(piece.usage)
            yield piece
