"""Traps: what a task asks the scheduler for.

A trap is a tiny object that works three ways, so both kinds of coroutine can use it:
`await trap` (native), `yield trap` and `yield from trap` (generator-based). Each way
hands the trap itself to the kernel, which sends back the result (or throws an error in).
A bare `yield` hands over None, which the kernel reads as `pause()`.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from typing import Any

# Trap kinds. Small ints: the kernel dispatches on them in its hottest loop.
PAUSE = 0
SLEEP = 1
JOIN = 2
GET = 3
PUT = 4
WAIT = 5
ACQUIRE = 6

KIND_NAMES = ("pause", "sleep", "join", "get", "put", "wait", "acquire")


class WaitOn(tuple):  # type: ignore[type-arg]
    """`(verb, object, None)`: what a task blocked on an object waits on (its
    `waiting_on`). Made once per object and verb, shared by every wait on it, and hashed
    by identity: the trace knows it again at the cost of a pointer (trace.py)."""

    __slots__ = ()
    __hash__ = object.__hash__  # type: ignore[assignment]


class Trap:
    """One request to the scheduler: `kind`, the object it is about, and an argument;
    `on`, what a task that must wait for it then waits on (a `WaitOn`)."""

    __slots__ = ("_arg", "_kind", "_on", "_target")

    def __init__(
        self, kind: int, target: Any = None, arg: Any = None, on: WaitOn | None = None
    ) -> None:
        self._kind = kind
        self._target = target
        self._arg = arg
        self._on = on

    def __iter__(self) -> Generator[Trap, Any, Any]:
        return (yield self)

    __await__ = __iter__

    def __repr__(self) -> str:
        return f"<trap {KIND_NAMES[self._kind]}>"


class _Pause(Trap):
    """pause(): the commonest trap, awaited through a plain tuple iterator, which costs
    less than a generator frame. The kernel sends None back, so no `send` is needed."""

    __slots__ = ()

    def __iter__(self) -> Any:
        return iter(_PAUSE_ONLY)

    __await__ = __iter__


PAUSE_TRAP = _Pause(PAUSE)
_PAUSE_ONLY = (PAUSE_TRAP,)
# A builtin method as the slot: `await pause()` then runs no Python frame at all.
_Pause.__await__ = _Pause.__iter__ = _PAUSE_ONLY.__iter__  # type: ignore[method-assign,assignment]


def pause() -> Trap:
    """Give up the CPU: go to the back of the ready queue."""
    return PAUSE_TRAP


def sleep(ticks: int) -> Trap:
    """Give up the CPU for `ticks` ticks of the virtual clock."""
    if type(ticks) is not int or ticks < 0:
        raise ValueError(f"sleep() takes a whole number of ticks >= 0, not {ticks!r}")
    return Trap(SLEEP, None, ticks)


def junk_message(value: Any) -> str:
    """What a task that yielded `value`, which is not a trap, is told."""
    if inspect.isgenerator(value) or inspect.iscoroutine(value):
        return (
            f"a task yielded {type(value).__name__} object {_short(value)}: to run a helper "
            "coroutine, use `yield from helper()` (or `await helper()` in async def)"
        )
    return (
        f"a task may only yield a trap (pause(), sleep(n), q.get(), ...) or nothing, "
        f"not {_short(value)}"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
