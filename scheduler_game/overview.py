"""A streamed run drawn whole: what the text report's timeline needs, kept up as the
sandbox's trace arrives, so that drawing it costs time in proportion to its cells, never
to the run's switches.

The report draws a run in one window from tick 0, as many ticks a cell as it takes to
fit. Reading every task's marks for that (`Timeline.from_trace`) costs a pass over the
whole trace at the end, and the marks as much memory as the log itself. An `Overview`
reads each batch's entries once, as it arrives (`feed`, a chunk at a time in C-level
passes: scheduler_game/packedlog.py), and keeps:

- the CPU: each task's ticks of CPU per bucket of ticks (scheduler_game/cpu_buckets.py);
- the rows of the first `rows` tasks (those a report draws): their marks, the same ticks
  and states as `TraceRecorder.marks` (details only ever split marks of one state), and
  the rank each mark shows held whole (starving: a wait past its limit), so that a cell
  reads its two end marks and the least rank of those between (a C-level `min`).

Once the run is over (`finish`), `row` and `cpu_row` draw exactly what a `Timeline` of
the trace's marks draws (tests/test_timeline.py checks it on random programs). The trace
itself is untouched: the screen and `check --events` read it as always.
"""

from __future__ import annotations

import copy
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from operator import sub
from typing import Any, Final

from scheduler_game import packedlog
from scheduler_game.cpu_buckets import CpuBuckets
from scheduler_game.engine.trace import ABSENT, READY, RUNNING, TraceRecorder
from scheduler_game.packedlog import IS_WAIT, LAYOUT, STATE, picked, read_chunk
from scheduler_game.timeline import (
    _CELLS,
    _RANK,
    IDLE,
    PAST_END,
    CellState,
    _check_window,
    iteration_cells,
)

OVERVIEW_ROWS: Final = 25  # the task rows an overview keeps: the text report's 24 or 25


