"""The runaway guard: task code counts its own lines, and cannot stop counting.

GAME.md §2: a slice that runs more than `runaway_lines` lines without giving up the CPU
has hung the machine. `sys.settrace` cannot be that guard (the code it traces can remove
it, and outlast it with try/finally), so the count is compiled into the code itself:
`insert_line_counter` inserts calls of the counter (`__lines__(N, LINE)`, the engine's
`Kernel.count`), which charge N statements to the running slice. The same count pays
for the lines when a level sets `line_cost` (each charged line burns that many ticks),
so there are two modes.

The default mode (`exact=False`, used when `line_cost` is 0) is the cheapest guard that
stops every endless loop. It counts wherever Python code can go round again:

- at the top of every loop body (`for`, `async for`, `while`), charging the statements
  of one turn of the body (`statement_count`: every branch of an `if`, every handler);
- at the start of every function, async function and lambda body, so recursion and
  callbacks are counted too, charging the whole body;
- into every clause of every comprehension and generator expression (1 per item).

So it charges lines that may never run (the branch not taken, the lines after an early
`return`), and lines after an `await` in the slice before it: fine for a budget of
100,000, wrong for a clock.

The exact mode (`exact=True`, used when `line_cost` > 0) charges every statement that
runs once, in the slice in which it starts running. Every statement list but the
module's own (which runs before the clock starts) is cut into runs, each with one
counter call at its start:

- a run ends after the first statement that may suspend the task (an `await`, `yield`,
  `yield from`, `async for` or `async with` anywhere in it, outside nested functions and
  lambdas), or that may leave the list early (`return`, `raise`, or a `break` or
  `continue` of a loop outside the statement, anywhere in it). The next run's counter
  sits right after that statement, so it runs in the slice that runs those lines, and
  not at all if control never gets there;
- a statement counts 1 in its run; a compound statement (`if`, `while`, `for`, `try`,
  `with`, `match`, `def`, `class`) counts 1 for its header, and each of its bodies is a
  statement list with runs of its own (a function's when it is called, a class's when
  it is defined). A docstring is not a line that runs: the first counter goes after it;
- a loop header runs once per turn, and once more to end the loop: the loop statement
  counts 1 in its run, and the body's first run charges the header again (+1) on every
  turn. So k turns of a loop whose body is s plain statements cost 1 + k * (1 + s). A
  header that awaits (`async for`, `while await ...`) is charged with the turn it lets
  in, after its await;
- comprehensions and lambdas are counted as in the default mode.

Where the exact mode over-charges: a statement that raises part way through its run (a
failing call; the rest of the run was charged when it started), and a loop left by
`break` (its last header never runs). A run is charged when it starts, so `now()` in it
already includes its lines.

LINE is the line of the loop or function for a loop turn and a function entry, the one
the player is told "it was looping on"; in the exact mode, a run inside a body carries
the line of its first statement. Task code cannot reach the counter: its name starts
with `_`, which the code rules refuse. A counter call stands only at the start of a
statement list or right after a statement of it, never around or inside one, so any
`try` the player wrote covers it exactly as it covers the statements it charges. Once
the budget is spent the counter raises on every call, so catching its exception only
moves the stop to the next counter: the top of the next turn of the next loop.

The counter's return value is ignored: `Kernel.count` returns None.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from types import CodeType

from scheduler_game.sandbox.rules import (
    CodeIssue,
    CodeRefused,
    parse_checked,
    syntax_issue,
    too_complex_issue,
)

__all__ = ["CodeIssue", "CodeRefused", "compile_guarded", "insert_line_counter"]

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# What gives the CPU up part way through a statement (each `async for` turn and each end
# of an `async with` awaits too).
_SUSPENSIONS = (ast.Await, ast.Yield, ast.YieldFrom, ast.AsyncFor, ast.AsyncWith)
# Code in these bodies runs in a frame of its own, when called: not part of the statement.
_OWN_FRAMES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_BLOCK_FIELDS = ("body", "orelse", "finalbody")


def statement_count(body: list[ast.stmt]) -> int:
    """The statements one run of `body` may execute: counted into `if`, `try`, `with`,
    `match` and class bodies, but not into nested loops and functions (they count as one
    statement here and count their own bodies when they run). At least 1."""
    return max(1, _statements(body))


def _statements(body: list[ast.stmt]) -> int:
    count = 0
    for stmt in body:
        count += 1
        if isinstance(stmt, _FUNCTIONS):
            continue
        if isinstance(stmt, _LOOPS):
            count += _statements(stmt.orelse)  # runs once, after the loop
            continue
        for field in ("body", "orelse", "finalbody"):
            count += _statements(getattr(stmt, field, ()))
        for handler in getattr(stmt, "handlers", ()):
            count += _statements(handler.body)
        for case in getattr(stmt, "cases", ()):
            count += _statements(case.body)
    return count


# ---------------------------------------------------------------- the exact mode's runs


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists of a compound statement: bodies, `else`, handlers, cases."""
    blocks = [getattr(stmt, name, []) for name in _BLOCK_FIELDS]
    blocks += [handler.body for handler in getattr(stmt, "handlers", ())]
    blocks += [case.body for case in getattr(stmt, "cases", ())]
    return blocks


