"""Problems found in a configuration, each tied to the key path it is about."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigIssue:
    """One problem (error) or caveat (warning) at a key path such as `channels.telegram-vip.routing.default`."""

    path: str
    message: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(Exception):
    """The configuration cannot be applied; nothing was written."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' hint for a misspelt key or name, or ''."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def join_path(base: object, *keys: object) -> str:
    """`base` (already a path) plus keys; a key containing a dot is quoted so the path stays unambiguous."""
    rendered = [str(base)] if base else []
    for key in keys:
        text = str(key)
        rendered.append(f"'{text}'" if "." in text else text)
    return ".".join(rendered)
