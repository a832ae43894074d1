"""The code rules: what task code may say, checked on its syntax tree before it runs.

Task code is untrusted (players paste code from anywhere; levels are shared as files).
The rules are the sandbox's first layer: they refuse every construct that reaches past
the task API into Python's machinery, and they say so at the player's line and column,
in the player's words. The other layers (the curated builtins, the runaway guard, the
child process with its limits) stand behind them.

What is refused, and why:

- anything that is not on the WHITELIST of syntax a learner writes (so syntax added to
  a later Python is refused until someone has looked at it);
- `import` and `from ... import`: everything task code may use is already there;
- every name, attribute, argument, keyword argument and function or class name that
  starts with `_` (a bare `_` is fine): dunders are the doors into the interpreter
  (`().__class__.__base__.__subclasses__()`), and the sandbox's own hooks (the runaway
  counter `__lines__`) live behind underscore names too. So classes define no special
  methods (no `__init__`);
- the attributes that walk from a generator, coroutine, frame or traceback to frames,
  code and globals (`gi_frame`, `f_back`, `f_globals`, ...; see INSPECT_ATTRIBUTES);
- `.format` and `.format_map`: a format string reaches attributes by name
  (`"{0.__class__}".format(x)`); f-strings do the same job and are checked like code;
- class keywords (`metaclass=`): a metaclass hooks class creation;
- the builtins that hand out namespaces or code, reach attributes by a string, or touch
  the world (REFUSED_NAMES), wherever the snippet reads them without binding the name
  itself. (A player's own variable called `id` or `type` is fine: the builtin is not in
  the sandbox's builtins at all, so the rule is there for the clear message, not for
  safety.)

`object` is allowed: a base class and a sentinel are everyday code, and everything
dangerous about it sits behind dunder attributes.
"""

from __future__ import annotations

import ast
import re
import types
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class CodeIssue:
    """One refusal, at a line and column of the snippet (both 1-based)."""

    line: int
    col: int
    message: str


# Everything a learner writes. A node type not listed here is refused by name.
WHITELIST: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Module,
        # statements
        ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Return, ast.Delete,
        ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.While, ast.If,
        ast.With, ast.AsyncWith, ast.Match, ast.Raise, ast.Try, ast.TryStar, ast.Assert,
        ast.Global, ast.Nonlocal, ast.Expr, ast.Pass, ast.Break, ast.Continue,
        # expressions
        ast.BoolOp, ast.NamedExpr, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp, ast.Dict,
        ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Await,
        ast.Yield, ast.YieldFrom, ast.Compare, ast.Call, ast.FormattedValue, ast.JoinedStr,
        ast.Constant, ast.Attribute, ast.Subscript, ast.Starred, ast.Name, ast.List,
        ast.Tuple, ast.Slice,
        ast.Load, ast.Store, ast.Del,
        # operators
        ast.And, ast.Or, ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.Mod, ast.Pow,
        ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.FloorDiv, ast.Invert,
        ast.Not, ast.UAdd, ast.USub, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
        ast.Is, ast.IsNot, ast.In, ast.NotIn,
        # the parts of the above
        ast.comprehension, ast.ExceptHandler, ast.arguments, ast.arg, ast.keyword,
        ast.withitem, ast.match_case,
        ast.alias,  # only inside an import, which is refused with a message of its own
        ast.MatchValue, ast.MatchSingleton, ast.MatchSequence, ast.MatchMapping,
        ast.MatchClass, ast.MatchStar, ast.MatchAs, ast.MatchOr,
    }
)  # fmt: skip

# Node types that are refused with a message of their own rather than "not allowed".
_IMPORTS = (ast.Import, ast.ImportFrom)
IMPORT_MESSAGE = (
    "imports are not allowed: task code runs in a sandbox; everything it may use is "
    "already there (see the task API)"
)

