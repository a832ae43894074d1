"""The builtins task code sees, and the fresh module globals each run starts from.

A curated set: the types, functions and exceptions everyday code uses, and nothing
that reaches files, the keyboard, other modules, namespaces or code. Left out on purpose
(the code rules also refuse most of them by name, with a message): `open`, `input`,
`exec`, `eval`, `compile`, `__import__`, `globals`, `locals`, `vars`, `dir`, `getattr`
and its siblings, `type` (it builds classes from a dict of dunders), `id` (it changes from
run to run), `super`, `memoryview`, `breakpoint`, `help`, `exit`, `quit`.

`print` is not here: the real one writes to the process's stdout, which in the sandbox
is the channel to the game. Task code gets the task API's `print` instead, which writes
to the level's output, stamped with the tick and the task.
"""

from __future__ import annotations

import builtins
from typing import Any

_FUNCTIONS = (
    "abs", "aiter", "all", "anext", "any", "ascii", "bin", "callable", "chr", "divmod",
    "enumerate", "filter", "format", "hash", "hex", "isinstance", "issubclass", "iter",
    "len", "map", "max", "min", "next", "oct", "ord", "pow", "repr", "reversed", "round",
    "sorted", "sum", "zip",
)  # fmt: skip

# `object` is here: a base class and a sentinel are everyday code, and everything
# dangerous about it sits behind dunder attributes, which the code rules refuse.
_TYPES = (
    "bool", "bytearray", "bytes", "complex", "dict", "float", "frozenset", "int", "list",
    "object", "range", "set", "slice", "str", "tuple",
    "classmethod", "staticmethod", "property",
)  # fmt: skip

_CONSTANTS = ("Ellipsis", "NotImplemented")

# SystemExit and KeyboardInterrupt are here so that `raise SystemExit` means what it
# says to a reader: the engine treats them as a crash of the task, like any other error.
_EXCEPTIONS = (
    "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError",
    "BaseExceptionGroup", "ExceptionGroup", "FloatingPointError", "GeneratorExit",
    "IndexError", "KeyError", "KeyboardInterrupt", "LookupError", "MemoryError",
    "NameError", "NotImplementedError", "OverflowError", "RecursionError", "RuntimeError",
    "StopAsyncIteration", "StopIteration", "SystemExit", "TimeoutError", "TypeError",
    "UnboundLocalError", "UnicodeError", "ValueError", "ZeroDivisionError",
)  # fmt: skip

SAFE_BUILTINS: dict[str, object] = {
    name: getattr(builtins, name) for name in (*_FUNCTIONS, *_TYPES, *_CONSTANTS, *_EXCEPTIONS)
}
# The `class` statement compiles to a call of this hook; without it no class can be made.
# Task code cannot name it: the code rules refuse names that start with `_`.
SAFE_BUILTINS["__build_class__"] = builtins.__build_class__


def build_namespace(api: dict[str, Any]) -> dict[str, Any]:
    """Fresh globals for a level's module: the curated builtins and the task API.

    `__name__` is what classes defined by task code record as their module.
    """
    return {"__builtins__": dict(SAFE_BUILTINS), "__name__": "level", **api}
