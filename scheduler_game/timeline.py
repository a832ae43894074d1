"""The timeline as a model: what each task and the CPU did, cell by cell, over a window
of ticks. The text report (`scheduler-game check`) and the game's screen both draw it
from here, so they can never disagree about a cell.

It reads the trace's packed marks (`TraceRecorder.marks`: per task, an `array('q')` of
`tick << 3 | state`, in tick order; a state holds from its mark's tick to the next mark,
or to the end of the run), never a list of ticks: a window costs a binary search to its
first mark (per task, for the CPU row), then time in proportion to the marks inside it
and its cells, however long the run. `Timeline.from_segments` builds the same marks from
a verdict's segments, until the verdict carries marks itself.

The rules the player reads off the drawing:

- A task's ready-wait that outlasts its limit (`max_wait`) is *starving* from tick
  `since + limit` on: the first `limit` ticks of the wait are plain ready, every later
  tick is starving, so the starving cells count exactly the ticks the figures call
  starved. A limit of 0 makes every ready tick starving.
- A cell covering several ticks shows the most telling of their states, in the order of
  `CellState` (starving, running, ready, blocked, sleeping, done, absent).
- The CPU cell names the task that held the CPU for the most ticks of the cell (a tie
  goes to the task spawned first), or `IDLE` when no task held it at any tick of it.
- Ticks from the end of the run on are outside it: a cell with none of the run's ticks
  is absent (a task's row) or `PAST_END` (the CPU row).
- Under `loop: asyncio` the loop row marks (`LOOP_GLYPH`) each cell in which an iteration
  of the event loop begins: asyncio reads its timers only there, so a sleeper that came
  due after one began waits for the next (docs/engine.md). Under the game's loop, which
  has no iterations, there is no loop row.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Final, NamedTuple, Protocol

from scheduler_game.engine.trace import (
    ABSENT,
    BLOCKED,
    DONE,
    READY,
    RUNNING,
    SLEEPING,
    STATE_NAMES,
    TraceRecorder,
)


class CellState(IntEnum):
    """What a cell of a task's row shows. The order is the priority: a cell covering
    several ticks shows the first of these that one of its ticks was in."""

    STARVING = 0
    RUNNING = 1
    READY = 2
    BLOCKED = 3
    SLEEPING = 4
    DONE = 5
    ABSENT = 6

    @property
    def word(self) -> str:
        """The state as the legend names it: 'starving', 'running', ..."""
        return self.name.lower()


# The glyphs of a monochrome drawing (colour only adds to them).
GLYPHS: Final[Mapping[CellState, str]] = {
    CellState.STARVING: "!",
    CellState.RUNNING: "#",
    CellState.READY: "-",
    CellState.BLOCKED: "=",
    CellState.SLEEPING: ".",
    CellState.DONE: " ",
    CellState.ABSENT: " ",
}
IDLE: Final = -1  # a CPU cell in which no task held the CPU
PAST_END: Final = -2  # a CPU cell after the end of the run
IDLE_GLYPH: Final = "_"
LOOP_GLYPH: Final = "^"  # the loop row: an iteration of the event loop begins in this cell
LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"

_CELLS = tuple(CellState)
# A trace state code -> its CellState; codes 6 and 7 are unused and show as absent.
_CELL_OF = tuple(
    {
        READY: CellState.READY,
        RUNNING: CellState.RUNNING,
        SLEEPING: CellState.SLEEPING,
        BLOCKED: CellState.BLOCKED,
        DONE: CellState.DONE,
    }.get(code, CellState.ABSENT)
    for code in range(8)
)
_RANK = tuple(int(cell) for cell in _CELL_OF)  # the same, as plain ints for the hot loops
_CODE_OF = {name: code for code, name in enumerate(STATE_NAMES)}


def task_letter(task: int) -> str:
    """The letter that stands for a task in the CPU row and before its own row."""
    return LETTERS[task] if 0 <= task < len(LETTERS) else "*"


def cpu_glyph(who: int) -> str:
    """What a CPU cell shows: the holder's letter, `_` when idle, blank past the end."""
    if who == IDLE:
        return IDLE_GLYPH
    if who == PAST_END:
        return " "
    return task_letter(who)