# The attributes that walk from generators, coroutines, frames and tracebacks to frames,
# code and globals: RestrictedPython's INSPECT_ATTRIBUTES, the ones it leaves out because
# they are "only" numbers, the async generator's, Python 2's spellings, and every
# attribute of those types in the running Python (so a new one is refused on arrival).
_INSPECT_TYPES = (
    types.FrameType,
    types.CodeType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
    types.TracebackType,
)
_INSPECT_PREFIXES = ("f_", "co_", "gi_", "cr_", "ag_", "tb_")
INSPECT_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "tb_frame", "tb_next", "tb_lasti", "tb_lineno",
        "f_back", "f_builtins", "f_code", "f_generator", "f_globals", "f_locals",
        "f_trace", "f_lasti", "f_lineno",
        "co_code",
        "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "gi_suspended",
        "cr_frame", "cr_code", "cr_await", "cr_running", "cr_origin", "cr_suspended",
        "ag_frame", "ag_code", "ag_await", "ag_running", "ag_suspended",
        "func_globals", "func_code", "func_closure", "func_defaults", "func_dict",
        "im_func", "im_self", "im_class", "cell_contents",
        "mro",
    }
    | {
        name
        for kind in _INSPECT_TYPES
        for name in dir(kind)
        if name.startswith(_INSPECT_PREFIXES)
    }
)  # fmt: skip

# Attributes that reach other attributes through a string.
FORMAT_ATTRIBUTES = frozenset({"format", "format_map"})

_CODE_FROM_TEXT = "code made from text would slip past these checks: write the code itself"
_NAMESPACES = "it hands out the machine's own namespaces: use your variables by name"
_BY_STRING = (
    "it reaches attributes by a string, past these checks: write obj.name, "
    "or keep the values in a dict"
)
_ENDING = "a task ends by returning (or raising), not by ending the program"

# Builtins task code may not read, each with the reason a player is told.
REFUSED_NAMES: dict[str, str] = {
    "exec": _CODE_FROM_TEXT,
    "eval": _CODE_FROM_TEXT,
    "compile": _CODE_FROM_TEXT,
    "open": "task code cannot touch files: its world is the level (print() writes output)",
    "input": "tasks run unattended and cannot ask the keyboard: use rand() for variety",
    "breakpoint": "there is no debugger inside the sandbox: print() and the timeline are",
    "help": "there is no interactive help inside the sandbox: see the task API in the game",
    "globals": _NAMESPACES,
    "locals": _NAMESPACES,
    "vars": _NAMESPACES,
    "dir": _NAMESPACES,
    "getattr": _BY_STRING,
    "setattr": _BY_STRING,
    "delattr": _BY_STRING,
    "hasattr": _BY_STRING,
    "type": "it can build classes with hidden special methods: use isinstance(x, int)",
    "memoryview": "raw memory is out of bounds for task code",
    "id": "object ids change from run to run, and every run must be the same: use `is`",
    "super": "classes in task code define no special methods, so there is nothing to hand "
    "on: call the other class's method by its name",
    "exit": _ENDING,
    "quit": _ENDING,
}

_UNDERSCORE = (
    "names starting with _ are not allowed: they are the doors into Python's internals "
    "and the sandbox's own machinery (a bare _ is fine)"
)


def _underscore(name: str) -> bool:
    return name.startswith("_") and name != "_"


def _name_message(name: str) -> str:
    return f"`{name}`: {_UNDERSCORE}"


def _attribute_message(attr: str) -> str | None:
    if _underscore(attr):
        return (
            f"`.{attr}`: attributes starting with _ are not allowed: they are the doors "
            "into Python's internals, outside the sandbox"
        )
    if attr in INSPECT_ATTRIBUTES:
        return (
            f"`.{attr}` is not allowed: it reaches the interpreter's frames and code, "
            "outside the sandbox"
        )
    if attr in FORMAT_ATTRIBUTES:
        return (
            f"`.{attr}()` is not allowed: a format string can reach hidden attributes "
            '(like "{0.__class__}"); use an f-string instead, like f"{x}"'
        )
    return None


def _special_method_message(name: str) -> str:
    return (
        f"`{name}`: special methods are not allowed in task code: they hook into Python's "
        "machinery, outside the sandbox; give the method a plain name and call it yourself "
        "(for example `def setup(self, ...)` instead of `__init__`)"
    )


