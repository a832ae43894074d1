"""The runaway guard: task code counts its own lines, and cannot stop counting.

GAME.md §2: a slice that runs more than `runaway_lines` lines without giving up the CPU
has hung the machine. `sys.settrace` cannot be that guard (the code it traces can remove
it, and outlast it with try/finally), so the count is compiled into the code itself.
`instrument` inserts a call of the counter (`__lines__(N, LINE)`, the engine's
`Kernel.count`) wherever Python code can go round again:

- at the top of every loop body (`for`, `async for`, `while`), charging the statements
  of one turn of the body;
- at the start of every function, async function and lambda body, so recursion and
  callbacks are counted too;
- into every clause of every comprehension and generator expression.

N is the number of statements charged; LINE is the line of the loop or function, the
one the player is told "it was looping on". Task code cannot reach the counter: its name
starts with `_`, which the code rules refuse, and the call sits at the top of each body,
outside any `try` the player wrote. Once the budget is spent the counter raises on every
call, so catching its exception only moves the stop to the next turn of the next loop.

The counter's return value is ignored: `Kernel.count` returns None.
"""

from __future__ import annotations

import ast
from types import CodeType

from scheduler_game.sandbox.rules import (
    CodeIssue,
    CodeRefused,
    parse_checked,
    syntax_issue,
    too_complex_issue,
)

__all__ = ["CodeIssue", "CodeRefused", "compile_guarded", "instrument"]

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


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


def _at(node: ast.AST, anchor: ast.AST) -> ast.AST:
    """Give a new node, and all inside it, the position of the start of `anchor`: the
    line of the loop or function, so that a stop inside the counter is reported there."""
    line = anchor.lineno  # type: ignore[attr-defined]
    col = anchor.col_offset  # type: ignore[attr-defined]
    for inner in ast.walk(node):
        if "lineno" in inner._attributes:
            inner.lineno = line  # type: ignore[attr-defined]
            inner.end_lineno = line  # type: ignore[attr-defined]
            inner.col_offset = col  # type: ignore[attr-defined]
            inner.end_col_offset = col  # type: ignore[attr-defined]
    return node


class _Instrumenter(ast.NodeTransformer):
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


def instrument(tree: ast.Module, counter: str = "__lines__") -> ast.Module:
    """Insert the runaway guard's counter calls into `tree` (in place; also returned).

    Line numbers of the player's own code are unchanged; the inserted calls carry the
    line of their loop or function.
    """
    tree = _Instrumenter(counter).visit(tree)
    return ast.fix_missing_locations(tree)


def compile_guarded(
    source: str, filename: str, first_line: int = 1, counter: str = "__lines__"
) -> CodeType:
    """Check, instrument and compile a snippet that starts at line `first_line` of
    `filename`, so that tracebacks and runaway reports carry the file's own lines.

    Raises CodeRefused with every issue, at lines relative to the snippet (line 1 is
    its first line); the caller adds the snippet's place in its file.
    """
    tree = parse_checked(source, filename)
    offset = first_line - 1
    if offset:
        ast.increment_lineno(tree, offset)  # before instrumenting: LINE is a file line
    try:
        tree = instrument(tree, counter)
        # dont_inherit: this module's `from __future__ import annotations` is ours only.
        return compile(tree, filename, "exec", dont_inherit=True)
    except SyntaxError as err:  # found only when compiling, like `await` outside async def
        raise CodeRefused([syntax_issue(err, offset)]) from None
    except (RecursionError, MemoryError):
        raise CodeRefused([too_complex_issue(source)]) from None