def fit(ticks: int, room: int) -> tuple[int, int]:
    """The smallest whole number of ticks per cell that shows ticks 0..`ticks` in at most
    `room` cells, and the number of cells that takes."""
    if room < 1:
        raise ValueError(f"room must be at least 1 cell, not {room}")
    per = max(1, -(-ticks // room))
    return per, -(-ticks // per)


def ruler(
    start_tick: int, ticks_per_cell: int, cells: int, *, every: int = 10, spill: int = 0
) -> str:
    """The tick ruler above a window: the first tick of every `every`-th cell, written
    from that cell rightwards. The labelled cells are counted from tick 0, so the labels
    stay with their ticks as the window scrolls. A label may run `spill` characters past
    the last cell; trailing blanks are dropped."""
    _check_window(start_tick, ticks_per_cell, cells)
    line = [" "] * (cells + spill)
    for cell in range(-(start_tick // ticks_per_cell) % every, cells, every):
        for k, ch in enumerate(str(start_tick + cell * ticks_per_cell)):
            if cell + k < len(line):
                line[cell + k] = ch
    return "".join(line).rstrip()


def _check_window(start_tick: int, ticks_per_cell: int, cells: int) -> None:
    if start_tick < 0 or ticks_per_cell < 1 or cells < 0:
        raise ValueError(
            f"a window starts at tick 0 or later and has at least 1 tick per cell "
            f"(start_tick={start_tick}, ticks_per_cell={ticks_per_cell}, cells={cells})"
        )


class StateAt(NamedTuple):
    """A task's state at one tick: the trace's state code (`READY`, ...), whether that
    tick is starving, and the stretch [since, until) the state holds for."""

    state: int
    starving: bool
    since: int
    until: int

    @property
    def cell(self) -> CellState:
        """What a one-tick cell at that tick shows."""
        return CellState.STARVING if self.starving else _CELL_OF[self.state]


class Segment(Protocol):
    """A verdict's segment (`SegmentOut`): ticks [start, end) in the state named."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def state(self) -> str: ...


class TaskSegments(Protocol):
    """A verdict's task timeline (`TaskTimeline`)."""

    @property
    def name(self) -> str: ...
    @property
    def max_wait(self) -> int: ...
    @property
    def segments(self) -> Sequence[Segment]: ...


class VariantRun(Protocol):
    """A verdict's variant (`VariantVerdict`), as a timeline reads it."""

    @property
    def ticks(self) -> int: ...
    @property
    def trace(self) -> TraceRecorder | None: ...
    @property
    def timeline(self) -> Sequence[TaskSegments]: ...
    @property
    def idle(self) -> Sequence[Sequence[int]]: ...
    @property
    def iterations(self) -> Sequence[int] | None: ...


def marks_from_segments(segments: Iterable[Segment], end: int) -> array[int]:
    """A task's marks, from segments in tick order. A gap between segments, or after
    the last one before `end`, is absent; a segment without ticks is left out. Each
    segment gets its own mark, so a wait split over two ready segments is two waits (the
    engine never splits one)."""
    marks = array("q", [ABSENT])
    at = 0  # where the last segment ended

    def put(tick: int, code: int) -> None:
        if marks[-1] >> 3 == tick:  # the last mark holds no tick: this one replaces it
            marks[-1] = tick << 3 | code
        else:
            marks.append(tick << 3 | code)

    for seg in segments:
        if seg.end <= seg.start:
            continue
        if seg.start < at:
            raise ValueError(f"segments overlap or are out of order at tick {seg.start}")
        code = _CODE_OF.get(seg.state)
        if code is None:
            raise ValueError(f"unknown state {seg.state!r} (one of {', '.join(STATE_NAMES)})")
        if seg.start > at:
            put(at, ABSENT)
        put(seg.start, code)
        at = seg.end
    if at < end:
        put(at, ABSENT)
    return marks


@dataclass(frozen=True)
class Timeline:
    """Every task's marks over a run of `end` ticks, with its name and ready-wait limit
    (`max_wait`), in spawn order: task `i` is `names[i]`, `limits[i]`, `marks[i]`.
    `idle` (the CPU's idle spans [start, end)) travels with it for views that name them;
    the CPU row finds idle cells from the marks alone (on an engine trace the two agree:
    CPU + idle = ticks). `iterations`: under `loop: asyncio`, the tick at which each
    iteration of the event loop began, in order (several may share a tick); empty under
    the game's loop, and then views draw no loop row."""

    names: Sequence[str]
    limits: Sequence[int]
    marks: Sequence[array[int]]
    end: int
    idle: Sequence[tuple[int, int]] = ()
    iterations: Sequence[int] = ()

    def __post_init__(self) -> None:
        if not len(self.names) == len(self.limits) == len(self.marks):
            raise ValueError("names, limits and marks must have one entry per task")
        if self.end < 0:
            raise ValueError(f"the end tick must be 0 or more, not {self.end}")

    @classmethod
    def from_segments(
        cls,
        tasks: Iterable[TaskSegments],
        idle: Iterable[Sequence[int]] = (),
        *,
        end: int,
        iterations: Sequence[int] | None = None,
    ) -> Timeline:
        """The timeline of a verdict (`VariantVerdict.timeline`, `.idle`, `.iterations`)."""
        tasks = list(tasks)
        return cls(
            names=[t.name for t in tasks],
            limits=[t.max_wait for t in tasks],
            marks=[marks_from_segments(t.segments, end) for t in tasks],
            end=end,
            idle=[(a, b) for a, b in idle],
            iterations=iterations or (),
        )

    @classmethod
    def from_variant(cls, variant: VariantRun, *, end: int | None = None) -> Timeline:
        """A verdict's variant (`VariantVerdict`): from its streamed trace when it has
        one, else from its segments; `end` defaults to its ticks."""
        end = variant.ticks if end is None else end
        if variant.trace is not None:
            return cls.from_trace(variant.trace, end=end)
        return cls.from_segments(
            variant.timeline, variant.idle, end=end, iterations=variant.iterations
        )

    @classmethod
    def from_trace(cls, trace: TraceRecorder, *, end: int | None = None) -> Timeline:
        """The timeline of an engine trace (a `TraceRecorder`, recorded here or absorbed
        from the sandbox's stream): its marks as they are, no segment built."""
        return cls(
            names=list(trace.names),
            limits=list(trace.limits),
            marks=trace.marks,
            end=trace.end if end is None else end,
            idle=list(trace.idle_spans),
            iterations=trace.iterations,
        )

    def __len__(self) -> int:
        return len(self.names)

    def state_at(self, task: int, tick: int) -> StateAt:
        """Task `task`'s state at `tick` (0 <= tick < end): one binary search."""
        if not 0 <= tick < self.end:
            raise IndexError(f"tick {tick} is outside the run (0 to {self.end - 1})")
        marks = self.marks[task]
        k = bisect_right(marks, tick << 3 | 7) - 1
        if k < 0:  # before the first mark (a trace's first mark is at tick 0)
            return StateAt(ABSENT, False, 0, min(marks[0] >> 3, self.end) if marks else self.end)
        since = marks[k] >> 3
        until = min(marks[k + 1] >> 3, self.end) if k + 1 < len(marks) else self.end
        state = marks[k] & 7
        starving = state == READY and tick >= since + self.limits[task]
        return StateAt(state, starving, since, until)

    def row(self, task: int, start_tick: int, ticks_per_cell: int, cells: int) -> list[CellState]:
        """What each of `cells` cells of `ticks_per_cell` ticks from `start_tick` shows
        for task `task`: the highest-priority state of the cell's ticks."""
        _check_window(start_tick, ticks_per_cell, cells)
        per = ticks_per_cell
        best = [int(CellState.ABSENT)] * cells
        stop = min(start_tick + cells * per, self.end)
        marks = self.marks[task]
        limit = self.limits[task]
        starving, ready = int(CellState.STARVING), int(CellState.READY)
        n = len(marks)
        k = _first_mark(marks, start_tick)
        while k < n:
            mark = marks[k]
            since = mark >> 3
            if since >= stop:
                break
            k += 1
            until = marks[k] >> 3 if k < n else stop
            if until > stop:
                until = stop
            lo = since if since > start_tick else start_tick
            if until <= lo:
                continue
            rank = _RANK[mark & 7]
            if rank == ready and since + limit < until:  # the wait outlasts the limit
                cut = since + limit
                if cut > lo:
                    _paint(best, (lo - start_tick) // per, (cut - 1 - start_tick) // per, ready)
                    lo = cut
                rank = starving
            first, last = (lo - start_tick) // per, (until - 1 - start_tick) // per
            if first == last:  # most stretches, once a cell holds many ticks
                if rank < best[first]:
                    best[first] = rank
            else:
                _paint(best, first, last, rank)
        return [_CELLS[r] for r in best]

    def cpu_row(self, start_tick: int, ticks_per_cell: int, cells: int) -> list[int]:
        """Who held the CPU in each cell of the window: a task's index (the one that held
        it for the most ticks of the cell, the first spawned on a tie), `IDLE` when no
        task held it, `PAST_END` for a cell that starts after the run."""
        _check_window(start_tick, ticks_per_cell, cells)
        per = ticks_per_cell
        held = [0] * cells
        who = [IDLE] * cells
        stop = min(start_tick + cells * per, self.end)
        for task, marks in enumerate(self.marks):
            n = len(marks)
            k = _first_mark(marks, start_tick)
            cell, ticks = -1, 0  # this task's ticks in `cell`, not yet compared
            while k < n:
                mark = marks[k]
                since = mark >> 3
                if since >= stop:
                    break
                k += 1
                if mark & 7 != RUNNING:
                    continue
                until = marks[k] >> 3 if k < n else stop
                if until > stop:
                    until = stop
                lo = since if since > start_tick else start_tick
                while lo < until:
                    c = (lo - start_tick) // per
                    if c != cell:
                        if cell >= 0 and ticks > held[cell]:
                            held[cell], who[cell] = ticks, task
                        cell, ticks = c, 0
                    hi = start_tick + (c + 1) * per
                    if hi > until:
                        hi = until
                    ticks += hi - lo
                    lo = hi
            if cell >= 0 and ticks > held[cell]:
                held[cell], who[cell] = ticks, task
        for c in range(max(0, -(-(self.end - start_tick) // per)), cells):
            who[c] = PAST_END
        return who

    def loop_row(self, start_tick: int, ticks_per_cell: int, cells: int) -> list[bool]:
        """Which cells of the window hold the start of an iteration of the event loop
        (see `iteration_cells`)."""
        return iteration_cells(self.iterations, self.end, start_tick, ticks_per_cell, cells)

    def running_at(self, tick: int) -> int:
        """Who held the CPU at `tick` (0 <= tick < end): a task's index, or `IDLE`."""
        for task in range(len(self)):
            if self.state_at(task, tick).state == RUNNING:
                return task
        return IDLE


def iteration_cells(
    iterations: Sequence[int], end: int, start_tick: int, ticks_per_cell: int, cells: int
) -> list[bool]:
    """Which of `cells` cells of `ticks_per_cell` ticks from `start_tick` hold the start
    of a loop iteration, of the ticks `iterations` (in order) that fall before `end`. It
    costs a binary search per marked cell, however many iterations the run or a cell
    holds: a long run scrolls and zooms as fast as a short one."""
    _check_window(start_tick, ticks_per_cell, cells)
    marked = [False] * cells
    stop = min(start_tick + cells * ticks_per_cell, end)
    k, n = bisect_left(iterations, start_tick), len(iterations)
    while k < n and iterations[k] < stop:
        cell = (iterations[k] - start_tick) // ticks_per_cell
        marked[cell] = True
        k = bisect_left(iterations, start_tick + (cell + 1) * ticks_per_cell, k + 1)
    return marked


def _first_mark(marks: array[int], tick: int) -> int:
    """The index of the mark holding at `tick` (0 if none does yet): a binary search."""
    return max(0, bisect_right(marks, tick << 3 | 7) - 1)


def _paint(best: list[int], first: int, last: int, rank: int) -> None:
    for c in range(first, last + 1):
        if rank < best[c]:
            best[c] = rank