class Overview:
    """What drawing a streamed run whole needs (see the module's docstring)."""

    def __init__(self, trace: TraceRecorder, rows: int = OVERVIEW_ROWS, buckets: int = 1024):
        if LAYOUT is None:
            raise RuntimeError("the engine's trace log has a layout overviews do not read")
        if not 0 <= rows < 32:
            raise ValueError(f"an overview keeps 0 to 31 rows, not {rows}")
        self.trace = trace
        self.rows = rows
        self.end = 0
        self.cpu = CpuBuckets(trace, buckets)
        self._read = 0  # log entries read
        self._done = False
        self._marks: list[array[int]] = []  # per drawn task
        self._ranks: list[bytearray] = []  # per drawn task: each settled mark's rank

    @property
    def broken(self) -> bool:
        """More tasks than an overview counts the CPU of: draw from the marks."""
        return self.cpu.broken

    # -- the drawing's interface, as `Timeline`'s

    @property
    def names(self) -> list[str]:
        return self.trace.names

    @property
    def limits(self) -> list[int]:
        return self.trace.limits

    @property
    def iterations(self) -> array[int]:
        return self.trace.iterations

    def __len__(self) -> int:
        return len(self.trace.names)

    def ending_at(self, end: int) -> Overview:
        """The same overview, over a run of `end` ticks (the report draws at least 1)."""
        other = copy.copy(self)
        other.end = end
        return other

    # -- kept up as the trace grows

    def feed(self, *, final: bool = False) -> None:
        """Read the entries the trace absorbed since the last call. A slice whose end is
        not in yet waits for the next call, unless `final`."""
        log, group = self.trace.log, LAYOUT.group  # type: ignore[union-attr]
        a, b = self._read, len(log)
        if not final and b > a and log[b - 1] >> group & 7 == RUNNING:
            b -= 1
        if b <= a:
            return
        drawn = min(len(self.trace.names), self.rows)
        while len(self._marks) < drawn:
            self._marks.append(array("q", [ABSENT]))
            self._ranks.append(bytearray())
        everyone = len(self.trace.names) <= self.rows
        while a < b:
            c = min(a + packedlog.CHUNK, b)
            while c < b and log[c - 1] >> group & 7 == RUNNING:
                c += 1  # a slice with its end
            chunk = read_chunk(log, a, c, self.rows)
            if drawn:
                self._fold(picked(chunk, everyone), chunk.low, chunk.tick_of, chunk.field_of)
            self.cpu.count(chunk)
            a = c
        self._read = b
        self._rank(final)

    def finish(self) -> None:
        """The run is over (the trace's `end` is set): read the rest."""
        self.end = self.trace.end
        self.feed(final=True)
        self._done = True
        self._rank(True)

    def _fold(
        self, entries: Iterable[int], low: bytes, ticks: array[int], fields: array[int]
    ) -> None:
        """Fold each entry (by position in its chunk) into its task's marks as
        `TraceRecorder.marks` does: a mark that holds no tick is replaced (and merges into
        the one before it if of the same state); a mark of the state held adds nothing."""
        all_marks, states, waits = self._marks, low.translate(STATE), low.translate(IS_WAIT)
        for j in entries:
            state = states[j]
            marks = all_marks[fields[j - 1] if waits[j] else fields[j]]
            tick = ticks[j]
            last = marks[-1]
            if last >> 3 == tick:
                marks[-1] = tick << 3 | state
                if len(marks) > 1 and marks[-2] & 7 == state:
                    marks.pop()
            elif last & 7 != state:
                marks.append(tick << 3 | state)

    def _rank(self, final: bool) -> None:
        """Rank the marks that can no longer change: all but the last two (the last may
        still be replaced and merge into the one before, whose end then moves), and at
        the end all but the last (which holds to the end of the run)."""
        starving = int(CellState.STARVING)
        for i, marks in enumerate(self._marks):
            ranks, limit = self._ranks[i], self.trace.limits[i]
            for k in range(len(ranks), len(marks) - (1 if final else 2)):
                mark = marks[k]
                if mark & 7 == READY and (mark >> 3) + limit < marks[k + 1] >> 3:
                    ranks.append(starving)
                else:
                    ranks.append(_RANK[mark & 7])

    # -- drawing

    def _ready(self) -> None:
        if not self._done:
            raise RuntimeError("an overview draws a run once it is over (finish)")

    def row(self, task: int, start_tick: int, ticks_per_cell: int, cells: int) -> list[CellState]:
        """As `Timeline.row`, for one of the first `rows` tasks."""
        _check_window(start_tick, ticks_per_cell, cells)
        self._ready()
        if not 0 <= task < len(self._marks):
            raise IndexError(f"an overview keeps the rows of its first {self.rows} tasks")
        marks, ranks, limit = self._marks[task], self._ranks[task], self.trace.limits[task]
        per = ticks_per_cell
        stop = min(start_tick + cells * per, self.end)
        out: list[CellState] = []
        for c in range(cells):
            a = start_tick + c * per
            if a >= stop:
                out.append(CellState.ABSENT)
                continue
            b = min(a + per, stop)
            first = bisect_right(marks, a << 3 | 7) - 1
            last = bisect_right(marks, (b - 1) << 3 | 7, first) - 1
            best = _held(marks, first, b, stop, limit)
            if last != first:
                best = min(best, _held(marks, last, b, stop, limit))
                if last > first + 1 and best:
                    best = min(best, min(ranks[first + 1 : last]))
            out.append(_CELLS[best])
        return out

    def cpu_row(self, start_tick: int, ticks_per_cell: int, cells: int) -> list[int]:
        """As `Timeline.cpu_row`."""
        _check_window(start_tick, ticks_per_cell, cells)
        self._ready()
        per = ticks_per_cell
        stop = min(start_tick + cells * per, self.end)
        totals = self.cpu.held_before([min(start_tick + c * per, stop) for c in range(cells + 1)])
        past = max(0, -(-(self.end - start_tick) // per))
        who: list[int] = []
        for c in range(cells):
            if c >= past:
                who.append(PAST_END)
                continue
            held = list(map(sub, totals[c + 1], totals[c]))
            most = max(held, default=0)
            who.append(held.index(most) if most > 0 else IDLE)
        return who

    def loop_row(self, start_tick: int, ticks_per_cell: int, cells: int) -> list[bool]:
        """As `Timeline.loop_row`: the trace's iterations, read as they are."""
        self._ready()
        return iteration_cells(self.iterations, self.end, start_tick, ticks_per_cell, cells)


def _held(marks: array[int], k: int, b: int, stop: int, limit: int) -> int:
    """The rank that the part of mark `k` inside a cell ending at `b` shows (the mark
    holds at some tick of the cell): `Timeline.row`'s rule, starving included."""
    mark = marks[k]
    state = mark & 7
    if state == READY:
        until = marks[k + 1] >> 3 if k + 1 < len(marks) else stop
        if (mark >> 3) + limit < min(until, stop, b):  # a starving tick in the cell
            return int(CellState.STARVING)
    return _RANK[state]


class StreamedTrace(TraceRecorder):
    """An engine trace absorbed from the sandbox's stream batch by batch, with its
    `overview` kept up as each batch arrives: what the text report draws (None when the
    engine's log has a layout overviews do not read: the report reads the marks then)."""

    def __init__(self, rows: int = OVERVIEW_ROWS) -> None:
        super().__init__()
        self.overview = Overview(self, rows) if LAYOUT is not None else None

    def absorb(self, batch: dict[str, Any]) -> None:
        super().absorb(batch)
        if self.overview is not None:
            self.overview.feed()

    def finish(self, end: int, outcome: str | None) -> None:
        """The run is over, at tick `end`."""
        self.end = end
        self.outcome = outcome
        if self.overview is not None:
            self.overview.finish()
