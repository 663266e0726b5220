"""Reading YAML text into plain data, refusing what plain configuration never needs.

Duplicate keys are errors (PyYAML would silently keep the last one). Untrusted text reaches this loader through
the API, the admin import page and the CLI, so it is bounded before any work that grows with it: the size of the
text, the nesting depth (checked on the event stream, before the recursive composer runs), the number of values
once aliases are expanded (a 380-byte alias bomb expands to billions), and the tags (`!!python/...` and other
non-data tags are refused with their key path instead of failing deep inside the constructor).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from routing.yaml_config.issues import ConfigError, ConfigIssue, join_path

MAX_BYTES = 1024 * 1024  # a large real gateway.yaml is a few tens of kilobytes
MAX_DEPTH = 64  # our deepest key path is about 8 levels; foreign formats stay well under this
MAX_VALUES = 50_000  # values once aliases are expanded; anchors for shared defaults stay far below

# The depth scan uses libyaml when present: linear in nesting depth where the pure-Python scanner is quadratic
# (5,000 levels: 2 ms against 15 s). Composing stays pure Python for its clearer syntax-error messages.
SCANNER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LOADER = yaml.SafeLoader

# The tags SafeLoader builds into plain data; anything else (python/*, local `!Tag`s) is not configuration.
DATA_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("null", "bool", "int", "float", "str", "binary", "timestamp", "seq", "map", "omap", "pairs", "set")
}


@dataclass
class _Frame:
    """One open mapping or sequence while scanning the event stream: enough to name the current key path."""

    is_map: bool
    key: str = ""
    expect_key: bool = True
    index: int = -1

    def label(self) -> str:
        return self.key if self.is_map else f"[{self.index}]"


@dataclass
class _Walk:
    issues: list[ConfigIssue] = field(default_factory=list)
    visited: int = 0


def _short(path: tuple[str, ...]) -> str:
    """A key path, its middle elided when it is absurdly long."""
    if len(path) <= 12:
        return join_path(*path)
    return join_path(*path[:6], "…", *path[-4:])


def _events_until_too_deep(text: str):  # noqa: ANN202 - a generator of yaml events
    """The event stream, stopped as soon as it opens more than MAX_DEPTH containers (one past is enough to report)."""
    depth = 0
    for event in yaml.parse(text, Loader=SCANNER):
        yield event
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, naming the key path where it happens, before composing any node."""
    stack: list[_Frame] = []
    try:
        events = list(_events_until_too_deep(text))
    except yaml.YAMLError:
        return  # a syntax error before any excess depth: the composer reports it in its own words
    for event in events:
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        if stack:
            top = stack[-1]
            if top.is_map and top.expect_key:
                top.key = str(event.value) if isinstance(event, yaml.ScalarEvent) else "?"
            elif not top.is_map:
                top.index += 1
            if top.is_map:
                top.expect_key = not top.expect_key
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(stack) >= MAX_DEPTH:
                path = _short(tuple(frame.label() for frame in stack))
                raise ConfigError([ConfigIssue(path, f"nested more than {MAX_DEPTH} levels deep")])
            stack.append(_Frame(is_map=isinstance(event, yaml.MappingStartEvent)))


def _walk(node: yaml.Node, path: tuple[str, ...], walk: _Walk) -> None:
    """Check tags and duplicate keys, visiting aliased nodes each time they are used but never more than MAX_VALUES."""
    walk.visited += 1
    if len(path) > MAX_DEPTH:  # an alias can nest a node inside itself
        raise ConfigError([ConfigIssue(_short(path), f"nested more than {MAX_DEPTH} levels deep (through aliases)")])
    if walk.visited > MAX_VALUES:
        raise ConfigError(
            [ConfigIssue(_short(path), f"more than {MAX_VALUES} values once aliases are expanded (alias bomb?)")]
        )
    if node.tag not in DATA_TAGS and node.tag != "tag:yaml.org,2002:merge":
        walk.issues.append(ConfigIssue(join_path(*path), f"unsupported YAML tag {node.tag!r}: only plain data"))
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                walk.issues.append(
                    ConfigIssue(
                        join_path(*path, key), f"duplicate key (line {line}; first defined on line {seen[key]})"
                    )
                )
            else:
                seen[key] = line
            _walk(key_node, (*path, key), walk)
            _walk(value_node, (*path, key), walk)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, f"[{index}]"), walk)


def _syntax_error(exc: yaml.YAMLError) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return ConfigError([ConfigIssue("", f"YAML syntax error at {where}{problem}")])


def load_yaml(text: str) -> dict:
    """Parse gateway.yaml text; syntax errors carry their line and column, every other refusal its key path."""
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        raise ConfigError([ConfigIssue("", f"the file is {size} bytes; the limit is {MAX_BYTES}")])
    try:
        _check_depth(text)
        node = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc) from exc
    if node is None:
        return {}
    walk = _Walk()
    _walk(node, (), walk)
    if walk.issues:
        raise ConfigError(walk.issues)
    try:
        data = yaml.load(text, Loader=LOADER)  # noqa: S506 - a SafeLoader, and every tag was checked above
    except yaml.YAMLError as exc:
        raise _syntax_error(exc) from exc
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue("", f"the top level must be a mapping of sections, got {type(data).__name__}")])
    return data
