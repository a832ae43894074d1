"""Loading a level file, with every mistake answered at its line and column.

ruamel.yaml's round-trip loader keeps the position of every key and value; pydantic's
errors carry the key path; the two together give `PATH:LINE:COL: message` in a level
author's words. A Python syntax error inside task code points to the YAML line of that
code line, and `CodeBlock.line`/`col` let the runner do the same for errors at run time.
"""

from __future__ import annotations

import ast
import datetime
import difflib
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
)
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from scheduler_game.level.model import (
    GOAL_ERROR,
    GOAL_MODELS,
    RULES_ERROR,
    Level,
)

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32  # a level needs about 8; deep nesting is slow to parse and never meant

# --------------------------------------------------------------------- errors


@dataclass
class LevelError(Exception):
    """One problem, at its place in a file: 1-based line and column."""

    path: str
    line: int
    col: int
    message: str

    def __post_init__(self) -> None:
        super().__init__(self.format())

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class LevelErrors(Exception):
    """Every problem found in a file, sorted by line and column."""

    def __init__(self, errors: list[LevelError]) -> None:
        self.errors = sorted(_dedupe(errors), key=lambda e: (e.line, e.col))
        super().__init__("\n".join(e.format() for e in self.errors))


def _dedupe(errors: list[LevelError]) -> list[LevelError]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for e in errors:
        if (e.line, e.col, e.message) not in seen:
            seen.add((e.line, e.col, e.message))
            out.append(e)
    return out


# --------------------------------------------------------------------- results


BlockKind = Literal["setup", "code", "solution", "choice"]


@dataclass(frozen=True)
class CodeBlock:
    """A piece of Python in the level file, and where its text starts there.

    Snippet line k is file line `line + k - 1`; a character at snippet column c (0-based)
    of a `|` block is at file column `col + c` (0-based). So compiling
    `ast.increment_lineno(ast.parse(source), line - 1)` with the level's path as the
    file name gives tracebacks in the file's own line numbers.
    """

    source: str
    where: str  # "setup", "tasks[1].code", "tasks[1].solution", "tasks[2].choose[0].code"
    task: str | None
    kind: BlockKind
    label: str | None  # the choice's label, for kind "choice"
    path: str
    line: int  # 1-based file line of the snippet's line 1
    col: int  # 0-based file column where the snippet's text starts


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
        """Every piece of code, in file order: setup, then each task's."""
        return list(self.blocks.values())

    def block(self, where: str) -> CodeBlock:
        try:
            return self.blocks[where]
        except KeyError:
            raise KeyError(
                f"no code block {where!r}; there are: {', '.join(self.blocks)}"
            ) from None

    def position(self, *keys: str | int) -> tuple[int, int]:
        """1-based (line, col) of a key path like ("tasks", 0, "max_wait"), or of its
        nearest parent that is in the file."""
        return position(self.data, keys)


# --------------------------------------------------------------------- positions

_MISSING = object()


def _child(node: Any, key: Any) -> Any:
    """node[key] in the ruamel tree, or _MISSING. Keys compare as text, as the model sees them."""
    if isinstance(node, CommentedMap):
        if key in node:
            return node[key]
        for k in node:
            if _key_text(k) == key:
                return node[k]
    elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return _MISSING


def _real_key(node: CommentedMap, key: Any) -> Any:
    if key in node:
        return key
    return next(k for k in node if _key_text(k) == key)


def position(data: Any, keys: tuple[Any, ...]) -> tuple[int, int]:
    """1-based (line, col) of the key at this path, or of its nearest parent that exists."""
    node = data
    best = (1, 1)
    for key in keys:
        child = _child(node, key)
        if child is _MISSING:
            break
        if isinstance(node, CommentedMap):
            line, col = node.lc.key(_real_key(node, key))
        else:
            line, col = node.lc.item(key)
        best = (line + 1, col + 1)
        node = child
    return best


