"""What task code calls, the kernel's side: cpu(), the line counter, print(), spawn(),
cancel(), and the arming of `wait_for` deadlines.

`api.py` builds the functions task code sees; each calls one of these methods on its
kernel. They run inside a slice, on the running task's behalf. `Kernel` gets them from
`TaskCalls`, a mixin: they are kept here so that kernel.py is the loop and its moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.errors import Cancelled, Halt
from scheduler_game.engine.results import OutputLine
from scheduler_game.engine.task import BLOCKED, DONE, NEW, SLEEPING, TaskHandle
from scheduler_game.engine.waitfor import Deadline

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Kernel
    from scheduler_game.engine.task import Task

EXHAUSTED = -(1 << 62)  # the runaway budget of a halted machine: any count goes below 0


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the machine stopped inside a slice: `hung` (at `line`) or `timeout`.

    Kept by the kernel alone. Task code that catches the `Halt` raised for it holds a
    fresh copy, so editing or re-raising that copy changes nothing the judge reads.
    """

    reason: str
    line: int | None

    def exception(self) -> Halt:
        return Halt(self.reason, self.line)


class TaskCalls:
    """The back ends of the task API, as methods of `Kernel`."""

    __slots__ = ()

    def burn(self: Kernel, n: int) -> None:
        """`cpu(n)`: the running task uses n ticks of CPU, now."""
        if type(n) is not int or n < 0:
            raise ValueError(f"cpu() takes a whole number of ticks >= 0, not {n!r}")
        if self.halted is not None:
            raise self.halted.exception()
        if self.current is None or self.closing:
            return  # setup code and `finally` blocks at the end run before/after the clock
        if self.quantum is not None:
            while self.burned + n > self.quantum:
                n -= self.quantum - self.burned
                self.burned = self.quantum
                self._check_max_ticks()
                self._preempt(self.current)  # back here in a later slice, with burned == 0
        self.burned += n
        self._check_max_ticks()

    def _check_max_ticks(self: Kernel) -> None:
        if self.clock + self.burned > self.max_ticks:
            self.burned = self.max_ticks - self.clock
            self.halted = Stop("timeout", None)
            self.lines_left = EXHAUSTED
            raise self.halted.exception()

    def count(self: Kernel, lines: int, line: int) -> None:
        """The runaway guard: code instrumented by the sandbox calls this as it runs.

        `lines` statements are about to run at `line`. A slice that runs more than
        `runaway_lines` of them has hung the machine.
        """
        self.lines_left -= lines
        if self.lines_left < 0:
            if self.halted is None:
                self.halted = Stop("hung", line)
            self.lines_left = EXHAUSTED  # and every later count raises again
            raise self.halted.exception()
        if self.line_cost and self.current is not None:
            self.burn(lines * self.line_cost)

    def now(self: Kernel) -> int:
        return self.clock + self.burned

    def emit(self: Kernel, text: str) -> None:
        """`print()`: a line of output, stamped with the tick and the task."""
        who = self.current.name if self.current is not None else "setup"
        tick = self.clock + self.burned
        for line in text.split("\n"):
            if len(self.output) >= self.max_output_lines:
                self.dropped_output += 1
                continue
            line = self.addresses.scrub(line)
            if len(line) > self.max_line_length:
                cut = len(line) - self.max_line_length
                line = f"{line[: self.max_line_length]}... ({cut} more characters)"
            self.output.append(OutputLine(tick, who, line))

    def spawn(self: Kernel, fn: Callable[..., Any], args: tuple[Any, ...]) -> TaskHandle:
        task = self._new_task(fn, args, getattr(fn, "__name__", "task"))
        self._make_ready(task, self.clock + self.burned)
        return task.handle

    def cancel(self: Kernel, handle: Any) -> bool:
        if type(handle) is not TaskHandle:
            raise TypeError(f"cancel() takes a task from spawn(), not {type(handle).__name__}")
        return self._cancel(handle._task, Cancelled())

    def _cancel(self: Kernel, task: Task, exc: Cancelled) -> bool:
        """Throw `exc` into `task` when it next runs (a deadline fires this way too): a
        sleeper or a waiter is woken at once, and gives up what it was handed unused."""
        if task.state in DONE:
            return False
        if task is self.current:  # raised when it next gives up the CPU
            task.exc = exc
            return True
        if task.handoff is not None:  # it was handed a lock or an item it never used
            obj, verb, item = task.handoff
            task.handoff = None
            obj._revoke(task, verb, item)
        if not task.preempted:
            task.value = None
        task.exc = exc
        if task.state in (SLEEPING, NEW):
            if task.timer is not None:
                self.timers.cancel(task.timer)
                task.timer = None
            self._make_ready(task, self.clock + self.burned)
        elif task.state == BLOCKED:
            verb, obj, _ = task.waiting_on  # type: ignore[misc]
            if verb == "join":
                del obj.joiners[task]
            else:
                obj._forget(task)
            self._make_ready(task, self.clock + self.burned)
        return True

    def arm(self: Kernel, ticks: int) -> Deadline:
        """Start a `wait_for` time limit for the running task."""
        if type(ticks) is not int or ticks < 0:
            raise ValueError(f"wait_for() takes a whole number of ticks >= 0, not {ticks!r}")
        if self.current is None:
            raise RuntimeError("wait_for() can only run inside a task, not before the clock starts")
        deadline = Deadline(self.current, ticks)
        deadline.entry = self.timers.add(self.clock + self.burned + ticks, deadline)
        return deadline

    def disarm(self: Kernel, deadline: Deadline) -> None:
        """The `wait_for` ended (in time, or not): its deadline leaves the timer heap."""
        if deadline.entry is not None:
            self.timers.cancel(deadline.entry)
            deadline.entry = None

    def name_objects(self: Kernel, namespace: dict[str, Any]) -> None:
        """Name the shared objects after the globals that hold them, for reports."""
        from scheduler_game.engine.sync import SyncObject

        for key, value in namespace.items():
            if isinstance(value, SyncObject) and value._name is None:
                value._name = key
