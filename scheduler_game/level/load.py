"""Loading a level file, with every mistake answered at its line and column.

ruamel.yaml's round-trip loader keeps the position of every key and value; pydantic's
errors carry the key path; the two together give `PATH:LINE:COL: message` in a level
author's words. A Python syntax error inside task code points to the YAML line of that
code line.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from scheduler_game.level.model import GOAL_MODELS, Level, cross_check

MAX_BYTES = 256 * 1024


@dataclass
class LevelError(Exception):
    path: str
    line: int
    col: int
    message: str

    def __post_init__(self) -> None:
        super().__init__(self.format())

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class LevelErrors(Exception):
    def __init__(self, errors: list[LevelError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.line, e.col))
        super().__init__("\n".join(e.format() for e in self.errors))


@dataclass(frozen=True)
class CodeBlock:
    source: str
    where: str  # "setup", "tasks[1].code", "tasks[2].choose[0].code", ...
    task: str | None
    kind: Literal["setup", "code", "solution", "choice"]
    label: str | None
    path: str
    line: int  # the file line of the snippet's line 1
    col: int  # the 0-based column where the snippet's text starts


@dataclass(frozen=True)
class SolutionFile:
    source: str
    path: str


@dataclass
class LoadedLevel:
    level: Level
    path: str
    data: Any = field(repr=False)  # the ruamel tree, for positions
    text: str = field(repr=False)
    blocks: dict[str, CodeBlock] = field(default_factory=dict, repr=False)

    def code_blocks(self) -> list[CodeBlock]:
        return list(self.blocks.values())

    def block(self, where: str) -> CodeBlock:
        return self.blocks[where]

    def position(self, *keys: Any) -> tuple[int, int]:
        return position(self.data, keys)


# --------------------------------------------------------------------- positions


def position(data: Any, keys: tuple[Any, ...]) -> tuple[int, int]:
    """1-based (line, col) of the key path, or of its nearest parent that exists."""
    node = data
    best = (1, 1)
    for key in keys:
        if isinstance(node, CommentedMap) and key in node:
            line, col = node.lc.key(key)
            best = (line + 1, col + 1)
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line, col = node.lc.item(key)
            best = (line + 1, col + 1)
            node = node[key]
        else:
            break
    return best


def _value_position(data: Any, keys: tuple[Any, ...]) -> tuple[int, int]:
    *parents, last = keys
    node = data
    for key in parents:
        node = node[key]
    if isinstance(node, CommentedMap):
        line, col = node.lc.value(last)
    else:
        line, col = node.lc.item(last)
    return line, col  # 0-based


def _code_start(data: Any, keys: tuple[Any, ...], lines: list[str]) -> tuple[int, int]:
    """The file line (1-based) and column (0-based) where a code value's text starts."""
    *parents, last = keys
    node = data
    for key in parents:
        node = node[key]
    value = node[last]
    line, col = _value_position(data, keys)
    if isinstance(value, LiteralScalarString | FoldedScalarString):
        first = line + 1  # the text starts on the line after `|`
        indent = None
        header = lines[line][col:] if line < len(lines) else ""
        explicit = re.match(r"[|>][+-]?(\d)|[|>]\d", header)
        for text in lines[first:]:
            if text.strip():
                indent = len(text) - len(text.lstrip(" "))
                break
        if explicit and indent is not None:
            digit = int(re.findall(r"\d", header.split()[0])[0])
            parent_indent = len(lines[line]) - len(lines[line].lstrip(" "))
            indent = parent_indent + digit
        return first + 1, indent or 0
    quote = 1 if line < len(lines) and lines[line][col : col + 1] in ("'", '"') else 0
    return line + 1, col + quote


# --------------------------------------------------------------------- messages

_WHAT = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}


def _name(loc: tuple[Any, ...]) -> str:
    for key in reversed(loc):
        if isinstance(key, str):
            return key
    return "this item"


def _shown(value: Any) -> str:
    text = repr(value)
    if isinstance(value, CommentedMap | dict):
        return "a mapping"
    if isinstance(value, CommentedSeq | list):
        return "a list"
    return text if len(text) <= 40 else text[:37] + "..."


