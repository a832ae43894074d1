"""`wait_for(aw, ticks)`: wait for a trap or a coroutine, at most `ticks` ticks.

`wait_for` arms a `Deadline` in the kernel's timer heap and runs the inner awaitable in
the task's own coroutine chain. If the deadline fires first, the kernel throws a
`DeadlineCancelled` into the task, which `wait_for` turns into `Timeout`; if the inner
work ends first, the deadline is disarmed and costs nothing more.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.errors import Cancelled, Timeout
from scheduler_game.engine.traps import Trap

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Kernel
    from scheduler_game.engine.task import Task


class Deadline:
    """A `wait_for` time limit: when it fires, Cancelled is thrown into its task."""

    __slots__ = ("entry", "fired", "task", "ticks")

    def __init__(self, task: Task, ticks: int) -> None:
        self.task = task
        self.ticks = ticks
        self.fired = False
        self.entry: list[Any] | None = None  # in the timer heap, until it fires or is disarmed


class DeadlineCancelled(Cancelled):
    """The Cancelled a deadline throws; `wait_for` turns its own into Timeout.

    It carries nothing of the deadline (which holds the kernel's Task record): task code
    catches this object, and everything it can reach must be harmless.
    """

    def __init__(self, ticks: int) -> None:
        super().__init__(f"timed out after {ticks} ticks")


class WaitFor:
    """`wait_for(aw, ticks)`: an awaitable a task can also `yield` or `yield from`."""

    __slots__ = ("_aw", "_kernel", "_ticks")

    def __init__(self, kernel: Kernel, aw: Any, ticks: int) -> None:
        if type(ticks) is not int or ticks < 0:
            raise ValueError(f"wait_for() takes a whole number of ticks >= 0, not {ticks!r}")
        self._kernel = kernel
        self._aw = aw
        self._ticks = ticks

    def __iter__(self) -> Generator[Any, Any, Any]:
        return _wait_for(self._kernel, self._aw, self._ticks)

    __await__ = __iter__


def _wait_for(kernel: Kernel, aw: Any, ticks: int) -> Generator[Any, Any, Any]:
    if inspect.iscoroutine(aw):
        inner = aw.__await__()
    elif isinstance(aw, Trap) or type(aw) is WaitFor or inspect.isgenerator(aw):
        inner = iter(aw)
    else:
        raise TypeError(f"wait_for() takes a trap or a coroutine, not {type(aw).__name__}")
    deadline = kernel.arm(ticks)
    try:
        result = yield from inner
    except Cancelled as err:
        if deadline.fired:
            raise Timeout(f"did not finish within {ticks} ticks") from None
        raise err
    finally:
        kernel.disarm(deadline)
    if deadline.fired:
        raise Timeout(f"did not finish within {ticks} ticks")
    return result