def suspends(node: ast.AST) -> bool:
    """Whether running `node` may suspend the task: an await, yield, yield from, async
    for or async with anywhere in it, except in the bodies of the functions and lambdas
    it defines."""
    todo = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, _SUSPENSIONS):
            return True
        for name, value in ast.iter_fields(item):
            if name == "body" and isinstance(item, _OWN_FRAMES):
                continue
            if isinstance(value, ast.AST):
                todo.append(value)
            elif isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, ast.AST))
    return False


def may_leave(stmt: ast.stmt, loop_jumps: bool = True) -> bool:
    """Whether control may leave the statement list that holds `stmt` from inside it,
    skipping the statements after it: a `return` or `raise` in it, or (`loop_jumps`) a
    `break` or `continue` that is not the affair of a loop inside `stmt`. Exceptions
    raised by expressions are not foreseen."""
    if isinstance(stmt, ast.Return | ast.Raise):
        return True
    if isinstance(stmt, ast.Break | ast.Continue):
        return loop_jumps
    if isinstance(stmt, _FUNCTIONS):
        return False
    if isinstance(stmt, _LOOPS):  # a loop's own break/continue stay in it; its else's don't
        return any(may_leave(s, False) for s in stmt.body) or any(
            may_leave(s, loop_jumps) for s in stmt.orelse
        )
    return any(may_leave(s, loop_jumps) for block in _blocks(stmt) for s in block)


