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

`object` and the `class` statement are the run's own (see `stable_objects`): instances of
the classes task code defines, and `object()` sentinels, hash and print by a number the
run counts out (`<Account object #1>`) instead of by their memory address, so the same
code prints the same bytes and iterates its sets in the same order on every run.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable
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


# Where an instance keeps its number: a name task code cannot spell (the code rules
# refuse every name and attribute that starts with `_`).
NUMBER = "_stable_number"

_OBJECT_HASH = builtins.object.__dict__["__hash__"]
_OBJECT_REPR = builtins.object.__dict__["__repr__"]


class _Everything(type):
    """The metaclass of a run's `object`: everything is an instance of it, as of the real
    `object` (`isinstance(5, object)`), and it cannot be changed, as the real one cannot.

    No class task code defines has this metaclass: the class statement puts the run's
    plain base class in the place of `object` (see `stable_objects`).
    """

    def __instancecheck__(cls, instance: Any) -> bool:
        return True

    def __subclasscheck__(cls, subclass: Any) -> bool:
        return builtins.issubclass(subclass, builtins.object)  # TypeError for a non-class

    def __setattr__(cls, name: str, value: Any) -> None:
        raise TypeError(f"cannot set {name!r} attribute of immutable type 'object'")

    def __delattr__(cls, name: str) -> None:
        raise TypeError(f"cannot delete {name!r} attribute of immutable type 'object'")


def stable_objects() -> tuple[type, type, Callable[..., Any]]:
    """A run's own base class, `object` and `__build_class__`, with a fresh counter.

    - `Obj`, the base of every class task code defines without bases (or with `object`
      as a base) in place of the real `object`. Where the real `object` would give an
      instance its hash or repr (the class and its bases up to `Obj` give none of their
      own: task code can define no special methods), `Obj` gives a number instead of
      the address: the next number of the run's counter, taken the first time the
      instance is hashed or printed and kept on it under `NUMBER`. So `hash(a)` is that
      number and `repr(a)` is `<ClassName object #N>`. Equality stays identity. Where a
      builtin base gives them (`class Named(Base, Exception)`, `class Row(Base, list)`),
      that base's repr and hash (or unhashability) are kept, as without `Obj`.
    - `object`, what task code sees under that name: a subclass of `Obj`, so `object()`
      sentinels hash and print by number too (`<object object #2>`). Its metaclass keeps
      `isinstance(anything, object)` and `issubclass(any_class, object)` true.
    - `__build_class__`, the hook the class statement calls: the real one, with `Obj` in
      the place of no bases, of `object` and of the real `object`. A class with other
      bases (`class MyList(list)`, `class Oops(Exception)`) is built unchanged.

    Numbers follow the order in which the run first hashes or prints its objects, which
    the deterministic engine makes the same on every run.
    """
    numbers = itertools.count(1)
    inherited: dict[tuple[type, str], Any] = {}

    def number(obj: Any) -> int:
        attrs = builtins.object.__getattribute__(obj, "__dict__")
        n = attrs.get(NUMBER)
        if n is None:
            n = attrs[NUMBER] = next(numbers)
        return n

    def after_obj(cls: type, name: str) -> Any:
        """What the classes after `Obj` in cls's MRO give for `name` (object's, at last)."""
        key = (cls, name)
        if key not in inherited:
            mro = cls.__mro__
            inherited[key] = next(
                k.__dict__[name] for k in mro[mro.index(Obj) + 1 :] if name in k.__dict__
            )
        return inherited[key]

    class Obj:
        def __hash__(self) -> int:
            given = after_obj(type(self), "__hash__")
            if given is _OBJECT_HASH:
                return number(self)
            if given is None:
                raise TypeError(f"unhashable type: '{type(self).__name__}'")
            return given(self)

        def __repr__(self) -> str:
            given = after_obj(type(self), "__repr__")
            if given is _OBJECT_REPR:
                return f"<{type(self).__name__} object #{number(self)}>"
            return given(self)

    class Object(Obj, metaclass=_Everything):
        pass

    for cls in (Obj, Object):
        type.__setattr__(cls, "__name__", "object")
        type.__setattr__(cls, "__qualname__", "object")
        type.__setattr__(cls, "__module__", "builtins")

    real_build_class = builtins.__build_class__

    def build_class(func: Callable[[], Any], name: str, /, *bases: Any, **kwds: Any) -> Any:
        if not bases:
            bases = (Obj,)
        elif any(base is Object or base is builtins.object for base in bases):
            bases = tuple(
                Obj if base is Object or base is builtins.object else base for base in bases
            )
        return real_build_class(func, name, *bases, **kwds)

    return Obj, Object, build_class


def build_namespace(api: dict[str, Any]) -> dict[str, Any]:
    """Fresh globals for a level's module: the curated builtins and the task API.

    `__name__` is what classes defined by task code record as their module. `object`
    and `__build_class__` are made anew for each namespace (`stable_objects`), so each
    run (each variant, each random order) counts its objects from 1.
    """
    safe = dict(SAFE_BUILTINS)
    _, safe["object"], safe["__build_class__"] = stable_objects()
    return {"__builtins__": safe, "__name__": "level", **api}
