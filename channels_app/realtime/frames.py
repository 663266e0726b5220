"""Builders for every server → client frame, so shapes live in one module (docs/protocol.md mirrors it)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

MAX_NESTING = 64  # deeper JSON is refused: no frame needs it, and the parser must never recurse without bound


class FrameParseError(ValueError):
    """A text frame (or push poll body) that is not JSON we accept; `code` goes into the error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_json(text: str | bytes) -> Any:
    """Parse a client's JSON, refusing nesting deeper than MAX_NESTING instead of raising RecursionError.

    `'[' * 100000` makes the C parser raise RecursionError, which is not a ValueError: uncaught, it once closed the
    socket with 1011 and leaked the connection's slot. A value under the interpreter's limit but deeper than
    MAX_NESTING is refused too, so no later step (storage, json.dumps) walks it.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise FrameParseError("invalid_json", f"JSON nests deeper than {MAX_NESTING} levels") from None
    except ValueError as exc:
        raise FrameParseError("invalid_json", f"frame is not valid JSON: {exc}") from None
    opening = text.count(b"[") + text.count(b"{") if isinstance(text, bytes) else text.count("[") + text.count("{")
    if opening > MAX_NESTING and nesting_exceeds(value, MAX_NESTING):
        raise FrameParseError("invalid_json", f"JSON nests deeper than {MAX_NESTING} levels")
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists/objects in `value` nest deeper than `limit` (iterative: never recurses itself)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOLS = (1, 1)
STREAM_EVENTS = ["token_stream", "tool_call_stream", "tool_result_stream", "stream_error", "stream_end"]
METHODS = [
    "message",
    "abort",
    "leave",
    "ping",
    "channel.create",
    "channel.subscribe",
    "channel.unsubscribe",
    "channel.publish",
    "channel.list",
    "presence.heartbeat",
    "presence.query",
    "message_ack",
    "message_nack",
    "broadcast",
    "events.subscribe",
    "events.unsubscribe",
    "agent.register",
    "agent.unregister",
    "agent_response",
]


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z"


def event(
    type_: str, data: dict[str, Any] | None = None, *, source: str = "gateway", target: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The seed's GatewayEvent envelope: type, data, source, target, event_id, timestamp."""
    frame = {
        "type": type_,
        "data": data or {},
        "source": source,
        "target": target,
        "event_id": uuid.uuid4().hex,
        "timestamp": now_iso(),
    }
    frame.update(extra)
    return frame


def hello_ok(
    *, session_id: str, resumed: bool, cursor: int, streaming: bool, policy: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    events = ["message", "error", "message_abort", "broadcast", "channel_message", "presence_join", "presence_leave"]
    if streaming:
        events += STREAM_EVENTS
    frame = {
        "type": "hello_ok",
        "protocol": PROTOCOL_VERSION,
        "features": {"methods": METHODS, "events": events},
        "policy": policy,
        "session_id": session_id,
        "resumed": resumed,
        "cursor": cursor,
    }
    frame.update(extra)
    return frame


def replay(frame: dict[str, Any], target: str | None = None) -> dict[str, Any]:
    """A buffered frame sent again on resume, in the seed's envelope: `event` = {type, data: <the frame as first sent>,
    event_id, sequence, timestamp, source, target}; `seq` repeats the sequence for clients that read it there."""
    seq = frame.get("seq") if isinstance(frame.get("seq"), int) else frame.get("cursor")
    envelope = event(str(frame.get("type") or "message"), frame, target=target, sequence=seq)
    if isinstance(frame.get("event_id"), str):
        envelope["event_id"] = frame["event_id"]  # a buffered event keeps its id, so a client can dedupe it
    return {"type": "replay", "event": envelope, "seq": seq}


def hello_error(code: str, message: str, next_step: str, **extra: Any) -> dict[str, Any]:
    frame = {"type": "hello_error", "code": code, "message": message, "next_step": next_step, "next": next_step}
    frame.update(extra)
    return frame


def error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """An `error` frame; it also carries the envelope fields so seed-style clients read it as an `error` event."""
    frame = event("error", {"code": code, "message": message})
    frame.update({"code": code, "message": message})
    frame.update(extra)
    return frame


def response(status: str, content: str, session_id: str, **extra: Any) -> dict[str, Any]:
    frame = {"type": "response", "status": status, "content": content, "session_id": session_id}
    frame.update(extra)
    return frame


def outcome_ok() -> dict[str, Any]:
    return {"status": "ok"}


def outcome_error(code: str, message: str, *, retryable: bool = False, status: str = "error") -> dict[str, Any]:
    return {
        "status": status,
        "error": {"code": code, "retryable": retryable, "retry_after_seconds": None, "message": message},
    }
