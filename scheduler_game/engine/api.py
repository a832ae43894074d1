"""The names task code sees without importing anything (GAME.md §3).

Each is a plain function closed over the kernel: task code can call it, but cannot reach
the kernel through it (that would take a dunder attribute, which the code rules refuse).

Every value here is made anew for each run, or is a class that cannot be changed
(`errors.Sealed`): a function is an object task code can set attributes on, and a value
shared between runs would carry state from one variant (or random order) to the next.
"""

from __future__ import annotations

import types
from typing import Any

from scheduler_game.engine import aiosync, sync, traps
from scheduler_game.engine.aioapi import asyncio_api
from scheduler_game.engine.aioloop import AsyncioKernel
from scheduler_game.engine.errors import Cancelled, QueueEmpty, QueueFull, Timeout
from scheduler_game.engine.kernel import Kernel
from scheduler_game.engine.names import TASK_API_NAMES
from scheduler_game.engine.task import TaskHandle
from scheduler_game.engine.traps import JOIN, PAUSE_TRAP, Trap
from scheduler_game.engine.waitfor import WaitFor

__all__ = ["TASK_API_NAMES", "task_api"]


def task_api(kernel: Kernel) -> dict[str, Any]:
    """The task API bound to one kernel, as a dict of globals for the level's module."""

    def cpu(n: int = 1) -> None:
        """Burn n ticks of CPU now, without giving the CPU up."""
        kernel.burn(n)

    def now() -> int:
        """The tick of the virtual clock."""
        return kernel.clock + kernel.burned

    def print(*args: Any, sep: str = " ", end: str = "\n") -> None:
        """Print to the level's output, stamped with the tick and the task."""
        if len(kernel.output) >= kernel.max_output_lines:  # a flood: count it, cheaply
            kernel.dropped_output += 1
            return
        text = str(sep).join(str(a) for a in args)
        if end and end != "\n":
            text += str(end)
        kernel.emit(text)

    def spawn(fn: Any, *args: Any) -> TaskHandle:
        """Start a task running fn(*args); returns its handle."""
        return kernel.spawn(fn, args)

    def cancel(task: TaskHandle) -> bool:
        """Throw Cancelled into the task at its next resume; False if it has ended."""
        return kernel.cancel(task)

    def rand(a: int, b: int) -> int:
        """A whole number from a to b inclusive, the same on every run of a variant."""
        return kernel.rng.randint(a, b)

    def pause() -> Trap:
        """Give up the CPU: go to the back of the ready queue."""
        return PAUSE_TRAP

    def sleep(ticks: int) -> Trap:
        """Give up the CPU for `ticks` ticks of the virtual clock."""
        return traps.sleep(ticks)

    def coroutine(fn: Any) -> Any:
        """As `types.coroutine`: lets `async def` code await a generator-based helper."""
        return types.coroutine(fn)

    def join(task: TaskHandle) -> Trap:
        """Wait for the task to end: its result, or its error raised here."""
        return Trap(JOIN, task)

    def wait_for(aw: Any, ticks: int) -> WaitFor:
        """Wait for a trap or a coroutine, at most `ticks` ticks, else raise Timeout."""
        return WaitFor(kernel, aw, ticks)

    # The shared objects: the game's (sync.py), or asyncio's under `loop: asyncio`.
    objects: Any = aiosync if isinstance(kernel, AsyncioKernel) else sync

    def Queue(maxsize: int = 0, name: str | None = None) -> sync.Queue:
        return objects.Queue(kernel, maxsize, name)

    def Event(name: str | None = None) -> sync.Event:
        return objects.Event(kernel, name)

    def Lock(name: str | None = None) -> sync.Lock:
        return objects.Lock(kernel, name)

    def Semaphore(value: int = 1, name: str | None = None) -> sync.Semaphore:
        return objects.Semaphore(kernel, value, name)

    api = {
        "cpu": cpu,
        "now": now,
        "print": print,
        "spawn": spawn,
        "cancel": cancel,
        "rand": rand,
        "pause": pause,
        "sleep": sleep,
        "join": join,
        "wait_for": wait_for,
        "Queue": Queue,
        "Event": Event,
        "Lock": Lock,
        "Semaphore": Semaphore,
        "Cancelled": Cancelled,
        "Timeout": Timeout,
        "QueueEmpty": QueueEmpty,
        "QueueFull": QueueFull,
        "coroutine": coroutine,
    }
    if isinstance(kernel, AsyncioKernel):
        api.update(asyncio_api(kernel))
    return api
