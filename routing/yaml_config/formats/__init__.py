"""Foreign configuration formats, each translated into ours before the one validation and import layer.

A format module exposes `NAME`, `detect(data) -> bool` and `translate(data) -> (data, warnings)`. The first module
in FORMATS whose `detect` says yes translates the file; PraisonAI's shape is last because ours grew out of it, so
its translator also normalises files in our own format (it leaves our keys as they are).
"""

from __future__ import annotations

from importlib import import_module

from routing.yaml_config.issues import ConfigIssue

FORMATS: tuple[str, ...] = ("routing.yaml_config.formats.praisonai",)


def translate(data: dict) -> tuple[dict, list[ConfigIssue], str]:
    """Our format for `data`, the warnings the translation raised, and the name of the format it came in."""
    for dotted in FORMATS:
        module = import_module(dotted)
        if module.detect(data):
            translated, warnings = module.translate(data)
            return translated, warnings, module.NAME
    return data, [], "gateway"
