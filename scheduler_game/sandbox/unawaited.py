"""Calls never awaited: a note at the player's own line for the commonest newcomer bug.

Two mistakes give no sign of their own, and the run just fails its goals:

- a trap called but neither awaited nor yielded (`pause()`, `sleep(3)`, `q.get()` on a
  line of its own) makes a trap object and throws it away: nothing happens;
- an `async def` function called without `await` (`sums.append(checksum(block))`) makes
  a coroutine that never runs. CPython warns when it is freed, into the child's stderr.

(And the generator style's own: a generator helper called without `yield from`.)

Each becomes a note on the variant (`VariantVerdict.notes`), at the player's file and
line: `cruncher.py:5: pause() was never awaited: ...`. How each is seen, at no cost to
code that does not make the mistake:

- Traps. A trap's life says nothing: `pause()` is one shared object, and so is each
  queue's `get()`, each event's `wait()`. So the compiler marks the statements that may
  throw a trap away, an expression statement that calls a trap's name (`pause`,
  `sleep`, `join`, `wait_for`), a trap's method name (`get`, `put`, `wait`, `acquire`)
  or a generator function of the level: `sleep(3)` becomes `__discarded__(sleep(3), 7)`,
  which notes site 7 if the value is indeed a trap (or a generator). Nothing else in the
  code changes: without such a statement it compiles as `compile_guarded` compiles it.
- Coroutines. When the level's code calls one of its `async def` functions other than
  right under `await`, each run is watched: the coroutines made remember their caller's
  file and line (`sys.set_coroutine_origin_tracking_depth(1)`), CPython's "never
  awaited" warnings (and its failures to warn, see `Unawaited.run`) are caught instead
  of printed, and `gc.collect()` at the end
  frees (and so warns about) every coroutine lost in a cycle before the notes are
  taken. Otherwise nothing is watched, and nothing is paid.

Notes are deduplicated (one per line and mistake), sorted by file (in the level's
order) and line, and at most MAX_NOTES and a line that counts the rest: the same code
gives the same notes.
"""

from __future__ import annotations

import ast
import gc
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from inspect import CORO_CREATED, getcoroutinestate
from types import CodeType, CoroutineType, GeneratorType
from typing import Any

from scheduler_game.engine.aiofuture import AsyncOp
from scheduler_game.engine.traps import Trap
from scheduler_game.engine.waitfor import WaitFor
from scheduler_game.sandbox.guard import compile_guarded

DISCARDED = "__discarded__"  # task code cannot name it: the rules refuse `_` names
TRAP_FUNCTIONS = frozenset({"pause", "sleep", "join", "wait_for"})
TRAP_METHODS = frozenset({"get", "put", "wait", "acquire"})
MAX_NOTES = 5
MAX_TEXT = 40  # characters of the player's call quoted in a note
NEVER_AWAITED = r"coroutine '.*' was never awaited"
_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class Site:
    """A marked statement: where it is, its call in the player's words, and how the
    function it is in gives the CPU up ("await", or "yield" in a generator)."""

    path: str
    line: int
    text: str
    verb: str


@dataclass
class Program:
    """What marking a level's snippets found, in their order."""

    sites: list[Site] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    generators: set[str] = field(default_factory=set)  # the level's generator functions
    coroutines: set[str] = field(default_factory=set)  # its async def functions
    called: set[str] = field(default_factory=set)  # names called, other than under await

    @property
    def may_drop_coroutines(self) -> bool:
        return not self.coroutines.isdisjoint(self.called)


def compile_marked(
    source: str,
    filename: str,
    first_line: int,
    counter: str,
    *,
    exact: bool,
    program: Program,
) -> CodeType:
    """`guard.compile_guarded`, with the statements that may throw a trap away marked
    (see the module's doc) and what was found added to `program`."""

    def mark(tree: ast.Module, offset: int) -> None:
        _Marker(program, source, filename, offset).mark(tree)

    return compile_guarded(source, filename, first_line, counter, exact=exact, transform=mark)


def _yields(function: ast.FunctionDef) -> bool:
    """Whether a `def` is a generator function: a yield in its own body."""
    todo: list[ast.AST] = list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, _OWN_SCOPES):
            todo.extend(ast.iter_child_nodes(node))
    return False


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