def value_position(data: Any, keys: tuple[Any, ...]) -> tuple[int, int] | None:
    """0-based (line, col) of the value at this path, or None if it is not in the file."""
    if not keys:
        return None
    node = data
    for key in keys[:-1]:
        node = _child(node, key)
        if node is _MISSING:
            return None
    last = keys[-1]
    value = _child(node, last)
    if value is _MISSING:
        return None
    if isinstance(node, CommentedMap):
        key = _real_key(node, last)
        # An empty value has no place of its own (ruamel gives the next token's).
        line, col = node.lc.key(key) if value is None else node.lc.value(key)
    else:
        line, col = node.lc.item(last)
    return line, col


# --------------------------------------------------------------------- YAML


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def _screen_events(text: str, path: str) -> None:
    """Refuse, before anything is built, what a level never needs and an attacker might:
    anchors and aliases (alias bombs), tags (custom types) and deep nesting."""
    depth = 0
    try:
        for event in _yaml().parse(io.StringIO(text)):
            if not isinstance(event, NodeEvent):
                continue
            mark = event.start_mark
            if isinstance(event, AliasEvent) or event.anchor:
                message = "anchors and aliases (& and *) are not allowed in level files"
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
                continue
            elif getattr(event, "tag", None):
                tag = str(event.tag).replace("tag:yaml.org,2002:", "!!")
                message = (
                    f"tags like {tag} are not allowed in level files: "
                    "write plain values (quote text that looks like a number)"
                )
            elif isinstance(event, CollectionStartEvent) and (depth := depth + 1) > MAX_DEPTH:
                message = f"nested more than {MAX_DEPTH} levels deep"
            else:
                continue
            raise LevelErrors([LevelError(path, mark.line + 1, mark.column + 1, message)])
    except MarkedYAMLError as err:
        raise LevelErrors([_yaml_error(err, path)]) from None


def _yaml_error(err: MarkedYAMLError, path: str) -> LevelError:
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (err.problem or "this is not valid YAML").strip()
    duplicate = re.match(r'found duplicate key "(.*?)"', problem)
    if duplicate:
        first = err.context_mark
        where = ""
        if first is not None:
            where = f" (this mapping starts at line {first.line + 1})"
        return LevelError(
            path, line, col, f"duplicate key {duplicate.group(1)!r}: each key once{where}"
        )
    problem = problem.replace("'<stream end>'", "the end of the file")
    context = ""
    if err.context:
        start = err.context_mark
        at = f" at line {start.line + 1}" if start and start.line + 1 != line else ""
        context = f" ({err.context.strip()}{at})"
    return LevelError(path, line, col, f"YAML syntax: {problem}{context}")


def _key_text(key: Any) -> Any:
    return key if isinstance(key, str) else _yaml_text(key)


def _yaml_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _plain(node: Any) -> Any:
    """The ruamel tree as plain Python: what the model validates."""
    if isinstance(node, CommentedMap):
        return {_key_text(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)  # ScalarBoolean is an int too, but YAML 1.2 bools come as bool
    if isinstance(node, float):
        return float(node)
    return node


# --------------------------------------------------------------------- messages

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


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool | None):
        return _yaml_text(value)
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
        child = _child(node, key)
        if child is _MISSING:
            if i == len(loc) - 1 and isinstance(node, CommentedMap):
                out.append(key)
            continue
        out.append(key)
        node = child
    return tuple(out)


