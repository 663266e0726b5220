"""A tool's JSON schema, built from its Python signature and docstring, so a custom tool is just a typed function.

The first docstring paragraph becomes the description; a Google-style `Args:` section describes the parameters.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable
from typing import Any

_JSON_TYPES: dict[type, str] = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}
_ARG_LINE = re.compile(r"^\s*(?P<name>\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(?P<text>.*)$")
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?)\s*:\s*$")


def json_type(annotation: Any) -> dict[str, Any]:
    """The JSON-schema fragment for one annotation; unknown types become an unconstrained value."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return json_type(options[0]) if len(options) == 1 else {}
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        item = json_type(args[0]) if args else {}
        return {"type": "array", "items": item} if item else {"type": "array"}
    if origin is dict:
        return {"type": "object"}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    return {}


def describe_docstring(func: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """(summary, {parameter: description}) from a Google-style docstring."""
    doc = inspect.getdoc(func) or ""
    summary_lines: list[str] = []
    params: dict[str, str] = {}
    section = "summary"
    current = ""
    for line in doc.splitlines():
        header = _SECTION.match(line)
        if header:
            section = "args" if header.group(1) in ("Args", "Arguments", "Parameters") else "other"
            continue
        if section == "summary":
            if not line.strip() and summary_lines:
                section = "body"
            elif line.strip():
                summary_lines.append(line.strip())
        elif section == "args":
            match = _ARG_LINE.match(line)
            if match and not line.startswith(" " * 8):
                current = match.group("name").lstrip("*")
                params[current] = match.group("text").strip()
            elif current and line.strip():
                params[current] = f"{params[current]} {line.strip()}".strip()
    return " ".join(summary_lines), params


def schema_for(func: Callable[..., Any]) -> tuple[str, dict[str, Any]]:
    """(description, parameters schema) for `func`; *args/**kwargs are not exposed to the model."""
    summary, described = describe_docstring(func)
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func)
    except (NameError, TypeError):
        hints = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        prop = dict(json_type(hints.get(name, Any)))
        if name in described:
            prop["description"] = described[name]
        if parameter.default is inspect.Parameter.empty:
            required.append(name)
        elif parameter.default is not None and isinstance(parameter.default, str | int | float | bool):
            prop["default"] = parameter.default
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return summary, schema