def runs(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Cut a statement list into the runs the exact mode charges at once: each ends after
    a statement that may suspend the task or leave the list. At least one run."""
    cut: list[list[ast.stmt]] = [[]]
    for stmt in body:
        cut[-1].append(stmt)
        if suspends(stmt) or may_leave(stmt):
            cut.append([])
    if len(cut) > 1 and not cut[-1]:
        cut.pop()
    return cut


def _docstring(body: list[ast.stmt]) -> int:
    """1 if `body` starts with a docstring (which must stay first, and never runs)."""
    first = body[0] if body else None
    return int(
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def _at(node: ast.AST, anchor: ast.AST) -> ast.AST:
    """Give a new node, and all inside it, the position of the start of `anchor`: the
    line of the loop, function or statement it counts, so that a stop inside the counter
    is reported there."""
    line = anchor.lineno  # type: ignore[attr-defined]
    col = anchor.col_offset  # type: ignore[attr-defined]
    for inner in ast.walk(node):
        if "lineno" in inner._attributes:
            inner.lineno = line  # type: ignore[attr-defined]
            inner.end_lineno = line  # type: ignore[attr-defined]
            inner.col_offset = col  # type: ignore[attr-defined]
            inner.end_col_offset = col  # type: ignore[attr-defined]
    return node


class _CounterInserter(ast.NodeTransformer):
    def __init__(self, counter: str) -> None:
        self.counter = counter

    def count_call(self, lines: int, anchor: ast.AST) -> ast.Call:
        call = ast.Call(
            func=ast.Name(id=self.counter, ctx=ast.Load()),
            args=[ast.Constant(lines), ast.Constant(anchor.lineno)],  # type: ignore[attr-defined]
            keywords=[],
        )
        return _at(call, anchor)  # type: ignore[return-value]

    def count_statement(self, lines: int, anchor: ast.AST) -> ast.stmt:
        return _at(ast.Expr(self.count_call(lines, anchor)), anchor)  # type: ignore[return-value]

    def visit_loop(self, node: ast.For | ast.AsyncFor | ast.While) -> ast.AST:
        lines = statement_count(node.body)
        self.generic_visit(node)
        node.body.insert(0, self.count_statement(lines, node))
        return node

    visit_For = visit_AsyncFor = visit_While = visit_loop

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        lines = statement_count(node.body)
        self.generic_visit(node)
        first = node.body[0]
        has_docstring = (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        )
        node.body.insert(1 if has_docstring else 0, self.count_statement(lines, node))
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_function

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        self.generic_visit(node)
        # lambda args: body  ->  lambda args: (__lines__(1, LINE), body)[1]
        pair = ast.Tuple(elts=[self.count_call(1, node), node.body], ctx=ast.Load())
        wrapped = ast.Subscript(value=pair, slice=ast.Constant(1), ctx=ast.Load())
        for new in (pair, wrapped, wrapped.slice):
            ast.copy_location(new, node.body)
        node.body = wrapped
        return node

    def visit_comprehension_owner(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> ast.AST:
        self.generic_visit(node)
        for clause in node.generators:
            # `if __lines__(1, LINE) or True`: counted for every item, filters none.
            test = ast.BoolOp(op=ast.Or(), values=[self.count_call(1, node), ast.Constant(True)])
            clause.ifs.insert(0, _at(test, node))  # type: ignore[arg-type]
        return node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_comprehension_owner


class _ExactCounterInserter(_CounterInserter):
    """The exact mode: a counter call at the start of every run of every statement list
    but the module's (see the module docstring)."""

    def with_runs(
        self, body: list[ast.stmt], entry: ast.stmt | None = None, header: int = 0
    ) -> list[ast.stmt]:
        """`body` with a counter call before each of its runs. `entry`: the loop or
        function whose every turn or call starts the first run (it is the LINE, and the
        run is counted even if empty); `header`: more lines the first run charges."""
        if not body and entry is None:
            return body  # an absent `else`: nothing runs, nothing to count
        counted: list[ast.stmt] = []
        for index, run in enumerate(runs(body)):
            if index == 0 and entry is not None:
                lines, anchor = len(run) + header, entry
            else:
                lines, anchor = len(run), run[0]
            counted.append(self.count_statement(max(1, lines), anchor))
            counted.extend(run)
        return counted

    def visit_loop(self, node: ast.For | ast.AsyncFor | ast.While) -> ast.AST:
        self.generic_visit(node)
        node.body = self.with_runs(node.body, entry=node, header=1)  # the header, each turn
        node.orelse = self.with_runs(node.orelse)
        return node

    visit_For = visit_AsyncFor = visit_While = visit_loop

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        doc = _docstring(node.body)
        node.body = node.body[:doc] + self.with_runs(node.body[doc:], entry=node)
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.generic_visit(node)
        doc = _docstring(node.body)
        node.body = node.body[:doc] + self.with_runs(node.body[doc:])
        return node

    def visit_block(self, node: ast.AST) -> ast.AST:
        """`if`, `with`, `try` and their parts: each statement list gets its runs."""
        self.generic_visit(node)
        for name in _BLOCK_FIELDS:
            if hasattr(node, name):
                setattr(node, name, self.with_runs(getattr(node, name)))
        return node

    visit_If = visit_With = visit_AsyncWith = visit_Try = visit_TryStar = visit_block
    visit_ExceptHandler = visit_match_case = visit_block


def insert_line_counter(
    tree: ast.Module, counter: str = "__lines__", *, exact: bool = False
) -> ast.Module:
    """Insert the runaway guard's counter calls into `tree` (in place; also returned).
    `exact`: charge each statement that runs, in its slice (for `line_cost` > 0).

    Line numbers of the player's own code are unchanged; the inserted calls carry the
    line of their loop or function, or of the first statement they charge.
    """
    inserter = _ExactCounterInserter if exact else _CounterInserter
    tree = inserter(counter).visit(tree)
    return ast.fix_missing_locations(tree)


def compile_guarded(
    source: str,
    filename: str,
    first_line: int = 1,
    counter: str = "__lines__",
    *,
    exact: bool = False,
    transform: Callable[[ast.Module, int], object] | None = None,
) -> CodeType:
    """Check, count lines in and compile a snippet that starts at line `first_line` of
    `filename`, so that tracebacks and runaway reports carry the file's own lines.
    `exact`: the exact mode, for levels with a `line_cost` (see `insert_line_counter`).
    `transform(tree, offset)`: changes the checked tree in place first, at the
    snippet's own lines (sandbox/unawaited.py marks the statements that drop a trap).

    Raises CodeRefused with every issue, at lines relative to the snippet (line 1 is
    its first line); the caller adds the snippet's place in its file.
    """
    tree = parse_checked(source, filename)
    offset = first_line - 1
    try:
        if transform is not None:
            transform(tree, offset)
        if offset:
            ast.increment_lineno(tree, offset)  # before counting: LINE is a file line
        tree = insert_line_counter(tree, counter, exact=exact)
        # dont_inherit: this module's `from __future__ import annotations` is ours only.
        return compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as err:  # found only when compiling, like `await` outside async def
        raise CodeRefused([syntax_issue(err, offset)]) from None
    except (RecursionError, MemoryError):
        raise CodeRefused([too_complex_issue(source)]) from None
