"""The trace: who did what, tick by tick, kept as run-length segments.

The recorder is an Instrument. It keeps every change of a task's state as one int in one
`array` (see `TraceRecorder`), so memory grows with the number of switches, never with
ticks x tasks: a switch of any kind costs 24 bytes at most (and a span of idle CPU 16).
Segments are built only when asked for.
"""

from __future__ import annotations

import base64
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.instrument import Instrument
from scheduler_game.engine.packed import (
    _FAR,
    _MAX_TASKS,
    _SHIFT,
    _TICK,
    _TICKS,
    _TYPECODE,
    ABSENT,
    BLOCKED,
    DONE,
    LAST_TICK,
    READY,
    RUNNING,
    SLEEPING,
    STATE_NAMES,
    Spans,
    describe_wait,
    ends_slice,
    wait_detail,
)

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Task


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


class _Counts:
    """One task's figures, counted by the recorder's hooks as the run goes."""

    __slots__ = (
        "cpu", "finished", "limit", "longest", "longest_from", "over", "ready", "running",
        "since", "slices", "state", "tag", "waited",
    )  # fmt: skip

    def __init__(self, tid: int, limit: int) -> None:
        self.tag = tid << 3  # the task's field in a log entry; its entries, less the tick:
        self.ready = (self.tag | READY) << _TICK
        self.running = (self.tag | RUNNING) << _TICK
        self.limit = limit
        self.since = 0  # the tick of the task's last change of state
        self.state = "new"
        self.cpu = self.waited = self.longest = self.longest_from = 0
        self.over = 0  # ticks waited past the limit
        self.slices = 0
        self.finished: int | None = None

    def waited_until(self, until: int) -> None:
        """A ready-wait, begun at `since`, ends at `until`: count it."""
        wait = until - self.since
        self.waited += wait
        if wait > self.longest:
            self.longest = wait
            self.longest_from = self.since
        if wait > self.limit:
            self.over += wait - self.limit


@dataclass(frozen=True, slots=True)
class SliceRecord:
    """One slice: `task` held the CPU from `start` to `end`, then was `state` (ready,
    sleeping, blocked, finished, crashed, cancelled; running: the machine stopped in it),
    `detail` saying on what it waits."""

    task: str
    start: int
    end: int
    state: str
    detail: str | None


_END = {READY: "ready", SLEEPING: "sleeping", BLOCKED: "blocked"}


@dataclass(slots=True)
class TraceCursor:
    """How much of a recorder has been sent (see `TraceRecorder.batch_since`)."""

    log: int = 0
    names: int = 0
    idle: int = 0
    details: int = 0
    lines: int = 0
    iterations: int = 0


