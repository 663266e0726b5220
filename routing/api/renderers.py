"""A text/event-stream renderer, so DRF's content negotiation accepts `Accept: text/event-stream` on the chat view."""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer


class EventStreamRenderer(BaseRenderer):
    """Streams are written by the view itself; this only renders a non-streamed answer (an error) as one event."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        status_code = getattr((renderer_context or {}).get("response"), "status_code", 200)
        event = "stream_error" if status_code >= 400 else "message"
        return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class YamlTextRenderer(BaseRenderer):
    """Lets `Accept: application/yaml` through negotiation on the export view (which writes the YAML text itself)."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, str):
            return data.encode()
        return json.dumps(data, ensure_ascii=False).encode()
