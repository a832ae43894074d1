"""The task API under `loop: asyncio`: the names whose meaning the asyncio loop changes.

`task_api` (api.py) gives an `AsyncioKernel`'s tasks these in place of the default
ones: asyncio's `sleep` and its `wait_for`, and `join` as awaiting a task; it makes
asyncio's Queue, Event, Lock and Semaphore itself (from aiosync.py). The rest (`cpu`,
`print`, `spawn`, `cancel`, `pause`, ...) is the same functions, on a kernel that runs
them as asyncio would. Each is made anew per run, as api.py explains.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler_game.engine.aiofuture import AsyncOp, JoinOp, join_op, sleep_op, wait_for_op
from scheduler_game.engine.task import TaskHandle
from scheduler_game.engine.traps import PAUSE_TRAP, Trap

if TYPE_CHECKING:
    from scheduler_game.engine.aioloop import AsyncioKernel


def asyncio_api(kernel: AsyncioKernel) -> dict[str, Any]:
    def sleep(ticks: int) -> AsyncOp | Trap:
        """Give up the CPU for `ticks` ticks (asyncio.sleep: 0 is a bare yield)."""
        if type(ticks) is not int or ticks < 0:
            raise ValueError(f"sleep() takes a whole number of ticks >= 0, not {ticks!r}")
        if ticks == 0:
            return PAUSE_TRAP
        return AsyncOp(sleep_op(kernel, ticks), f"sleep({ticks})")

    def join(task: TaskHandle) -> JoinOp:
        """Wait for the task to end: its result, or its error raised here (await task)."""
        if type(task) is not TaskHandle:
            raise TypeError(f"join() takes a task from spawn(), not {type(task).__name__}")
        return JoinOp(join_op(task._task), task._task)

    def wait_for(aw: Any, ticks: int) -> AsyncOp:
        """Wait for a trap or a coroutine, at most `ticks` ticks, else raise Timeout
        (asyncio.wait_for: the work runs in a task of its own)."""
        if type(ticks) is not int or ticks < 0:
            raise ValueError(f"wait_for() takes a whole number of ticks >= 0, not {ticks!r}")
        return AsyncOp(wait_for_op(kernel, aw, ticks), "wait_for()")

    return {
        "sleep": sleep,
        "join": join,
        "wait_for": wait_for,
    }