def _allowed_keys(model_loc: tuple[Any, ...]) -> list[str]:
    from pydantic import BaseModel

    model: Any = Level
    for key in model_loc:
        if isinstance(key, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            if key in GOAL_MODELS and model is Level:
                continue
            fld = model.model_fields.get(key)
            if fld is None:
                if key in GOAL_MODELS:
                    model = GOAL_MODELS[key]
                    continue
                return []
            model = _inner_model(fld.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _message(err: dict[str, Any]) -> tuple[tuple[Any, ...], str, bool]:
    """(key path, message, point at the key rather than the value)."""
    kind = err["type"]
    loc = tuple(k for k in err["loc"] if k not in _TAGS)
    name = _name(loc) if loc else "the level"
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        text = f"unknown key {loc[-1]!r}"
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        if close:
            text += f": did you mean {close[0]!r}?"
        if allowed:
            text += f" (allowed here: {', '.join(allowed)})"
        return loc, text, True
    if kind == "missing":
        return loc[:-1], f"missing key {loc[-1]!r}", True
    if kind in _WHAT:
        return loc, f"{name} must be {_WHAT[kind]}, not {_shown(value)}", False
    if kind in ("greater_than_equal", "greater_than"):
        limit = err.get("ctx", {}).get("ge", err.get("ctx", {}).get("gt"))
        return loc, f"{name} must be {limit} or more, not {_shown(value)}", False
    if kind == "too_short":
        return loc, f"{name} needs at least one item", False
    if kind == "literal_error":
        return loc, f"{name} must be one of {err['ctx']['expected']}, not {_shown(value)}", False
    if kind == "string_pattern_mismatch":
        if name == "id":
            return (
                loc,
                f"id must be lower-case letters, digits and dashes, not {_shown(value)}",
                False,
            )
        return loc, f"{name} must be a Python name (letters, digits, _), not {_shown(value)}", False
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        keys = ", ".join(GOAL_MODELS)
        if isinstance(value, dict) and value:
            return loc, f"unknown goal {next(iter(value))!r}; the goals are: {keys}", False
        return loc, f"a goal is a mapping with one of: {keys}", False
    return loc, f"{name}: {err['msg']}", False


_TAGS = set(GOAL_MODELS) | {"function-after", "function-before"}


def _locate(data: Any, path: str, loc: tuple[Any, ...], at_key: bool) -> tuple[int, int]:
    if not loc:
        return 1, 1
    if not at_key:
        try:
            line, col = _value_position(data, loc)
            return line + 1, col + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    return position(data, loc)


# --------------------------------------------------------------------- loading


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _refuse_aliases(text: str, path: str) -> None:
    """Anchors and aliases are refused before anything is built: no alias bombs."""
    try:
        for event in _yaml().parse(io.StringIO(text)):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, AliasEvent) or (
                isinstance(event, CollectionStartEvent | ScalarEvent) and anchor
            ):
                mark = event.start_mark
                raise LevelErrors(
                    [
                        LevelError(
                            path,
                            mark.line + 1,
                            mark.column + 1,
                            "anchors and aliases (& and *) are not allowed in level files",
                        )
                    ]
                )
    except MarkedYAMLError as err:
        raise LevelErrors([_yaml_error(err, path)]) from None


def _yaml_error(err: MarkedYAMLError, path: str) -> LevelError:
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = err.problem or "not valid YAML"
    if "found duplicate key" in str(err) or "duplicate key" in (problem or ""):
        problem = f"duplicate key: {problem}"
    context = f" ({err.context})" if err.context else ""
    return LevelError(path, line, col, f"YAML: {problem}{context}")


def load_level(path: Path) -> LoadedLevel:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise LevelErrors([LevelError(str(path), 1, 1, f"cannot read: {err.strerror}")]) from None
    if size > MAX_BYTES:
        raise LevelErrors(
            [LevelError(str(path), 1, 1, f"a level file may be {MAX_BYTES // 1024} KiB at most")]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LevelErrors([LevelError(str(path), 1, 1, "not UTF-8 text")]) from None
    return load_level_text(text, str(path))


def load_level_text(text: str, path: str) -> LoadedLevel:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise LevelErrors(
            [LevelError(path, 1, 1, f"a level file may be {MAX_BYTES // 1024} KiB at most")]
        )
    _refuse_aliases(text, path)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as err:
        raise LevelErrors([_yaml_error(err, path)]) from None
    except YAMLError as err:
        raise LevelErrors([LevelError(path, 1, 1, f"YAML: {err}")]) from None
    if not isinstance(data, CommentedMap):
        raise LevelErrors(
            [LevelError(path, 1, 1, "a level file is a mapping of keys (id:, title:, ...)")]
        )
    try:
        level = Level.model_validate(_plain(data))
    except ValidationError as bad:
        errors = []
        for err in bad.errors():
            loc, message, at_key = _message(err)
            line, col = _locate(data, path, loc, at_key)
            errors.append(LevelError(path, line, col, message))
        raise LevelErrors(_dedupe(errors)) from None
    errors = [
        LevelError(path, *position(data, loc), message) for loc, message in cross_check(level)
    ]
    loaded = LoadedLevel(level=level, path=path, data=data, text=text)
    lines = text.splitlines()
    errors.extend(_gather_blocks(loaded, lines))
    if errors:
        raise LevelErrors(errors)
    return loaded


def _dedupe(errors: list[LevelError]) -> list[LevelError]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for e in errors:
        if (e.line, e.col, e.message) not in seen:
            seen.add((e.line, e.col, e.message))
            out.append(e)
    return out


def _plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k) if not isinstance(k, int | bool) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _gather_blocks(loaded: LoadedLevel, lines: list[str]) -> list[LevelError]:
    level, data, path = loaded.level, loaded.data, loaded.path
    wanted: list[tuple[str, tuple[Any, ...], str, Any, str | None, str | None]] = []
    if level.setup:
        wanted.append(("setup", ("setup",), level.setup, "setup", None, None))
    for i, task in enumerate(level.tasks):
        if task.code is not None:
            wanted.append(
                (f"tasks[{i}].code", ("tasks", i, "code"), task.code, "code", task.name, None)
            )
        if task.solution:
            wanted.append(
                (
                    f"tasks[{i}].solution",
                    ("tasks", i, "solution"),
                    task.solution,
                    "solution",
                    task.name,
                    None,
                )
            )
        for j, choice in enumerate(task.choose or []):
            wanted.append(
                (
                    f"tasks[{i}].choose[{j}].code",
                    ("tasks", i, "choose", j, "code"),
                    choice.code,
                    "choice",
                    task.name,
                    choice.label,
                )
            )
    errors = []
    for where, keys, source, kind, task_name, label in wanted:
        line, col = _code_start(data, keys, lines)
        block = CodeBlock(source, where, task_name, kind, label, path, line, col)
        loaded.blocks[where] = block
        try:
            ast.parse(source)
        except SyntaxError as err:
            eline = err.lineno or 1
            ecol = err.offset or 1
            errors.append(
                LevelError(path, line + eline - 1, col + ecol, f"Python syntax: {err.msg}")
            )
    return errors


def load_solution(path: Path) -> SolutionFile:
    path = Path(path)
    where = str(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise LevelErrors([LevelError(where, 1, 1, f"cannot read: {err.strerror}")]) from None
    if size > MAX_BYTES:
        raise LevelErrors(
            [LevelError(where, 1, 1, f"a solution file may be {MAX_BYTES // 1024} KiB at most")]
        )
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LevelErrors([LevelError(where, 1, 1, "not UTF-8 text")]) from None
    try:
        ast.parse(source)
    except SyntaxError as err:
        raise LevelErrors(
            [LevelError(where, err.lineno or 1, err.offset or 1, f"Python syntax: {err.msg}")]
        ) from None
    return SolutionFile(source=source, path=where)
