"""Foreign configuration formats, each translated into ours before the one validation and import layer.

A format module exposes `NAME`, `detect(data) -> bool` and `translate(data) -> (data, warnings)`. The first module
in FORMATS whose `detect` says yes translates the file (or the one `forced` names); PraisonAI's shape is last because ours grew out of it, so
its translator also normalises files in our own format (it leaves our keys as they are).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module

from routing.yaml_config.issues import ConfigIssue

FORMATS: tuple[str, ...] = ("routing.yaml_config.formats.agentix", "routing.yaml_config.formats.praisonai")
NAMES = ("auto", "agentix", "praisonai")  # `import_gateway_yaml --format`

_forced: ContextVar[str] = ContextVar("forced_format", default="auto")


@contextmanager
def forced(name: str) -> Iterator[None]:
    """Within the block, translate() reads files as format `name` (the command's --format) instead of detecting."""
    token = _forced.set(name)
    try:
        yield
    finally:
        _forced.reset(token)


def translate(data: dict) -> tuple[dict, list[ConfigIssue], str]:
    """Our format for `data`, the warnings the translation raised, and the name of the format it came in."""
    name = _forced.get()
    if name != "auto":
        module = import_module(f"routing.yaml_config.formats.{name}")
        translated, warnings = module.translate(data)
        return translated, warnings, module.NAME
    for dotted in FORMATS:
        module = import_module(dotted)
        if module.detect(data):
            translated, warnings = module.translate(data)
            return translated, warnings, module.NAME
    return data, [], "gateway"
