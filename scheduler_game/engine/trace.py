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
    from scheduler_game.engine.kernel import Task, TaskFigures

ABSENT, READY, RUNNING, SLEEPING, BLOCKED, DONE = range(6)
STATE_NAMES = ("absent", "ready", "running", "sleeping", "blocked", "done")
_TICK = 24  # bits below the tick in a log entry: 21 for the task id, 3 for the state
_MAX_TASKS = 1 << (_TICK - 3)
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

    While the run goes, each change of a task's state is one int appended to one array,
    `tick << 24 | task id << 3 | state`: recording a switch costs two appends to memory
    that stays in cache, whatever the number of tasks. Per-task segments are built from
    that log when first asked for. A million switches fit in about 16 MB. The per-task
    figures the judge reads (`figures(recorder)`) are derived from this log alone, never
    from the kernel's own records.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.limits: list[int] = []
        self.log: array[int] = array("q")
        self._append = self.log.append
        self.log_details: dict[int, Any] = {}  # log index -> what a task waits on, or how it ended
        self.idle_spans: list[tuple[int, int]] = []
        self.end = 0
        self.outcome: str | None = None
        self._built = -1
        self._marks: list[array[int]] = []
        self._details: list[dict[int, Any]] = []

    # -- hooks

    def task_spawned(self, task: Task, tick: int) -> None:
        if task.id >= _MAX_TASKS:
            raise RuntimeError(f"the trace records {_MAX_TASKS} tasks at most")
        self.names.append(task.name)
        self.limits.append(task.limit)
        self.log.append(task.id << 3 | ABSENT)

    def task_ready(self, task: Task, tick: int) -> None:
        self.log.append(tick << _TICK | task.id << 3 | READY)

    def slice_ended(self, task: Task, start: int, end: int) -> None:
        append = self._append
        tid = task.id << 3
        append(start << _TICK | tid | RUNNING)
        state = task.state
        if state == "ready":
            append(end << _TICK | tid | READY)
        elif state == "sleeping" or state == "blocked":
            self.log_details[len(self.log)] = task.waiting_on
            append(end << _TICK | tid | _CODES[state])
        elif state != "running":  # "running": the machine stopped inside this slice
            self.log_details[len(self.log)] = state
            append(end << _TICK | tid | DONE)

    def idle(self, start: int, end: int) -> None:
        self.idle_spans.append((start, end))

    def task_closed(self, task: Task, tick: int) -> None:
        self.log_details[len(self.log)] = task.state
        self.log.append(tick << _TICK | task.id << 3 | DONE)

    def run_ended(self, tick: int, outcome: str) -> None:
        self.end = tick
        self.outcome = outcome

    # -- per task, built from the log

    @property
    def marks(self) -> list[array[int]]:
        """Per task, its state changes as `tick << 3 | state`, merged and in order."""
        self._build()
        return self._marks

    def _build(self) -> None:
        if self._built == len(self.log):
            return
        self._marks = [array("q", [ABSENT]) for _ in self.names]
        self._details = [{} for _ in self.names]
        details = self.log_details
        mask = (1 << (_TICK - 3)) - 1
        for index, event in enumerate(self.log):
            self._mark((event >> 3) & mask, event >> _TICK, event & 7, details.get(index))
        self._built = len(self.log)

    def _mark(self, i: int, tick: int, state: int, detail: Any) -> None:
        marks = self._marks[i]
        details = self._details[i]
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
        marks, details = self.marks[i], self._details[i]
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
        all_marks = self.marks
        for i, name in enumerate(self.names):
            marks = all_marks[i]
            k = max(0, bisect_right(marks, (start << 3) | 7) - 1)
            while k < len(marks) and marks[k] >> 3 < end:
                if marks[k] & 7 == RUNNING:
                    stop = marks[k + 1] >> 3 if k + 1 < len(marks) else self.end
                    overlap = min(stop, end) - max(marks[k] >> 3, start)
                    if overlap > 0:
                        used[name] = used.get(name, 0) + overlap
                k += 1
        return sorted(used, key=lambda n: -used[n])


def figures(recorder: TraceRecorder) -> list[TaskFigures]:
    """Every task's figures, in spawn order, worked out from the recorder's log alone.

    Call it after the run (`run_ended` gives the end tick). The rules (docs/engine.md): a
    ready-wait runs from the tick a task became ready (a sleeper: its wake tick) to the
    start of its next slice, or to the end of the run if it is still going on then; a
    task starves during any ready-wait longer than its limit. `result` and `error` are
    left None: the log does not hold them. One pass over the log, no Segment built.
    """
    from scheduler_game.engine import kernel

    count = len(recorder.names)
    limits = recorder.limits
    state = bytearray(count)  # ABSENT
    since = [0] * count  # the tick of the task's last state change
    cpu = [0] * count
    waited = [0] * count
    longest = [0] * count
    longest_from = [0] * count
    starved = [False] * count
    over = [0] * count
    slices = [0] * count
    mask = _MAX_TASKS - 1
    for event in recorder.log:
        i = event >> 3 & mask
        tick = event >> _TICK
        code = event & 7
        if code == RUNNING:  # the task was ready until now
            wait = tick - since[i]
            if wait:
                waited[i] += wait
                if wait > longest[i]:
                    longest[i] = wait
                    longest_from[i] = since[i]
                if wait > limits[i]:
                    starved[i] = True
                    over[i] += wait - limits[i]
            slices[i] += 1
        elif state[i] == RUNNING:
            cpu[i] += tick - since[i]
        state[i] = code
        since[i] = tick

    end = recorder.end
    names = {
        ABSENT: kernel.NEW,
        READY: kernel.READY,
        RUNNING: kernel.RUNNING,
        SLEEPING: kernel.SLEEPING,
        BLOCKED: kernel.BLOCKED,
    }
    final: list[str] = []
    for i in range(count):
        code = state[i]
        if code == READY:  # a wait still going on counts, up to the end
            wait = end - since[i]
            waited[i] += wait
            if wait > longest[i]:
                longest[i] = wait
                longest_from[i] = since[i]
            if wait > limits[i]:
                starved[i] = True
                over[i] += wait - limits[i]
        elif code == RUNNING:  # the machine stopped inside this slice
            cpu[i] += end - since[i]
        final.append(names.get(code, ""))

    # How each ended task ended: the detail of its DONE entry, its last one in the log.
    log = recorder.log
    left = final.count("")
    if left:
        for index, detail in reversed(recorder.log_details.items()):
            event = log[index]
            i = event >> 3 & mask
            if event & 7 == DONE and not final[i]:
                final[i] = detail
                left -= 1
                if not left:
                    break

    return [
        kernel.TaskFigures(
            name=recorder.names[i],
            state=final[i],
            cpu=cpu[i],
            ready_wait=waited[i],
            longest_wait=longest[i],
            longest_wait_from=longest_from[i],
            limit=limits[i],
            starved=starved[i],
            starved_ticks=over[i],
            switches=slices[i],
            finished_at=since[i] if state[i] == DONE else None,
        )
        for i in range(count)
    ]
