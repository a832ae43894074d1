"""pydantic's validation errors in a level author's words, each at its line and column:
"unknown key 'max_tick': did you mean 'max_ticks'?", "max_ticks must be a whole number,
not 'ten' (remove the quotes)", "unknown goal 'finsh_by'", and the rules across fields."""

from __future__ import annotations

import datetime
import difflib
import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap

from scheduler_game.level.errors import LevelError
from scheduler_game.level.goals import GOAL_ERROR, GOAL_MODELS
from scheduler_game.level.model import RULES_ERROR, Level
from scheduler_game.level.positions import MISSING, child, position, value_position, yaml_text

_WHAT = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list ([a, b], or one `- item` a line)",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}

_GOALS = object()  # the goals' union, while walking the model by key path


def shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool | None):
        return yaml_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + "...'"


def _name(loc: tuple[Any, ...]) -> str:
    """How a message names the value: `max_ticks`, or `every item of concepts`."""
    keys = [k for k in loc if k != "[key]"]
    if not keys:
        return "the level"
    strs = [k for k in keys if isinstance(k, str)]
    name = strs[-1] if strs else "this item"
    return f"every item of {name}" if isinstance(keys[-1], int) else name


def _model_at(loc: tuple[Any, ...]) -> Any:
    """The model whose keys are allowed at this key path (list indexes skipped)."""
    node: Any = Level
    for key in loc:
        if isinstance(key, int):
            continue
        if node is _GOALS:
            goal = GOAL_MODELS.get(key)
            node = _field_model(goal, key) if goal else None
        elif isinstance(node, tuple):  # a dict's values
            node = node[1]
        elif isinstance(node, type) and issubclass(node, BaseModel):
            node = _GOALS if (node is Level and key == "goals") else _field_model(node, key)
        else:
            return None
        if node is None:
            return None
    return node


def _field_model(model: type[BaseModel], key: str) -> Any:
    info = model.model_fields.get(key)
    if info is None:
        return None
    annotation = info.annotation
    if get_origin(annotation) is dict:
        return ("dict", _inner_model(get_args(annotation)[1]))
    return _inner_model(annotation)


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _optional(loc: tuple[Any, ...]) -> bool:
    """Whether the key at this path may be left out."""
    model = _model_at(loc[:-1])
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    info = model.model_fields.get(loc[-1]) if loc and isinstance(loc[-1], str) else None
    return info is not None and not info.is_required()


def _allowed(loc: tuple[Any, ...]) -> list[str]:
    model = _model_at(loc)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _real_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """pydantic's error path without its union tags: the key path in the file.

    A goal's path is ("goals", 0, "max_wait", "max_wait", "task"): the second
    "max_wait" names the union member. Walking the file drops what is not there,
    except a last key missing from a mapping (a missing or misspelled key).
    """
    out: list[Any] = []
    node = data
    for i, key in enumerate(loc):
        if key == "[key]":
            out.append(key)
            break
        inner = child(node, key)
        if inner is MISSING:
            if i == len(loc) - 1 and isinstance(node, CommentedMap):
                out.append(key)
            continue
        out.append(key)
        node = inner
    return tuple(out)


def pydantic_errors(data: Any, path: str, bad: ValidationError) -> list[LevelError]:
    errors = []
    for err in bad.errors():
        loc = _real_loc(data, tuple(err["loc"]))
        if err["type"] == RULES_ERROR:
            for sub, message in err["ctx"]["problems"]:
                errors.append(LevelError(path, *position(data, loc + tuple(sub)), message))
            continue
        where, message, at_key = _message(data, loc, err)
        if at_key:
            line, col = position(data, where)
        else:
            spot = value_position(data, where)
            line, col = (spot[0] + 1, spot[1] + 1) if spot else position(data, where)
        errors.append(LevelError(path, line, col, message))
    return errors


def _message(data: Any, loc: tuple[Any, ...], err: Any) -> tuple[tuple[Any, ...], str, bool]:
    """(key path to point at, message, point at the key rather than the value)."""
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    name = _name(loc)
    if kind == "extra_forbidden":
        return loc, _unknown_key(loc), True
    if kind == "missing":
        where = " in this task" if loc[:1] == ("tasks",) and len(loc) == 3 else ""
        return loc[:-1], f"missing key {loc[-1]!r}{where}", True
    if kind == GOAL_ERROR:
        return _goal_message(data, loc, value)
    if loc[-1:] == ("[key]",):
        return (
            loc[:-1],
            f"{loc[-2]!r} cannot name a shared object: use a Python name (letters, digits "
            "and _, starting with a letter)",
            True,
        )
    if value is None and kind in _WHAT:
        text = f"{name} is empty: give it a value"
        return loc, text + (", or leave the key out" if _optional(loc) else ""), False
    if kind in _WHAT:
        text = f"{name} must be {_WHAT[kind]}, not {shown(value)}"
        if kind == "int_type" and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            text += " (remove the quotes)"
        if kind == "string_type" and isinstance(value, int | float | bool | datetime.date):
            text += f" (put it in quotes: '{shown(value)}')"
        return loc, text, False
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return loc, f"{name} must be {limit} or more, not {shown(value)}", False
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        items = "one item" if least == 1 else f"{least} items"
        return loc, f"{name} needs at least {items}", False
    if kind == "string_too_short":
        return loc, f"{name} is empty: give it some text", False
    if kind == "literal_error":
        text = f"{name} must be one of {ctx['expected']}, not {shown(value)}"
        return loc, text + _did_you_mean(value, re.findall(r"'([^']*)'", ctx["expected"])), False
    if kind == "string_pattern_mismatch":
        if name == "id":
            text = f"id must be lower-case letters, digits and dashes, not {shown(value)}"
        else:
            text = (
                f"{name} must be a Python name (letters, digits and _, starting with a "
                f"letter), not {shown(value)}"
            )
        return loc, text, False
    if kind == "invalid-json-value":
        return loc, f"args holds plain values only, not {shown(value)}", False
    return loc, f"{name}: {err['msg']}", False


def _did_you_mean(value: Any, choices: list[str]) -> str:
    close = difflib.get_close_matches(str(value).lower(), choices, n=1)
    return f": did you mean {close[0]!r}?" if close else ""


def _unknown_key(loc: tuple[Any, ...]) -> str:
    allowed = _allowed(loc[:-1])
    text = f"unknown key {loc[-1]!r}" + _did_you_mean(loc[-1], allowed)
    if allowed:
        text += f" (allowed here: {', '.join(allowed)})"
    return text


def _goal_message(data: Any, loc: tuple[Any, ...], value: Any) -> tuple[tuple[Any, ...], str, bool]:
    known = ", ".join(GOAL_MODELS)
    if not isinstance(value, dict) or not value:
        what = "an empty mapping" if isinstance(value, dict) else shown(value)
        text = f"a goal is a mapping with one key, like `- all_finish: true`, not {what}"
        return loc, f"{text}; the goals are: {known}", False
    unknown = [k for k in value if k not in GOAL_MODELS]
    if unknown:
        key = unknown[0]
        text = f"unknown goal {key!r}" + _did_you_mean(key, list(GOAL_MODELS))
        return (*loc, key), f"{text} (the goals are: {known})", True
    keys = list(value)
    return (
        (*loc, keys[1]),
        f"a goal has exactly one key, this one has {', '.join(keys)}: "
        "give each goal its own `- ` line",
        True,
    )
