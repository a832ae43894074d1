"""Loading a level file, with every mistake answered at its line and column.

ruamel.yaml's round-trip loader keeps the position of every key and value; pydantic's
errors carry the key path; the two together give `PATH:LINE:COL: message` in a level
author's words. A Python syntax error inside task code points to the YAML line of that
code line, and `CodeBlock.line`/`col` let the runner do the same for errors at run time.
"""

from __future__ import annotations

import ast
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
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

from scheduler_game.level.errors import LevelError, LevelErrors
from scheduler_game.level.messages import pydantic_errors, shown
from scheduler_game.level.model import Level
from scheduler_game.level.positions import (
    MISSING,
    child,
    key_text,
    position,
    value_position,
)

__all__ = [
    "CodeBlock",
    "LevelError",
    "LevelErrors",
    "LoadedLevel",
    "SolutionFile",
    "load_level",
    "load_level_text",
    "load_solution",
    "position",
    "syntax_problem",
    "value_position",
]

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32  # a level needs about 8; deep nesting is slow to parse and never meant

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
            if isinstance(event, CollectionEndEvent):  # not a NodeEvent: look first
                depth -= 1
                continue
            if not isinstance(event, NodeEvent):
                continue
            mark = event.start_mark
            if isinstance(event, AliasEvent) or event.anchor:
                message = "anchors and aliases (& and *) are not allowed in level files"
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


def _plain(node: Any) -> Any:
    """The ruamel tree as plain Python: what the model validates."""
    if isinstance(node, CommentedMap):
        return {key_text(k): _plain(v) for k, v in node.items()}
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
    if isinstance(child(data, "setup"), str):
        spots.append(_Spot("setup", ("setup",), "setup", None, None))
    tasks = child(data, "tasks")
    if not isinstance(tasks, CommentedSeq):
        return spots
    for i, task in enumerate(tasks):
        if not isinstance(task, CommentedMap):
            continue
        name = child(task, "name")
        name = name if isinstance(name, str) else None
        for key, kind in (("code", "code"), ("solution", "solution")):
            if isinstance(child(task, key), str):
                spots.append(_Spot(f"tasks[{i}].{key}", ("tasks", i, key), kind, name, None))
        choices = child(task, "choose")
        if not isinstance(choices, CommentedSeq):
            continue
        for j, choice in enumerate(choices):
            if isinstance(choice, CommentedMap) and isinstance(child(choice, "code"), str):
                label = child(choice, "label")
                spots.append(
                    _Spot(
                        f"tasks[{i}].choose[{j}].code",
                        ("tasks", i, "choose", j, "code"),
                        "choice",
                        name,
                        key_text(label) if label is not MISSING else None,
                    )
                )
    return spots


_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # as ruamel counts lines


def _block_start(data: Any, keys: tuple[Any, ...], lines: list[str]) -> tuple[int, int]:
    """The file line (1-based) and column (0-based) where a code value's text starts."""
    value = child(data, keys[0])
    for key in keys[1:]:
        value = child(value, key)
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
        value = child(data, spot.keys[0])
        for key in spot.keys[1:]:
            value = child(value, key)
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
        what = "empty" if data is None else f"{shown(_plain(data))}"
        raise LevelErrors(
            [
                LevelError(
                    path, 1, 1, f"a level file is a mapping of keys (id:, title:, ...), not {what}"
                )
            ]
        )
    lines = _LINE_BREAK.split(text)
    blocks, errors = _check_code(data, path, lines)
    try:
        level = Level.model_validate(_plain(data))
    except ValidationError as bad:
        raise LevelErrors(errors + pydantic_errors(data, path, bad)) from None
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
