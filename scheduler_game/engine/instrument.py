"""Observers of a run, in the spirit of trio's Instrument API.

An observer watches the kernel without changing it. Subclass `Instrument` and override
the hooks you need; the kernel calls only the ones a subclass overrides, so an observer
costs nothing for the events it ignores. The trace recorder is one of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Task


class Instrument:
    """Hooks, each called with the tick it happened at."""

    def task_spawned(self, task: Task, tick: int) -> None:
        """A task exists (a level task at 0, a spawned one when spawned)."""

    def task_ready(self, task: Task, tick: int) -> None:
        """A task joined the ready queue other than by pausing (woken, spawned, arrived)."""

    def slice_started(self, task: Task, tick: int) -> None:
        """A task got the CPU."""

    def slice_ended(self, task: Task, start: int, end: int) -> None:
        """A task gave the CPU up; `task.state` says what it now does."""

    def task_exited(self, task: Task, tick: int) -> None:
        """A task finished, crashed or was cancelled."""

    def task_closed(self, task: Task, tick: int) -> None:
        """At the end of the run, closing a task that never finished ended it otherwise
        than quietly: its `finally` raised (`task.state` is now crashed)."""

    def idle(self, start: int, end: int) -> None:
        """No task was ready: the clock jumped from start to end."""

    def loop_iteration(self, tick: int) -> None:
        """`loop: asyncio`: an iteration of the event loop began (aioloop.py)."""

    def run_ended(self, tick: int, outcome: str) -> None:
        """The run is over."""


HOOK_NAMES = (
    "task_spawned",
    "task_ready",
    "slice_started",
    "slice_ended",
    "task_exited",
    "task_closed",
    "idle",
    "loop_iteration",
    "run_ended",
)


@dataclass(slots=True)
class Hooks:
    """For each hook, the bound methods of the observers that override it."""

    task_spawned: list[Callable[..., Any]] = field(default_factory=list)
    task_ready: list[Callable[..., Any]] = field(default_factory=list)
    slice_started: list[Callable[..., Any]] = field(default_factory=list)
    slice_ended: list[Callable[..., Any]] = field(default_factory=list)
    task_exited: list[Callable[..., Any]] = field(default_factory=list)
    task_closed: list[Callable[..., Any]] = field(default_factory=list)
    idle: list[Callable[..., Any]] = field(default_factory=list)
    loop_iteration: list[Callable[..., Any]] = field(default_factory=list)
    run_ended: list[Callable[..., Any]] = field(default_factory=list)


def hooks(observers: Iterable[Instrument]) -> Hooks:
    found = Hooks()
    for observer in observers:
        for name in HOOK_NAMES:
            if getattr(type(observer), name, None) is not getattr(Instrument, name):
                getattr(found, name).append(getattr(observer, name))
    return found
