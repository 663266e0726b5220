"""Accept a gateway.yaml as the raw request body (`curl --data-binary @gateway.yaml -H 'Content-Type: application/yaml'`)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class YamlTextParser(BaseParser):
    """Hands the body over as text; the importer parses it, so YAML errors come back with their key paths."""

    media_type = "application/yaml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> str:
        try:
            return stream.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError("gateway.yaml must be UTF-8 text") from exc


class TextYamlParser(YamlTextParser):
    """The same for clients that label YAML `text/yaml`."""

    media_type = "text/yaml"