def _refused_node_message(node: ast.AST) -> str:
    kind = _SYNTAX_NAMES.get(type(node).__name__, type(node).__name__)
    return (
        f"{kind} is not allowed in task code: the sandbox runs only the Python that "
        "tasks need, and this is not part of it"
    )


# Syntax newer than the whitelist, in words a player knows.
_SYNTAX_NAMES = {
    "TypeAlias": "a `type X = ...` statement",
    "TypeVar": "a type parameter",
    "ParamSpec": "a type parameter",
    "TypeVarTuple": "a type parameter",
    "TemplateStr": "a t-string",
    "Interpolation": "a t-string",
}


class _Positions:
    """Turns the AST's byte offsets into 1-based character columns, and finds names."""

    def __init__(self, source: str | None) -> None:
        self.lines = source.splitlines() if source is not None else None

    def _text(self, line: int) -> str | None:
        if self.lines is None or not 1 <= line <= len(self.lines):
            return None
        return self.lines[line - 1]

    def col(self, line: int, byte_offset: int) -> int:
        text = self._text(line)
        if text is None:
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", "replace")) + 1

    def find(self, line: int, byte_offset: int, pattern: str) -> int:
        """The column of group 1 of `pattern`, searched from the node's start."""
        start = self.col(line, byte_offset)
        text = self._text(line)
        if text is not None:
            found = re.compile(pattern).search(text, start - 1)
            if found:
                return found.start(1) + 1
        return start


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the snippet binds somewhere: its own variables, args, functions."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(
            node,
            ast.FunctionDef
            | ast.AsyncFunctionDef
            | ast.ClassDef
            | ast.ExceptHandler
            | ast.MatchAs
            | ast.MatchStar,
        ):
            if node.name:
                bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
    return bound


class _Checker:
    def __init__(self, tree: ast.AST, source: str | None) -> None:
        self.tree = tree
        self.pos = _Positions(source)
        self.issues: set[CodeIssue] = set()
        self.bound = _bound_names(tree)
        self.methods = {
            id(stmt)
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            for stmt in node.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
        }

    def add(self, line: int, col: int, message: str) -> None:
        self.issues.add(CodeIssue(line, col, message))

    def at(self, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 1)
        self.add(line, self.pos.col(line, getattr(node, "col_offset", 0)), message)

    def name_in(self, node: ast.AST, name: str, pattern: str, message: str) -> None:
        line = node.lineno  # type: ignore[attr-defined]
        col = self.pos.find(line, node.col_offset, pattern)  # type: ignore[attr-defined]
        self.add(line, col, message)

    def run(self) -> list[CodeIssue]:
        # ast.walk is iterative, so a deeply nested snippet cannot exhaust the stack here.
        for node in ast.walk(self.tree):
            self.check(node)
        return sorted(self.issues)

    def check(self, node: ast.AST) -> None:
        if isinstance(node, _IMPORTS):
            self.at(node, IMPORT_MESSAGE)
            return
        if type(node) not in WHITELIST:
            self.at(node, _refused_node_message(node))
            return
        if isinstance(node, ast.Name):
            if _underscore(node.id):
                self.at(node, _name_message(node.id))
            elif (
                node.id in REFUSED_NAMES
                and isinstance(node.ctx, ast.Load)
                and node.id not in self.bound
            ):
                self.at(node, f"`{node.id}` is not allowed: {REFUSED_NAMES[node.id]}")
        elif isinstance(node, ast.Attribute):
            message = _attribute_message(node.attr)
            if message is not None:
                # Point at the attribute itself, not at the start of `a.b.c`.
                line = node.end_lineno or node.lineno
                end = self.pos.col(line, node.end_col_offset or 0)
                self.add(line, max(1, end - len(node.attr)), message)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if _underscore(node.name):
                special = id(node) in self.methods and node.name.startswith("__")
                message = _special_method_message(node.name) if special else None
                pattern = rf"(?:def|class)\s+({re.escape(node.name)})\b"
                self.name_in(node, node.name, pattern, message or _name_message(node.name))
            if isinstance(node, ast.ClassDef) and node.keywords:
                self.at(
                    node.keywords[0],
                    "class keywords (like metaclass=) are not allowed: they hook into how "
                    "Python builds classes, outside the sandbox",
                )
        elif isinstance(node, ast.arg):
            if _underscore(node.arg):
                self.at(node, _name_message(node.arg))
        elif isinstance(node, ast.keyword):
            if node.arg is not None and _underscore(node.arg):
                self.at(node, _name_message(node.arg))
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                if _underscore(name):
                    self.name_in(node, name, rf"\b({re.escape(name)})\b", _name_message(name))
        elif isinstance(node, ast.ExceptHandler):
            if node.name and _underscore(node.name):
                pattern = rf"\bas\s+({re.escape(node.name)})\b"
                self.name_in(node, node.name, pattern, _name_message(node.name))
        elif isinstance(node, ast.MatchAs | ast.MatchStar):
            if node.name and _underscore(node.name):
                self.name_in(
                    node, node.name, rf"({re.escape(node.name)})\b", _name_message(node.name)
                )
        elif isinstance(node, ast.MatchMapping):
            if node.rest and _underscore(node.rest):
                self.name_in(
                    node, node.rest, rf"\*\*\s*({re.escape(node.rest)})\b", _name_message(node.rest)
                )
        elif isinstance(node, ast.MatchClass):
            # `case Point(x=0)` reads the attribute x of the subject.
            for attr in node.kwd_attrs:
                message = _attribute_message(attr)
                if message is not None:
                    self.name_in(node, attr, rf"\b({re.escape(attr)})\s*=", message)


