"""Where each task is: the line of its own code at which it gave the CPU up.

A `LineRecorder` is a `TraceRecorder` that, at the end of each slice, walks the task's
chain of coroutines (an `await` or `yield from` leads from one to the next) down to the
innermost frame that is level or player code, and keeps that frame's file and line. Any
tick's line of any task then follows (`TraceRecorder.line_at`): the screen shows it in
each task's code, as The Deadlock Empire shows each thread's instruction.

It costs a walk of a few frames a slice, so only the game's screen asks for it; a plain
`TraceRecorder` keeps the hot path as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler_game.engine.trace import TraceRecorder

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Task

_OURS = __file__.rsplit("/", 1)[0]  # the engine's own frames (wait_for, subroutines)


def innermost_line(task: Task) -> tuple[str, int] | None:
    """The file and line of the innermost frame of level or player code in the task's
    coroutines (the outer ones of a `yield wait_for(...)` first), or None."""
    found = None
    for coro in [*getattr(task, "stack", ()), task.coro]:
        obj: Any = coro
        while obj is not None:
            frame = getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None)
            if frame is not None and not frame.f_code.co_filename.startswith(_OURS):
                found = (frame.f_code.co_filename, frame.f_lineno)
            obj = getattr(obj, "cr_await", None) or getattr(obj, "gi_yieldfrom", None)
    return found


def traceback_line(tb: Any) -> tuple[str, int] | None:
    """The file and line of the innermost frame of level or player code in a traceback."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith(_OURS):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


class LineRecorder(TraceRecorder):
    """A trace that also keeps, for every slice, where its task gave the CPU up."""

    def slice_ended(self, task: Task, start: int, end: int) -> None:
        index = len(self.log)  # where the slice's RUNNING entry goes
        super().slice_ended(task, start, end)
        where = innermost_line(task) or task.halted_at
        if where is not None:
            self.slice_lines[index] = where
