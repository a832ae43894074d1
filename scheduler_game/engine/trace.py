"""The trace: who did what, tick by tick, kept as run-length segments.

The recorder is an Instrument. Per task it keeps the ticks at which the task's state
changed (an `array` of ints and a `bytearray` of state codes), so memory grows with the
number of switches, never with ticks x tasks. Segments are built only when asked for.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.instrument import Instrument

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Task

ABSENT, READY, RUNNING, SLEEPING, BLOCKED, DONE = range(6)
STATE_NAMES = ("absent", "ready", "running", "sleeping", "blocked", "done")
_CODES = {"ready": READY, "running": RUNNING, "sleeping": SLEEPING, "blocked": BLOCKED}


@dataclass(frozen=True, slots=True)
class Segment:
    """A task was in `state` for ticks start <= t < end. `detail` says on what or how."""

    start: int
    end: int
    state: str
    detail: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


def describe_wait(waiting_on: Any) -> str | None:
    if waiting_on is None:
        return None
    verb, obj, arg = waiting_on
    if verb == "sleep":
        return f"until {arg}"
    if verb == "join":
        return f"join {obj.name}"
    label = obj._label()
    if verb == "get":
        return f"get from {label}"
    if verb == "put":
        return f"put to {label}"
    return label


class TraceRecorder(Instrument):
    """Records every task's states and the idle CPU.

    Each state change is one int, `tick << 3 | state`, in an `array`: the whole trace of a
    million switches fits in a few dozen megabytes, and recording costs two appends.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.limits: list[int] = []
        self.marks: list[array[int]] = []
        self.details: list[dict[int, Any]] = []
        self.idle_spans: list[tuple[int, int]] = []
        self.end = 0
        self.outcome: str | None = None

    # -- hooks

    def task_spawned(self, task: Task, tick: int) -> None:
        self.names.append(task.name)
        self.limits.append(task.limit)
        self.marks.append(array("q", [ABSENT]))
        self.details.append({})

    def task_ready(self, task: Task, tick: int) -> None:
        self._mark(task.id, tick, READY, None)

    def slice_ended(self, task: Task, start: int, end: int) -> None:
        marks = self.marks[task.id]
        last = marks[-1]
        if task.state == "ready" and last >> 3 != start and last & 7 != RUNNING:
            marks.append(start << 3 | RUNNING)  # the common case: paused after its slice
            marks.append(end << 3 | READY)
            return
        self._mark(task.id, start, RUNNING, None)
        state = task.state
        if state == "ready":
            self._mark(task.id, end, READY, None)
        elif state == "running":  # the machine stopped inside this slice
            return
        elif state in ("sleeping", "blocked"):
            self._mark(task.id, end, _CODES[state], task.waiting_on)
        else:
            self._mark(task.id, end, DONE, state)

    def idle(self, start: int, end: int) -> None:
        self.idle_spans.append((start, end))

    def run_ended(self, tick: int, outcome: str) -> None:
        self.end = tick
        self.outcome = outcome

    def _mark(self, i: int, tick: int, state: int, detail: Any) -> None:
        marks = self.marks[i]
        details = self.details[i]
        n = len(marks) - 1
        last = marks[n]
        if last >> 3 == tick:  # a zero-length segment: replace it
            marks[n] = tick << 3 | state
            details.pop(n, None)
            if n > 0 and marks[n - 1] & 7 == state and details.get(n - 1) == detail:
                marks.pop()
                return
        elif last & 7 == state and details.get(n) == detail:
            return
        else:
            marks.append(tick << 3 | state)
            n += 1
        if detail is not None:
            details[n] = detail

    # -- reading

    def task_names(self) -> list[str]:
        return list(self.names)

    def segments(self, name: str) -> list[Segment]:
        """The task's segments, tiling [0, end) without gaps or overlaps."""
        i = self.names.index(name)
        marks, details = self.marks[i], self.details[i]
        out: list[Segment] = []
        for k in range(len(marks)):
            start = marks[k] >> 3
            stop = marks[k + 1] >> 3 if k + 1 < len(marks) else self.end
            if stop > self.end:
                stop = self.end
            if stop <= start:
                continue
            state = marks[k] & 7
            detail = details.get(k)
            if state in (BLOCKED, SLEEPING):
                detail = describe_wait(detail)
            out.append(Segment(start, stop, STATE_NAMES[state], detail))
        return out

    def running(self) -> list[tuple[int, int, str]]:
        """Who held the CPU: (start, end, task name), in time order."""
        spans = [
            (seg.start, seg.end, name)
            for name in self.names
            for seg in self.segments(name)
            if seg.state == "running"
        ]
        spans.sort()
        return spans

    def ran_between(self, start: int, end: int) -> list[str]:
        """The tasks that held the CPU at some tick of [start, end), most CPU first."""
        used: dict[str, int] = {}
        for i, name in enumerate(self.names):
            marks = self.marks[i]
            k = max(0, bisect_right(marks, (start << 3) | 7) - 1)
            while k < len(marks) and marks[k] >> 3 < end:
                if marks[k] & 7 == RUNNING:
                    stop = marks[k + 1] >> 3 if k + 1 < len(marks) else self.end
                    overlap = min(stop, end) - max(marks[k] >> 3, start)
                    if overlap > 0:
                        used[name] = used.get(name, 0) + overlap
                k += 1
        return sorted(used, key=lambda n: -used[n])
