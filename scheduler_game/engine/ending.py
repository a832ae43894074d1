"""The end of a run: its outcome, the closing of what never finished, the result.

When the loop stops (nothing left to run, `max_ticks` reached, or the machine halted),
`_finish` names the outcome, describes who waits for what after a deadlock, closes every
unfinished task so that its `finally` blocks run, and builds the `RunResult` from the
trace's figures.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.errors import Halt
from scheduler_game.engine.figures import figures
from scheduler_game.engine.lines import traceback_line
from scheduler_game.engine.results import (
    OUTCOME_DEADLOCK,
    OUTCOME_FINISHED,
    OUTCOME_HUNG,
    OUTCOME_PICK,
    OUTCOME_TIMEOUT,
    RunResult,
    Wait,
    task_error,
)
from scheduler_game.engine.task import BLOCKED, CRASHED, DONE, RUNNING, SLEEPING

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Kernel
    from scheduler_game.engine.task import Task


class RunEnd:
    """The end of a run, as methods of `Kernel`."""

    __slots__ = ()

    def _halt_in(self: Kernel, task: Task, err: BaseException | None = None) -> None:
        """The machine stopped inside `task`'s slice: it stays running to the end. When
        the stop ended its coroutine, the line it stopped at is read off the error (the
        screen shows where a loop was when the clock ran out)."""
        self.hung_task = task
        task.state = RUNNING
        if err is not None:
            task.halted_at = traceback_line(err.__traceback__)

    def _finish(self: Kernel) -> RunResult:
        unfinished = [t for t in self.tasks if t.state not in DONE]
        waits: list[Wait] = []
        hung_line = None
        if self.asked is not None:
            outcome = OUTCOME_PICK
        elif self.halted is not None:
            outcome = OUTCOME_HUNG if self.halted.reason == "hung" else OUTCOME_TIMEOUT
            hung_line = self.halted.line
            if outcome == OUTCOME_TIMEOUT:
                self.clock = self.max_ticks
        elif not unfinished:
            outcome = OUTCOME_FINISHED
        elif self.clock >= self.max_ticks or self.ready or len(self.timers):
            outcome = OUTCOME_TIMEOUT
        else:
            outcome = OUTCOME_DEADLOCK
            # (a sleeper left with no timer: `loop: asyncio`, a sleep's op iterated by hand)
            waits = [self._describe_wait(t) for t in unfinished if t.state in (BLOCKED, SLEEPING)]
        kept = len(self.output), len(self.notes)
        self._close_all(unfinished)
        if outcome == OUTCOME_PICK:  # not an end, a pause: what closing said never happened
            del self.output[kept[0] :], self.notes[kept[1] :]
        for hook in self._on.run_ended:
            hook(self.clock, outcome)
        return RunResult(
            outcome=outcome,
            ticks=self.clock,
            tasks=[
                replace(traced, result=task.result, error=task.error)
                for traced, task in zip(figures(self.trace), self.tasks, strict=True)
            ],
            output=self.output,
            waits=waits,
            hung_task=self.hung_task.name if self.hung_task and outcome == OUTCOME_HUNG else None,
            hung_line=hung_line if outcome == OUTCOME_HUNG else None,
            picks=self.picks,
            asked=self.asked,
            dropped_output=self.dropped_output,
            notes=self.notes,
        )

    def _close_all(self: Kernel, unfinished: list[Task]) -> None:
        """Close what never finished, so that its `finally` blocks run."""
        self.closing = True
        for task in unfinished:
            self.halted = None
            self.lines_left = self.runaway_lines
            self.current = task
            self.burned = 0
            try:
                if task.glet is not None and task.preempted:
                    self._close_preempted(task)
                for coro in [task.coro, *reversed(task.stack)]:
                    coro.close()
            except Halt:
                self.notes.append(f"{task.name}: a finally block never ended; it was stopped")
            except BaseException as err:
                task.state = CRASHED
                task.error = task_error(err, self.addresses)
                _force_end(task.coro)
                for hook in self._on.task_closed:
                    hook(task, self.clock)
            task.glet = None
        self.current = None
        self.halted = None
        self.closing = False

    def _describe_wait(self: Kernel, task: Task) -> Wait:
        verb, obj, _arg = task.waiting_on  # type: ignore[misc]
        if verb == "join":
            return Wait(task.name, f"join {obj.name}", None)
        if verb == "sleep":
            return Wait(task.name, "a sleep whose timer is gone", None)
        label = obj._label()
        if verb == "get":
            return Wait(task.name, f"get from {label}", None)
        if verb == "put":
            return Wait(task.name, f"put to {label}", None)
        return Wait(task.name, label, obj._holders())


def _force_end(coro: Any) -> None:
    """A coroutine that ignored GeneratorExit: end it with an exception it does not
    expect, so that Python does not try (and fail) to close it again when it is freed."""
    for _ in range(3):
        try:
            coro.throw(Halt("closing"))
        except BaseException:
            return