def _pydantic_errors(data: Any, path: str, bad: ValidationError) -> list[LevelError]:
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
        text = f"{name} must be {_WHAT[kind]}, not {_shown(value)}"
        if kind == "int_type" and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            text += " (remove the quotes)"
        if kind == "string_type" and isinstance(value, int | float | bool | datetime.date):
            text += f" (put it in quotes: '{_shown(value)}')"
        return loc, text, False
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return loc, f"{name} must be {limit} or more, not {_shown(value)}", False
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        items = "one item" if least == 1 else f"{least} items"
        return loc, f"{name} needs at least {items}", False
    if kind == "string_too_short":
        return loc, f"{name} is empty: give it some text", False
    if kind == "literal_error":
        text = f"{name} must be one of {ctx['expected']}, not {_shown(value)}"
        return loc, text + _did_you_mean(value, re.findall(r"'([^']*)'", ctx["expected"])), False
    if kind == "string_pattern_mismatch":
        if name == "id":
            text = f"id must be lower-case letters, digits and dashes, not {_shown(value)}"
        else:
            text = (
                f"{name} must be a Python name (letters, digits and _, starting with a "
                f"letter), not {_shown(value)}"
            )
        return loc, text, False
    if kind == "invalid-json-value":
        return loc, f"args holds plain values only, not {_shown(value)}", False
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
        shown = "an empty mapping" if isinstance(value, dict) else _shown(value)
        text = f"a goal is a mapping with one key, like `- all_finish: true`, not {shown}"
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


# --------------------------------------------------------------------- code blocks


@dataclass(frozen=True)
class _Spot:
    where: str
    keys: tuple[Any, ...]
    kind: BlockKind
    task: str | None
    label: str | None


def _code_spots(data: Any) -> list[_Spot]:
    """Every piece of code in the file, found in the raw tree (so code is checked even
    when other keys are wrong)."""
    spots: list[_Spot] = []
    if isinstance(_child(data, "setup"), str):
        spots.append(_Spot("setup", ("setup",), "setup", None, None))
    tasks = _child(data, "tasks")
    if not isinstance(tasks, CommentedSeq):
        return spots
    for i, task in enumerate(tasks):
        if not isinstance(task, CommentedMap):
            continue
        name = _child(task, "name")
        name = name if isinstance(name, str) else None
        for key, kind in (("code", "code"), ("solution", "solution")):
            if isinstance(_child(task, key), str):
                spots.append(_Spot(f"tasks[{i}].{key}", ("tasks", i, key), kind, name, None))
        choices = _child(task, "choose")
        if not isinstance(choices, CommentedSeq):
            continue
        for j, choice in enumerate(choices):
            if isinstance(choice, CommentedMap) and isinstance(_child(choice, "code"), str):
                label = _child(choice, "label")
                spots.append(
                    _Spot(
                        f"tasks[{i}].choose[{j}].code",
                        ("tasks", i, "choose", j, "code"),
                        "choice",
                        name,
                        _key_text(label) if label is not _MISSING else None,
                    )
                )
    return spots


_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # as ruamel counts lines


def _block_start(data: Any, keys: tuple[Any, ...], lines: list[str]) -> tuple[int, int]:
    """The file line (1-based) and column (0-based) where a code value's text starts."""
    value = _child(data, keys[0])
    for key in keys[1:]:
        value = _child(value, key)
    line, col = value_position(data, keys) or (0, 0)
    if not isinstance(value, LiteralScalarString):
        quoted = line < len(lines) and lines[line][col : col + 1] in ("'", '"')
        return line + 1, col + (1 if quoted else 0)
    # A `|` block: its text starts on the line after the header, at the block's
    # indentation, which is what the file line has in front of the snippet line.
    first = line + 1
    for k, text in enumerate(str(value).split("\n")):
        if text.strip() and first + k < len(lines) and lines[first + k].endswith(text):
            return first + 1, len(lines[first + k]) - len(text)
    return first + 1, _indent(lines[line]) + 2 if line < len(lines) else 0


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _describe(spot: _Spot) -> str:
    task = f"task {spot.task}" if spot.task else "a task"
    return {
        "setup": "setup",
        "code": f"the code of {task}",
        "solution": f"the solution of {task}",
        "choice": f"choice {spot.label} of {task}",
    }[spot.kind]