class TraceRecorder(Instrument):
    """Records every task's states and the idle CPU.

    While the run goes, each change of a task's state is one int appended to one array
    (`log`), `(field << 3 | state) << 40 | tick`: recording a switch costs two or three
    appends to memory that stays in cache, whatever the number of tasks: 16 bytes a
    pause, 24 a sleep or a wait (the entry that ends the slice, and the READY entry of the
    wake). Per-task segments are built from that log when first asked for. A million
    switches fit in about 16 MB.

    The field is the task's id, except in the entry that ends a slice in `sleeping` or
    `blocked`. That one always comes right after its slice's RUNNING entry, which names
    the task, and its field says what the task waits on, so that nothing is stored per
    wait (a dict entry and a tuple cost 150 bytes a wait):

    - sleeping: the wake tick, as `wake - tick + 1`;
    - blocked: `k - j`: the entry at log index `j` (`k` is this one's) waited on the same
      thing (the same `WaitOn`), and `log_details[j]` holds it.

    Field 0 says `log_details[k]` holds it: the first wait on a thing, a wait whose `j`
    is too far back (`_FAR` entries), a wake too far off. `log_details` also holds how
    each task ended, at its DONE entry.

    The per-task figures the judge reads (`figures(recorder)`) are the recorder's own,
    counted in the same hooks as the run goes (a pass over the log at the end would cost
    four times as much), never read from the kernel's records.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.limits: list[int] = []
        self.log: array[int] = array(_TYPECODE)
        self._append = self.log.append
        self.log_details: dict[int, Any] = {}  # log index -> what a task waits on, or how it ended
        self._waited_at: dict[Any, int] = {}  # a WaitOn -> the log index that holds it
        self.idle_spans: Spans = Spans()
        self.iterations: array[int] = array(_TYPECODE)  # `loop: asyncio`: where each began
        self.end = 0
        self.outcome: str | None = None
        self._built = -1
        self._marks: list[array[int]] = []
        self._details: list[dict[int, Any]] = []
        self._figs: list[_Counts] = []  # per task, its figures as the run goes
        # log index of a slice's RUNNING entry -> (file, line) where the task gave the CPU
        # up: kept by a LineRecorder (engine/lines.py), or absorbed from one's batches.
        self.slice_lines: dict[int, tuple[str, int]] = {}
        self._line_index: tuple[int, list[list[int]], list[list[tuple[str, int]]]] | None = None

    # -- hooks

    def task_spawned(self, task: Task, tick: int) -> None:
        if task.id >= _MAX_TASKS:
            raise RuntimeError(f"the trace records {_MAX_TASKS} tasks at most")
        self.names.append(task.name)
        self.limits.append(task.max_wait)
        self.log.append((task.id << 3 | ABSENT) << _TICK)  # at tick 0
        self._figs.append(_Counts(task.id, task.max_wait))

    def task_ready(self, task: Task, tick: int) -> None:
        counts = self._figs[task.id]
        self._append(counts.ready + tick)
        counts.since = tick
        counts.state = "ready"

    def slice_ended(self, task: Task, start: int, end: int) -> None:
        # The hottest function of a run: every name is a local, a constant or a slot.
        counts = self._figs[task.id]
        since = counts.since
        if start != since:  # `counts.waited_until(start)`, inlined
            wait = start - since
            counts.waited += wait
            if wait > counts.longest:
                counts.longest = wait
                counts.longest_from = since
            if wait > counts.limit:
                counts.over += wait - counts.limit
        counts.slices += 1
        counts.cpu += end - start
        counts.since = end
        state = task.state
        append = self._append
        append(counts.running + start)
        if state == "ready":  # counts.state is "ready" already: a task runs from there
            append(counts.ready + end)
            return
        counts.state = state
        if state == "blocked":
            on = task.waiting_on
            k = len(self.log)
            try:  # a WaitOn, hashed by identity (traps.py)
                back = k - self._waited_at[on]
            except KeyError:  # the first wait on it: kept here
                back = 0
                self._waited_at[on] = k
            if 0 < back <= _FAR:
                append((back << 3 | BLOCKED) << _TICK | end)
            else:
                self.log_details[k] = on
                if back:  # too far back: kept here, for the waits to come
                    self._waited_at[on] = k
                append(BLOCKED << _TICK | end)
        elif state == "sleeping":
            on = task.waiting_on
            field = on[2] - end + 1  # wakes at on[2] >= end
            if 0 < field <= _FAR:
                append((field << 3 | SLEEPING) << _TICK | end)
            else:
                self.log_details[len(self.log)] = on
                append(SLEEPING << _TICK | end)
        elif state != "running":  # "running": the machine stopped inside this slice
            self.log_details[len(self.log)] = state
            append((counts.tag | DONE) << _TICK | end)
            counts.finished = end

    def idle(self, start: int, end: int) -> None:
        if end > LAST_TICK:  # the kernel checks a slice's end; an idle jump's, here
            raise OverflowError(f"the trace holds ticks up to {LAST_TICK}, not {end}")
        self.idle_spans.add(start, end)

    def loop_iteration(self, tick: int) -> None:
        self.iterations.append(tick)

    def task_closed(self, task: Task, tick: int) -> None:
        counts = self._figs[task.id]
        self.log_details[len(self.log)] = task.state
        self._append((counts.tag | DONE) << _TICK | tick)
        counts.state = task.state
        counts.finished = tick

    def run_ended(self, tick: int, outcome: str) -> None:
        self.end = tick
        self.outcome = outcome
        for counts in self._figs:
            if counts.state == "ready" and tick != counts.since:  # a wait going on counts
                counts.waited_until(tick)

    # -- per task, built from the log

    @property
    def marks(self) -> list[array[int]]:
        """Per task, its state changes as `tick << 3 | state`, merged and in order."""
        self._build()
        return self._marks

    def _build(self) -> None:
        """Bring the per-task marks up to the log: only the entries added since the last
        build are read, so a trace absorbed batch by batch is decoded as it arrives."""
        end = len(self.log)
        while len(self._marks) < len(self.names):
            self._marks.append(array("q", [ABSENT]))
            self._details.append({})
        if self._built == end:
            return
        get_detail = self.log_details.get
        all_marks, all_details, mark = self._marks, self._details, self._mark
        log = self.log
        for index in range(max(self._built, 0), end):
            event = log[index]
            tick = event & _TICKS
            state = event >> _TICK & 7
            if SLEEPING <= state <= BLOCKED:  # it ends a slice, whose RUNNING entry names
                i = log[index - 1] >> _SHIFT  # the task
                detail = wait_detail(event, index, get_detail)
            else:
                i = event >> _SHIFT
                detail = get_detail(index) if state == DONE else None
            marks = all_marks[i]
            last = marks[-1]
            if last >> 3 != tick and last & 7 != state:  # `_mark`'s commonest case, inlined
                marks.append(tick << 3 | state)
                if detail is not None:
                    all_details[i][len(marks) - 1] = detail
            else:
                mark(i, tick, state, detail)
        self._built = end

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

    # -- travelling: the sandbox's child sends its trace in batches, the parent absorbs

    def batch_since(self, cursor: TraceCursor) -> dict[str, Any] | None:
        """What was recorded since `cursor` (which moves on), as plain data: the packed
        log as base64, new tasks, wait details in words, idle spans. None if nothing."""
        log_end = len(self.log)
        names_end = len(self.names)
        idle_end = len(self.idle_spans)
        details = list(self.log_details.items())  # one C call: safe beside the run's thread
        lines = list(self.slice_lines.items())
        iterations = self.iterations[cursor.iterations :].tolist()
        if not iterations and (log_end, names_end, idle_end) == (
            cursor.log,
            cursor.names,
            cursor.idle,
        ):
            return None
        batch = {
            "from": cursor.log,
            "log": base64.b64encode(self.log[cursor.log : log_end].tobytes()).decode(),
            "names": self.names[cursor.names : names_end],
            "limits": self.limits[cursor.names : names_end],
            "details": [
                [index, describe_wait(detail)]
                for index, detail in details[cursor.details :]
                if index < log_end
            ],
            "idle": self.idle_spans[cursor.idle : idle_end],
            "iterations": iterations,
            "lines": [
                [index, path, line] for index, (path, line) in lines[cursor.lines :]
                if index < log_end
            ],
        }  # fmt: skip
        cursor.log, cursor.names, cursor.idle = log_end, names_end, idle_end
        cursor.details += len(batch["details"])
        cursor.lines += len(batch["lines"])
        cursor.iterations += len(iterations)
        return batch

    def absorb(self, batch: dict[str, Any]) -> None:
        """Add a batch from `batch_since` (sent by another process) to this recorder."""
        if batch["from"] != len(self.log):
            raise ValueError(f"trace batch from {batch['from']}, expected {len(self.log)}")
        self.names.extend(str(n) for n in batch["names"])
        self.limits.extend(int(n) for n in batch["limits"])
        self.log.frombytes(base64.b64decode(batch["log"]))
        for index, detail in batch["details"]:
            self.log_details[int(index)] = None if detail is None else str(detail)
        self.idle_spans.extend((int(a), int(b)) for a, b in batch["idle"])
        self.iterations.extend(int(t) for t in batch.get("iterations", ()))
        for index, path, line in batch.get("lines", ()):
            self.slice_lines[int(index)] = (str(path), int(line))

    def slices_since(self, at: int, *, final: bool = False) -> tuple[list[SliceRecord], int]:
        """The slices recorded from log index `at` on, and where to read from next time.

        A slice is its RUNNING entry and the entry after it (how it ended); one whose end
        is not in the log yet waits for the next call, unless `final` (the run is over:
        a slice that never ended is the one the machine stopped in, `running` to the end).
        """
        log, details, names = self.log, self.log_details, self.names
        out: list[SliceRecord] = []
        k, size = at, len(log)
        while k < size:
            event = log[k]
            if event >> _TICK & 7 != RUNNING:
                k += 1
                continue
            task = event >> _SHIFT
            start = event & _TICKS
            following = log[k + 1] if k + 1 < size else None
            if following is None or not ends_slice(following, task):
                if following is None and not final:
                    break
                out.append(SliceRecord(names[task], start, self.end, "running", None))
                k += 1
                continue
            state = following >> _TICK & 7
            if state == DONE:  # its detail says how it ended
                ended, words = str(details.get(k + 1)), None
            elif state == READY:
                ended, words = "ready", None
            else:
                detail = wait_detail(following, k + 1, details.get)
                ended, words = _END[state], describe_wait(detail)
            out.append(SliceRecord(names[task], start, following & _TICKS, ended, words))
            k += 2
        return out, k

    def line_at(self, task: int, tick: int) -> tuple[str, int] | None:
        """Where task `task` was at `tick`: the file and line at which it last gave the
        CPU up before `tick` (None before its first slice, or when lines were not kept).
        What the screen highlights in each task's code, as The Deadlock Empire does."""
        index = self._line_index
        if index is None or index[0] != len(self.slice_lines):
            index = self._index_lines()
        ends, wheres = index[1][task], index[2][task]
        k = bisect_right(ends, tick) - 1
        return wheres[k] if k >= 0 else None

    def _index_lines(self) -> tuple[int, list[list[int]], list[list[tuple[str, int]]]]:
        ends: list[list[int]] = [[] for _ in self.names]
        wheres: list[list[tuple[str, int]]] = [[] for _ in self.names]
        log = self.log
        for k in sorted(self.slice_lines):
            task = log[k] >> _SHIFT
            following = log[k + 1] if k + 1 < len(log) else None
            same = following is not None and ends_slice(following, task)
            # the slice the machine stopped in: where it stopped holds from its start
            ends[task].append(following & _TICKS if same else log[k] & _TICKS)
            wheres[task].append(self.slice_lines[k])
        self._line_index = (len(self.slice_lines), ends, wheres)
        return self._line_index

    # -- reading

    def task_names(self) -> list[str]:
        return list(self.names)

    def wait_at(self, task: int, tick: int) -> str | None:
        """What task `task` waits on at `tick`, in words: one search, no segments built."""
        marks = self.marks[task]
        k = bisect_right(marks, tick << 3 | 7) - 1
        if k < 0 or marks[k] & 7 not in (BLOCKED, SLEEPING):
            return None
        return describe_wait(self._details[task].get(k))

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
