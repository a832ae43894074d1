"""A task as the kernel knows it (`Task`), and what task code holds of it (`TaskHandle`).

A task is one coroutine plus the kernel's notes on it: its state, what its next resume
sends or throws in, what it waits on. Task code never sees a `Task`: `spawn()` gives it a
`TaskHandle`, which can be joined, cancelled and named, and reaches nothing else.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from scheduler_game.engine.results import TaskError
from scheduler_game.engine.traps import WaitOn

# What a task is doing. The words are the player's words.
NEW = "new"  # not arrived yet (`at` in the future)
READY = "ready"
RUNNING = "running"
SLEEPING = "sleeping"
BLOCKED = "blocked"
FINISHED = "finished"
CRASHED = "crashed"
CANCELLED = "cancelled"
DONE = frozenset({FINISHED, CRASHED, CANCELLED})


class TaskHandle:
    """What `spawn()` gives task code: something to `join` or `cancel`, and a name."""

    __slots__ = ("_task",)

    def __init__(self, task: Task) -> None:
        self._task = task

    @property
    def name(self) -> str:
        return self._task.name

    def done(self) -> bool:
        return self._task.state in DONE

    def __repr__(self) -> str:
        return f"<task {self._task.name} {self._task.state}>"


class Task:
    """One coroutine and everything the kernel knows about it. Never handed to task code."""

    __slots__ = (
        "callbacks",
        "coro",
        "error",
        "exc",
        "exc_object",
        "fut_waiter",
        "glet",
        "halted_at",
        "handle",
        "handoff",
        "id",
        "joined_on",
        "joiners",
        "max_wait",
        "must_cancel",
        "name",
        "owner",
        "preempted",
        "result",
        "stack",
        "state",
        "timer",
        "value",
        "waiting_on",
    )

    def __init__(self, tid: int, name: str, coro: Any, max_wait: int) -> None:
        self.id = tid
        self.name = name
        self.coro = coro
        self.max_wait = max_wait  # longest ready-wait before it starves
        self.state = NEW
        self.value: Any = None  # what the next resume sends in
        self.exc: BaseException | None = None  # ... or throws in
        # (verb, object, argument): ("sleep", None, wake tick), or a `WaitOn`
        self.waiting_on: tuple[str, Any, Any] | None = None
        self.handoff: tuple[Any, str, Any] | None = None  # handed a lock or an item, unused
        self.halted_at: tuple[str, int] | None = None  # where the machine stopped it
        self.timer: list[Any] | None = None  # its entry in the timer heap, while it sleeps
        self.joiners: dict[Task, None] = {}  # who waits for it to end, first come first
        self.joined_on = WaitOn(("join", self, None))  # what its joiners wait on
        self.stack: list[Any] = []  # outer coroutines while a `yield wait_for(...)` runs
        self.glet: Any = None  # its greenlet, under the preemptive policy
        # `loop: asyncio` (aioloop.py): what it awaits, a cancel kept for its next step,
        # and what its end schedules (awaiters' wake-ups, `wait_for`'s callbacks)
        self.fut_waiter: Any = None
        self.must_cancel = False
        self.callbacks: list[Any] = []
        self.owner: Task | None = None  # the task whose `wait_for` made this one
        self.preempted = False  # stopped inside cpu() by the quantum
        self.handle = TaskHandle(self)
        self.result: Any = None
        self.error: TaskError | None = None
        self.exc_object: BaseException | None = None


@dataclass(slots=True)
class TaskConfig:
    """What the level says of a task function, so that `spawn(fn)` honours it too."""

    name: str
    max_wait: int | None = None


def coroutine_of(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """The coroutine that runs `fn(*args)` as a task: a generator or `async def`
    function's own, else one that runs the plain function to its end in one slice."""
    if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
        return fn(*args)
    return _subroutine(fn, args)


def _subroutine(fn: Callable[..., Any], args: tuple[Any, ...]) -> Generator[None, Any, Any]:
    """A plain function as a task: the coroutine that runs to its end in one slice."""
    return fn(*args)
    yield  # makes this a generator
