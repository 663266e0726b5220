"""Reading YAML text into plain data, refusing duplicate keys (PyYAML would silently keep the last one)."""

from __future__ import annotations

import yaml

from routing.yaml_config.issues import ConfigError, ConfigIssue, join_path


def _find_duplicates(node: yaml.Node, path: tuple[str, ...], issues: list[ConfigIssue]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                issues.append(
                    ConfigIssue(
                        join_path(*path, key), f"duplicate key (line {line}; first defined on line {seen[key]})"
                    )
                )
            else:
                seen[key] = line
            _find_duplicates(value_node, (*path, key), issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _find_duplicates(item, (*path, f"[{index}]"), issues)


def load_yaml(text: str) -> dict:
    """Parse gateway.yaml text; syntax errors carry their line and column, duplicates their key path."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigIssue("", f"YAML syntax error at {where}{problem}")]) from exc
    if node is None:
        return {}
    issues: list[ConfigIssue] = []
    _find_duplicates(node, (), issues)
    if issues:
        raise ConfigError(issues)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue("", f"the top level must be a mapping of sections, got {type(data).__name__}")])
    return data
