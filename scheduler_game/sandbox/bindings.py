"""Which module-level names a piece of code binds: the wall between the player's code and
everything else in the level's one module.

All of a level's code runs as one module (GAME.md §2), so a name the player binds at
module level is the name every task reads: `def cpu(n=1): pass` would turn the level's
own hog into a no-op, `def range(n): return []` would empty its loops, and a second
`def heartbeat()` would replace a fixed task. The sandbox refuses such bindings at their
line (see `execute.protected_names`); this module only finds them.

A binding is module-level when it lands in the module's namespace: an assignment,
`del`, `for`/`with`/`except ... as` target, `def`, `class`, a `match` capture or a walrus
at module level (a walrus inside a comprehension binds in the enclosing scope), and any
name a function declares `global`, at any depth. Names bound inside a function, a class
body or as a comprehension's loop variable are local and never reach other tasks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Literal

from scheduler_game.engine.names import TASK_API_NAMES
from scheduler_game.sandbox.builtins import SAFE_BUILTINS

How = Literal["def", "class", "global", "bind"]

# The names every task's code reads, and what each is: no player code may rebind them,
# and no shared object or task of a level may be named so (level/model.py).
EVERY_TASK_READS: dict[str, Literal["task API", "builtin"]] = {
    **{name: "builtin" for name in SAFE_BUILTINS if not name.startswith("_")},
    **{name: "task API" for name in TASK_API_NAMES},
}


@dataclass(frozen=True)
class Binding:
    """`name` is bound at module level at `line`, `col` (1-based, in the snippet)."""

    name: str
    line: int
    col: int
    how: How


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[Binding] = []
        self.scope: Literal["module", "local"] = "module"
        self.in_comprehension = False  # at module level, inside a comprehension

    def bind(self, name: str | None, node: ast.AST, how: How = "bind") -> None:
        if name is not None:
            line = getattr(node, "lineno", 1)
            col = getattr(node, "col_offset", 0) + 1
            self.found.append(Binding(name, line, col, how))

    def local(self, nodes: list[ast.stmt] | list[ast.expr]) -> None:
        """Visit a function's or class's body: only `global` declarations matter there."""
        outer, outer_comp = self.scope, self.in_comprehension
        self.scope, self.in_comprehension = "local", False
        for node in nodes:
            self.visit(node)
        self.scope, self.in_comprehension = outer, outer_comp

    # -- scopes

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for part in (*node.decorator_list, node.args, node.returns):
            if part is not None:
                self.visit(part)  # evaluated where the def is
        if self.scope == "module":
            self.bind(node.name, node, "def")
        self.local(node.body)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_function

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self.local([node.body])

    def visit_arguments(self, node: ast.arguments) -> None:
        for default in (*node.defaults, *node.kw_defaults):
            if default is not None:
                self.visit(default)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for part in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(part)
        if self.scope == "module":
            self.bind(node.name, node, "class")
        self.local(node.body)

    def visit_comprehension_owner(self, node: ast.AST) -> None:
        outer = self.in_comprehension
        self.in_comprehension = True
        for clause in node.generators:  # type: ignore[attr-defined]
            self.visit(clause.iter)
            for test in clause.ifs:
                self.visit(test)
        for field in ("elt", "key", "value"):
            part = getattr(node, field, None)
            if part is not None:
                self.visit(part)
        self.in_comprehension = outer

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_comprehension_owner

    # -- bindings

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.bind(name, node, "global")

    def visit_Name(self, node: ast.Name) -> None:
        at_module = self.scope == "module" and not self.in_comprehension
        if at_module and isinstance(node.ctx, ast.Store | ast.Del):
            self.bind(node.id, node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        if self.scope == "module":  # in a comprehension too: a walrus binds outside it
            self.bind(node.target.id, node.target)
        self.visit(node.value)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if self.scope == "module":
            self.bind(node.name, node)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if self.scope == "module":
            self.bind(node.name, node)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if self.scope == "module":
            self.bind(node.name, node)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if self.scope == "module":
            self.bind(node.rest, node)
        self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> None:
        if self.scope == "module":  # imports are refused anyway; named for completeness
            self.bind(node.asname or node.name.split(".")[0], node)


def module_bindings(tree: ast.Module) -> list[Binding]:
    """Every module-level binding in `tree`, in source order."""
    finder = _Finder()
    finder.visit(tree)
    return sorted(finder.found, key=lambda b: (b.line, b.col))


# --------------------------------------------------------------------- the wall


def _why(name: str, spec: dict[str, Any], level_defs: dict[str, str]) -> str | None:
    """Why the player's code may not bind `name` at module level, or None if it may."""
    kind = EVERY_TASK_READS.get(name)
    if kind == "task API":
        return f"{name} is part of the task API that every task uses"
    if kind == "builtin":
        return f"{name} is a builtin that every task uses"
    if name in spec["shared"]:
        return f"{name} is a shared object of the level: use it ({name}.method(...)), keep the name"
    if name in level_defs:
        return level_defs[name]
    return None


def _level_defs(spec: dict[str, Any], mine: set[str]) -> dict[str, str]:
    """The names the level's own code stands on: its fixed tasks, and the functions and
    classes its setup and fixed code define. (Plain values that setup binds are state
    every task shares by design: the player may change those.)"""
    defs: dict[str, str] = {}
    for task in spec["tasks"]:
        if task["name"] not in mine:
            defs[task["name"]] = f"{task['name']} is a task of the level, not one of yours"
    for snip in spec["snippets"]:
        if snip.get("player"):
            continue
        try:
            tree = ast.parse(snip["source"])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # compiling it reports the problem
        for binding in module_bindings(tree):
            if binding.how in ("def", "class") and binding.name not in mine:
                kind = "function" if binding.how == "def" else "class"
                defs.setdefault(
                    binding.name, f"{binding.name} is a {kind} of the level ({snip['what']})"
                )
    return defs


def rebinding(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The first place where the player's code binds a name the level stands on, as an
    error {"path", "line", "col", "message"}; None when there is none."""
    player = [i for i, snip in enumerate(spec["snippets"]) if snip.get("player")]
    if not player:
        return None
    mine = {name for name, index in spec["needs"] if index in player}
    level_defs = _level_defs(spec, mine)
    for index in player:
        snip = spec["snippets"][index]
        try:
            tree = ast.parse(snip["source"])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for binding in module_bindings(tree):
            why = _why(binding.name, spec, level_defs)
            if why is None:
                continue
            verb = {"global": "declare it global", "def": "define it", "class": "define it"}.get(
                binding.how, "assign to it"
            )
            return {
                "path": snip["path"],
                "line": snip["line"] + binding.line - 1,
                "col": snip["col"] + binding.col,
                "message": f"{why}: your code may not {verb} (give yours another name)",
            }
    return None
