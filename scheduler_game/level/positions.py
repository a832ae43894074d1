"""Where a key or value is in a level file: ruamel.yaml's round-trip tree keeps the line
and column of each, and a key path like ("tasks", 0, "max_wait") finds them."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

MISSING = object()


def child(node: Any, key: Any) -> Any:
    """node[key] in the ruamel tree, or MISSING. Keys compare as text, as the model sees them."""
    if isinstance(node, CommentedMap):
        if key in node:
            return node[key]
        for k in node:
            if key_text(k) == key:
                return node[k]
    elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return MISSING


def real_key(node: CommentedMap, key: Any) -> Any:
    if key in node:
        return key
    return next(k for k in node if key_text(k) == key)


def position(data: Any, keys: tuple[Any, ...]) -> tuple[int, int]:
    """1-based (line, col) of the key at this path, or of its nearest parent that exists."""
    node = data
    best = (1, 1)
    for key in keys:
        inner = child(node, key)
        if inner is MISSING:
            break
        if isinstance(node, CommentedMap):
            line, col = node.lc.key(real_key(node, key))
        else:
            line, col = node.lc.item(key)
        best = (line + 1, col + 1)
        node = inner
    return best


def value_position(data: Any, keys: tuple[Any, ...]) -> tuple[int, int] | None:
    """0-based (line, col) of the value at this path, or None if it is not in the file."""
    if not keys:
        return None
    node = data
    for key in keys[:-1]:
        node = child(node, key)
        if node is MISSING:
            return None
    last = keys[-1]
    value = child(node, last)
    if value is MISSING:
        return None
    if isinstance(node, CommentedMap):
        key = real_key(node, last)
        # An empty value has no place of its own (ruamel gives the next token's).
        line, col = node.lc.key(key) if value is None else node.lc.value(key)
    else:
        line, col = node.lc.item(last)
    return line, col


def key_text(key: Any) -> Any:
    return key if isinstance(key, str) else yaml_text(key)


def yaml_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