def check_code(tree: ast.Module, source: str | None = None) -> list[CodeIssue]:
    """Every rule the snippet breaks, sorted by line and column; [] when it may run.

    Give `source` (the text the tree was parsed from) to have columns counted in
    characters rather than the AST's UTF-8 bytes.
    """
    return _Checker(tree, source).run()


class CodeRefused(Exception):
    """The code rules refused a snippet. `issues` carries every refusal, with lines and
    columns relative to the snippet."""

    def __init__(self, issues: list[CodeIssue]) -> None:
        self.issues = list(issues)
        first = self.issues[0]
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        super().__init__(f"{first.line}:{first.col}: {first.message}{more}")


def syntax_issue(err: SyntaxError, line_offset: int = 0) -> CodeIssue:
    """A SyntaxError (from parsing or compiling) as a CodeIssue."""
    line = max(1, (err.lineno or 1) - line_offset)
    col = max(1, err.offset or 1)
    return CodeIssue(line, col, f"syntax error: {err.msg}")


def too_complex_issue(source: str) -> CodeIssue:
    """Python could not parse or compile the snippet at all (absurd nesting)."""
    return _nul_issue(source) or CodeIssue(
        1, 1, "this code is nested too deeply for the sandbox to check: split it into functions"
    )


def _nul_issue(source: str) -> CodeIssue | None:
    for line, text in enumerate(source.splitlines(), 1):
        if "\0" in text:
            return CodeIssue(line, text.index("\0") + 1, "the code contains a NUL character")
    return None


def parse_checked(source: str, filename: str = "<task code>") -> ast.Module:
    """Parse a snippet and check it against the rules; raise CodeRefused if it breaks any."""
    nul = _nul_issue(source)
    if nul is not None:
        raise CodeRefused([nul])
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as err:
        raise CodeRefused([syntax_issue(err)]) from None
    except (ValueError, RecursionError, MemoryError):
        raise CodeRefused([too_complex_issue(source)]) from None
    issues = check_code(tree, source)
    if issues:
        raise CodeRefused(issues)
    return tree


def check_source(source: str, filename: str = "<task code>") -> list[CodeIssue]:
    """Every issue of a snippet: syntax errors, then the rules. Also the syntax errors
    Python reports only when compiling (like `await` outside `async def`)."""
    try:
        tree = parse_checked(source, filename)
        compile(tree, filename, "exec", dont_inherit=True)
    except CodeRefused as refused:
        return refused.issues
    except SyntaxError as err:
        return [syntax_issue(err)]
    except (ValueError, RecursionError, MemoryError):
        return [too_complex_issue(source)]
    return []