def _check_code(data: Any, path: str, lines: list[str]) -> tuple[list[CodeBlock], list[LevelError]]:
    blocks: list[CodeBlock] = []
    errors: list[LevelError] = []
    for spot in _code_spots(data):
        value = _child(data, spot.keys[0])
        for key in spot.keys[1:]:
            value = _child(value, key)
        source = str(value)
        line, col = _block_start(data, spot.keys, lines)
        if isinstance(value, FoldedScalarString) or (
            not isinstance(value, LiteralScalarString) and "\n" in source.rstrip("\n")
        ):
            spot_line, spot_col = value_position(data, spot.keys) or (0, 0)
            errors.append(
                LevelError(
                    path,
                    spot_line + 1,
                    spot_col + 1,
                    f"write {_describe(spot)} as a `|` block: it keeps every line as written, "
                    "so line numbers match the file",
                )
            )
            continue
        blocks.append(
            CodeBlock(source, spot.where, spot.task, spot.kind, spot.label, path, line, col)
        )
        problem = syntax_problem(source)
        if problem is not None:
            (k, c), message = problem
            errors.append(
                LevelError(path, line + k - 1, col + c, f"{message} in {_describe(spot)}")
            )
    return blocks, errors


def syntax_problem(source: str) -> tuple[tuple[int, int], str] | None:
    """None if `source` parses, else ((line, col), message): 1-based, inside the source."""
    count = max(1, len(source.splitlines()))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings are the sandbox's to judge
            ast.parse(source)
    except SyntaxError as err:
        line = min(max(err.lineno or 1, 1), count)
        col = max(err.offset or 1, 1) if (err.lineno or 1) <= count else 1
        kind = "Python indentation" if isinstance(err, IndentationError) else "Python syntax"
        return (line, col), f"{kind}: {err.msg}"
    except (ValueError, RecursionError, MemoryError) as err:
        reason = "a NUL character" if isinstance(err, ValueError) else "nesting too deep"
        return (1, 1), f"Python code cannot hold {reason}"
    return None


# --------------------------------------------------------------------- loading


def _too_big(path: str, what: str) -> LevelErrors:
    return LevelErrors([LevelError(path, 1, 1, f"{what} may be {MAX_BYTES // 1024} KiB at most")])


def _read(path: Path, what: str) -> str:
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_big(where, what)
        return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except OSError as err:
        raise LevelErrors([LevelError(where, 1, 1, f"cannot read: {err.strerror}")]) from None
    except UnicodeDecodeError:
        raise LevelErrors([LevelError(where, 1, 1, f"{what} must be UTF-8 text")]) from None


def load_level(path: Path) -> LoadedLevel:
    """Load and check a level file. Raises LevelErrors with every problem found."""
    path = Path(path)
    return load_level_text(_read(path, "a level file"), str(path))


def load_level_text(text: str, path: str) -> LoadedLevel:
    """Load and check a level from its text; `path` is what errors name."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise _too_big(path, "a level file")
    _screen_events(text, path)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as err:
        raise LevelErrors([_yaml_error(err, path)]) from None
    except (YAMLError, RecursionError) as err:
        raise LevelErrors([LevelError(path, 1, 1, f"YAML: {err}")]) from None
    if not isinstance(data, CommentedMap):
        shown = "empty" if data is None else f"{_shown(_plain(data))}"
        raise LevelErrors(
            [
                LevelError(
                    path, 1, 1, f"a level file is a mapping of keys (id:, title:, ...), not {shown}"
                )
            ]
        )
    lines = _LINE_BREAK.split(text)
    blocks, errors = _check_code(data, path, lines)
    try:
        level = Level.model_validate(_plain(data))
    except ValidationError as bad:
        raise LevelErrors(errors + _pydantic_errors(data, path, bad)) from None
    if errors:
        raise LevelErrors(errors)
    return LoadedLevel(
        level=level, path=path, data=data, text=text, blocks={b.where: b for b in blocks}
    )


def load_solution(path: Path) -> SolutionFile:
    """A player's solution file: UTF-8 Python, checked for syntax at its own lines."""
    path = Path(path)
    where = str(path)
    source = _read(path, "a solution file")
    problem = syntax_problem(source)
    if problem is not None:
        (line, col), message = problem
        raise LevelErrors([LevelError(where, line, col, message)])
    return SolutionFile(source=source, path=where)