class _Marker(ast.NodeTransformer):
    def __init__(self, program: Program, source: str, path: str, offset: int) -> None:
        self.program = program
        self.source = source
        self.path = path
        self.offset = offset
        self.verb = "await"

    def mark(self, tree: ast.Module) -> None:
        program = self.program
        if self.path not in program.paths:
            program.paths.append(self.path)
        awaited = set()
        for node in ast.walk(tree):  # first the names: a function may be called above its def
            if isinstance(node, ast.AsyncFunctionDef):
                program.coroutines.add(node.name)
            elif isinstance(node, ast.FunctionDef) and _yields(node):
                program.generators.add(node.name)
            elif isinstance(node, ast.Await):
                awaited.add(id(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and id(node) not in awaited:
                name = _callee(node.func)
                if name is not None:
                    program.called.add(name)
        self.visit(tree)

    def _function(self, node: ast.AST, verb: str) -> ast.AST:
        outer, self.verb = self.verb, verb
        self.generic_visit(node)
        self.verb = outer
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._function(node, "yield" if _yields(node) else "await")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node, "await")

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        call = node.value
        if not isinstance(call, ast.Call):
            return node
        name = _callee(call.func)
        traps = TRAP_FUNCTIONS if isinstance(call.func, ast.Name) else TRAP_METHODS
        if name is None or (name not in traps and name not in self.program.generators):
            return node
        site = len(self.program.sites)
        line = call.lineno + self.offset
        self.program.sites.append(Site(self.path, line, self._text(call, name), self.verb))
        mark = ast.Call(ast.Name(DISCARDED, ast.Load()), [call, ast.Constant(site)], [])
        for new in (mark, mark.func, mark.args[1]):
            ast.copy_location(new, call)
        node.value = mark
        return node

    def _text(self, call: ast.Call, name: str) -> str:
        text = ast.get_source_segment(self.source, call)
        if text is None or "\n" in text or len(text) > MAX_TEXT:
            func = ast.get_source_segment(self.source, call.func) or name
            if "\n" in func or len(func) > MAX_TEXT - 5:
                func = name
            text = f"{func}(...)" if call.args or call.keywords else f"{func}()"
        return text


class Unawaited:
    """One run's watch: the marked statements that threw a trap (or a generator) away,
    and the coroutines never awaited. `discarded` is the run's `__discarded__`; `run()`
    goes around the run; `notes()` says what was seen."""

    def __init__(self, program: Program | None = None) -> None:
        self.program = program if program is not None else Program()
        self.thrown: dict[int, str] = {}  # site -> "trap" or "generator"
        self.coroutines: set[tuple[str, int, str]] = set()  # path, line, function

    def discarded(self, value: Any, site: int) -> None:
        """The value of a marked statement, which the statement throws away."""
        if isinstance(value, (Trap, AsyncOp)) or type(value) is WaitFor:
            self.thrown[site] = "trap"
        elif type(value) is GeneratorType:
            self.thrown[site] = "generator"

    @contextmanager
    def run(self) -> Iterator[None]:
        """Around one run (and whatever ends it): watch the coroutines, if need be.

        A coroutine never awaited warns as it is freed; but when it is freed in task
        code's frame, whose builtins have no `__import__`, CPython cannot even import
        `warnings` to warn, and reports that failure to `sys.unraisablehook` instead.
        Either way, the coroutine itself is at hand, and knows its caller's line."""
        if not self.program.may_drop_coroutines:
            yield
            return
        depth = sys.get_coroutine_origin_tracking_depth()
        hook = sys.unraisablehook

        def unraisable(args: Any) -> None:
            if not self._lost(args.object):
                hook(args)

        others: list[warnings.WarningMessage] = []
        with warnings.catch_warnings(record=True) as log:
            warnings.filterwarnings("always", NEVER_AWAITED, RuntimeWarning)
            sys.set_coroutine_origin_tracking_depth(1)
            sys.unraisablehook = unraisable
            try:
                yield
            finally:
                # A warning holds its coroutine, and through it the run's globals: let
                # them go first, so that the collector frees (and so warns about) every
                # coroutine lost in a cycle now, not in some later run.
                self._take(log, others)
                gc.collect()
                self._take(log, others)
                sys.unraisablehook = hook
                sys.set_coroutine_origin_tracking_depth(depth)
        for w in others:  # any other warning goes where it went before
            warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)

    def _take(self, log: list[warnings.WarningMessage], others: list[Any]) -> None:
        others += [w for w in log if w.category is not RuntimeWarning or not self._lost(w.source)]
        log.clear()

    def _lost(self, coroutine: Any) -> bool:
        """Whether `coroutine` is one never started; if the level's code made it, noted."""
        if type(coroutine) is not CoroutineType or getcoroutinestate(coroutine) != CORO_CREATED:
            return False
        origin = coroutine.cr_origin
        if origin and origin[0][0] in self.program.paths:  # else the engine made it
            self.coroutines.add((origin[0][0], origin[0][1], coroutine.__name__))
        return True

    def notes(self) -> list[str]:
        found: dict[tuple[int, int, str], str] = {}

        def note(path: str, line: int, text: str) -> None:
            found[(self.program.paths.index(path), line, text)] = f"{path}:{line}: {text}"

        for index, what in self.thrown.items():
            site = self.program.sites[index]
            note(site.path, site.line, _thrown_note(site, what))
        for path, line, name in self.coroutines:
            note(
                path,
                line,
                f"coroutine {name}() was never awaited: calling an async def function "
                "only makes a coroutine; await it",
            )
        notes = [found[key] for key in sorted(found)]
        if len(notes) > MAX_NOTES:
            more = len(notes) - MAX_NOTES
            notes = [*notes[:MAX_NOTES], f"... and {more} more calls never awaited"]
        return notes


def _thrown_note(site: Site, what: str) -> str:
    text, verb = site.text, site.verb
    if what == "trap":
        done = "awaited" if verb == "await" else "yielded"
        return f"{text} was never {done}: without {verb} it does nothing (write {verb} {text})"
    fix = f"yield from {text}" if verb == "yield" else f"make it an async def, and await {text}"
    return f"{text} never ran: calling a generator function only makes a generator (write {fix})"
