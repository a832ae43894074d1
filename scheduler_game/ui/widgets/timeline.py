"""The timeline: who held the CPU at each tick, who waited, who starved.

A Line API widget (as Toolong's log view): it draws only the rows and columns on screen,
each row from `scheduler_game.timeline.Timeline` (the same arithmetic the text report
uses), and keeps the strips it drew in a cache until the window, the zoom, the cursor
or the run changes. A run of 500 tasks and a million ticks scrolls and zooms as fast as
a small one: a row costs a binary search and the marks inside the window.

Rows: the tick ruler, the CPU (the letter of the task that held it, `_` idle), under
`loop: asyncio` the loop (`^` where an iteration of the event loop began), then one row
per task. The task names stay put on the left while the cells scroll. Every state has a
glyph as well as a colour, so it reads in a monochrome terminal too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from scheduler_game.timeline import (
    GLYPHS,
    IDLE,
    LOOP_GLYPH,
    PAST_END,
    CellState,
    Timeline,
    cpu_glyph,
    fit,
    ruler,
    task_letter,
)

_LABEL_MAX = 16
_FIXED_ROWS = 2  # the ruler and the CPU (and the loop, under asyncio's loop)
_WHOLE_CPU_ROW = 4096  # cells: up to this, the CPU row is worked out for the whole run
JOIN_GLYPH = "▌"  # a slice that starts right where the same task's last one ended
BIG_RUN = 50_000  # marks: a run this big has its rows worked out off the screen's thread


def zoom_levels(end: int) -> list[int]:
    """Ticks per cell a player zooms through: 1, 2, 5, 10, 20, 50, ... up to the first
    that shows the whole run in one cell."""
    levels = [1]
    step = 0
    while levels[-1] < end:
        step += 1
        levels.append((1, 2, 5)[step % 3] * 10 ** (step // 3))
    return levels


class TimelineView(ScrollView, can_focus=True):
    """The run drawn tick by tick, with a cursor the player moves along it."""

    COMPONENT_CLASSES = {
        "timeline--label",
        "timeline--ruler",
        "timeline--cpu",
        "timeline--loop",
        "timeline--idle",
        "timeline--running",
        "timeline--ready",
        "timeline--starving",
        "timeline--blocked",
        "timeline--sleeping",
        "timeline--done",
        "timeline--cursor",
        "timeline--unrevealed",
    }

    DEFAULT_CSS = """
    TimelineView {
        height: auto;
        max-height: 16;
        min-height: 4;
        scrollbar-size-horizontal: 1;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    TimelineView > .timeline--label { color: $text-muted; }
    TimelineView > .timeline--ruler { color: $text-muted; }
    TimelineView > .timeline--cpu { color: $text; text-style: bold; }
    TimelineView > .timeline--idle { color: $text-disabled; }
    TimelineView > .timeline--loop { color: $text; text-style: bold; }
    TimelineView > .timeline--running { color: $success; text-style: bold; }
    TimelineView > .timeline--ready { color: $warning; }
    TimelineView > .timeline--starving { color: $error; text-style: bold reverse; }
    TimelineView > .timeline--blocked { color: $secondary; }
    TimelineView > .timeline--sleeping { color: $primary; }
    TimelineView > .timeline--done { color: $text-disabled; }
    TimelineView > .timeline--cursor { background: $accent 40%; }
    TimelineView > .timeline--unrevealed { color: $text-disabled; }
    """

    BINDINGS = [
        Binding("left", "cursor(-1)", "Tick", show=False),
        Binding("right", "cursor(1)", "Tick", show=False),
        Binding("shift+left", "cursor(-10)", "-10", show=False),
        Binding("shift+right", "cursor(10)", "+10", show=False),
        Binding("home", "cursor_to(0)", "Start", show=False),
        Binding("end", "cursor_to(-1)", "End", show=False),
        Binding("plus,equals_sign", "zoom(-1)", "Zoom in", show=False),
        Binding("minus", "zoom(1)", "Zoom out", show=False),
        Binding("0", "fit", "Fit", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CursorMoved(Message):
        """The player moved the cursor: the screen shows every task's state there."""

        def __init__(self, view: TimelineView, tick: int) -> None:
            super().__init__()
            self.view = view
            self.tick = tick

        @property
        def control(self) -> TimelineView:
            return self.view

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.timeline: Timeline | None = None
        self.joins: dict[int, set[int]] = {}
        self.reveal = 0  # ticks [0, reveal) are drawn; the rest is still to come
        self.per = 1  # ticks per cell
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._cpu_cache: LRUCache[tuple[int, ...], list[int]] = LRUCache(64)
        # what each row's cells show, apart from the cursor: moving the cursor restyles
        # the strips on screen without asking the model again
        self._rows: LRUCache[tuple[int, ...], list[CellState]] = LRUCache(2048)
        # a big run's rows are worked out on a thread: a frame draws what is ready, with
        # dots for the rest, and never waits (see _defer)
        self._big = False
        self._pending: dict[tuple[int, ...], Callable[[], list[Any]]] = {}
        self._computing = False
        self._generation = 0
        self._label_for: Timeline | None = None
        self._label_w = 6
        self._fixed = _FIXED_ROWS  # the rows that stay put as the tasks scroll

    # -- what to draw

    def show(
        self,
        timeline: Timeline | None,
        *,
        reveal: int | None = None,
        keep: bool = False,
        joins: dict[int, set[int]] | None = None,
    ) -> None:
        """Draw `timeline` (None: nothing), revealed up to `reveal` (default: all of it).
        With `keep`, the zoom and cursor stay as they are (a run that is still growing).
        `joins`: per task, the ticks where a slice of it begins right after another of
        its own ended (it gave the CPU up and got it straight back): drawn `▌`, since the
        marks alone show one unbroken bar there."""
        self.timeline = timeline
        self.joins = joins or {}
        end = timeline.end if timeline is not None else 0
        self.reveal = end if reveal is None else min(reveal, end)
        if not keep:
            self.per = self._fit_per()
            self.set_reactive(TimelineView.cursor, 0)
        self._changed()

    def share_scale(self, other: TimelineView) -> None:
        """Draw at the same ticks per cell as `other`, which draws the same too: both
        fit the longer of the two runs, so their ticks line up one above the other."""
        per = max(self._fit_per(), other._fit_per())
        for view in (self, other):
            view.per = per
            view._changed()

    def set_reveal(self, reveal: int) -> None:
        if self.timeline is None:
            return
        self.reveal = max(0, min(reveal, self.timeline.end))
        self._changed()

    @property
    def end(self) -> int:
        return self.timeline.end if self.timeline is not None else 0

    def _fit_per(self) -> int:
        room = max(1, self.size.width - self.label_width - 1) if self.size.width else 60
        return fit(max(self.end, 1), room)[0]

    @property
    def label_width(self) -> int:
        """The names' column: as wide as the longest name needs, up to a limit."""
        timeline = self.timeline
        if timeline is None:
            return 6
        if self._label_for is not timeline:
            longest = max((len(n) for n in timeline.names), default=3)
            self._label_w = min(_LABEL_MAX, max(5, longest + 3))
            self._label_for = timeline
        return self._label_w

    def _changed(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._cpu_cache.clear()
        self._rows.clear()
        self._pending.clear()
        self._big = self.timeline is not None and sum(map(len, self.timeline.marks)) > BIG_RUN
        cells = -(-max(self.end, 1) // self.per)
        self._fixed = _FIXED_ROWS + bool(self.timeline is not None and self.timeline.iterations)
        rows = self._fixed + (len(self.timeline) if self.timeline is not None else 0)
        self.virtual_size = Size(self.label_width + cells + 1, rows)
        self.refresh()

    # -- the cursor

    def watch_cursor(self, tick: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self, tick))

    def validate_cursor(self, tick: int) -> int:
        return max(0, min(tick, max(self.end - 1, 0)))

    def _scroll_to_cursor(self) -> None:
        cell = self.cursor // self.per
        room = max(1, self.size.width - self.label_width)
        x = self.scroll_offset.x
        if cell < x:
            self.scroll_to(x=cell, animate=False, immediate=True)
        elif cell >= x + room:
            self.scroll_to(x=cell - room + 1, animate=False, immediate=True)

    def action_cursor(self, cells: int) -> None:
        self.cursor = self.cursor + cells * self.per

    def action_cursor_to(self, tick: int) -> None:
        self.cursor = tick if tick >= 0 else self.end - 1

    def action_zoom(self, step: int) -> None:
        levels = zoom_levels(self.end)
        below = [i for i, z in enumerate(levels) if z <= self.per]
        here = below[-1] if below else 0
        self.per = levels[max(0, min(here + step, len(levels) - 1))]
        self._changed()
        self._scroll_to_cursor()

    def action_fit(self) -> None:
        self.per = self._fit_per()
        self._changed()
        self.scroll_to(x=0, animate=False)

    def on_resize(self) -> None:
        self._changed()

    def on_click(self, event: object) -> None:
        x = getattr(event, "x", None)
        if x is None or self.timeline is None:
            return
        cell = x - self.label_width
        if cell >= 0:
            self.cursor = (self.scroll_offset.x + cell) * self.per

    # -- drawing

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        label_w = self.label_width
        cells = max(0, width - label_w)
        first_cell = self.scroll_offset.x
        row = y if y < self._fixed else y + self.scroll_offset.y
        key = (self._generation, row, first_cell, cells, self.per, self.cursor, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._draw(row, first_cell, cells, label_w).adjust_cell_length(width)
            self._cache[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}", partial=True)

    def _draw(self, row: int, first_cell: int, cells: int, label_w: int) -> Strip:
        timeline = self.timeline
        base = self.rich_style
        if timeline is None:
            if row == 1:
                text = "  Run the level (ctrl+r) to see who holds the CPU, tick by tick."
                return Strip([Segment(text, base + self._style("label"))])
            return Strip.blank(0)
        start = first_cell * self.per
        label_style = base + self._style("label")
        if row == 0:
            label = "tick".ljust(label_w)
            inside = max(0, min(cells, -(-(self.end - start) // self.per)))
            text = ruler(start, self.per, inside, spill=3)
            return Strip([Segment(label, label_style), Segment(text, base + self._style("ruler"))])
        if row == 1:
            label = "CPU".ljust(label_w)
            segments = [Segment(label, label_style), *self._cpu_segments(start, cells, base)]
            return Strip(segments)
        if row < self._fixed:  # the loop row
            marked = self._revealed(timeline).loop_row(start, self.per, cells)
            drawn = [(LOOP_GLYPH if begins else " ", "loop") for begins in marked]
            return Strip(
                [
                    Segment("loop".ljust(label_w), label_style),
                    *self._cells(drawn, start, cells, base),
                ]
            )
        task = row - self._fixed
        if task >= len(timeline):
            return Strip.blank(0)
        name = timeline.names[task]
        label = f"{task_letter(task)} {name}"[: label_w - 1].ljust(label_w)
        shown = self._revealed(timeline)
        key = (self._generation, task, start, self.per, cells)
        cached = self._rows.get(key)
        if cached is None:
            per = self.per

            def work() -> list[CellState]:
                return shown.row(task, start, per, cells) if shown.end > start else []

            if self._big:
                self._defer(key, work)
                return Strip(
                    [
                        Segment(label, label_style),
                        Segment("·" * cells, base + self._style("unrevealed")),
                    ]
                )
            cached = work()
            self._rows[key] = cached
        states: list[CellState | None] = [*cached]
        states += [None] * (cells - len(states))
        if self.reveal < timeline.end:  # replaying: what is still to come is dotted
            hidden = max(0, -(-(self.reveal - start) // self.per))
            for i in range(hidden, cells):
                states[i] = None
        segments = self._task_segments(states, start, base, self.joins.get(task))
        return Strip([Segment(label, label_style), *segments])

    def _revealed(self, timeline: Timeline) -> Timeline:
        return timeline if self.reveal >= timeline.end else replace(timeline, end=self.reveal)

    def _cursor_cell(self, start: int, cells: int) -> int:
        cell = (self.cursor - start) // self.per
        return cell if 0 <= cell < cells and self.cursor < self.end else -1

    def _task_segments(
        self,
        states: list[CellState | None],
        start: int,
        base: Style,
        joins: set[int] | None = None,
    ) -> list[Segment]:
        styles = {
            CellState.RUNNING: self._style("running"),
            CellState.READY: self._style("ready"),
            CellState.STARVING: self._style("starving"),
            CellState.BLOCKED: self._style("blocked"),
            CellState.SLEEPING: self._style("sleeping"),
            CellState.DONE: self._style("done"),
            CellState.ABSENT: self._style("done"),
        }
        unrevealed = self._style("unrevealed")
        cursor_cell = self._cursor_cell(start, len(states))
        cursor_style = self._style("cursor")
        out: list[Segment] = []
        run_text: list[str] = []
        run_style: Style | None = None
        for i, state in enumerate(states):
            if state is None:
                glyph, style = ("·" if start + i * self.per < self.end else " "), unrevealed
            else:
                glyph, style = GLYPHS[state], styles[state]
                if joins and self.per == 1 and state is CellState.RUNNING and start + i in joins:
                    glyph = JOIN_GLYPH
            if i == cursor_cell:
                style = style + cursor_style
            if style is not run_style and run_text:
                out.append(Segment("".join(run_text), base + run_style))
                run_text = []
            run_style = style
            run_text.append(glyph)
        if run_text:
            out.append(Segment("".join(run_text), base + run_style))
        return out

    def _cpu_cells(self, shown: Timeline, start: int, cells: int) -> list[int] | None:
        """Who held the CPU in each cell of the window. At a zoom that shows the whole run
        in a few thousand cells, the row is worked out once for the whole run (scrolling
        then costs nothing); closer in, window by window."""
        if shown.end <= start:
            return []
        total = -(-shown.end // self.per)
        per = self.per
        whole = total <= _WHOLE_CPU_ROW
        key: tuple[int, ...] = (
            (self._generation, -1, per) if whole else (self._generation, -1, start, per, cells)
        )
        who = self._cpu_cache.get(key)
        if who is None:

            def work() -> list[int]:
                if whole:
                    return shown.cpu_row(0, per, total)
                return shown.cpu_row(start, per, cells)

            if self._big:
                self._defer(key, work)
                return None
            who = work()
            self._cpu_cache[key] = who
        if whole:
            first = start // per
            return who[first : first + cells]
        return who

    def _defer(self, key: tuple[int, ...], work: Callable[[], list[Any]]) -> None:
        """Work out a row on a thread; the strips are drawn again when it is ready."""
        self._pending[key] = work
        if not self._computing:
            self._computing = True
            self.run_worker(self._compute, thread=True, group="timeline-rows")

    def _compute(self) -> None:
        """On the worker's thread: every pending row (the model is read only)."""
        while True:
            batch = self.app.call_from_thread(self._take_pending)
            if not batch:
                return
            done = [(key, work()) for key, work in batch]
            self.app.call_from_thread(self._deliver, done)

    def _take_pending(self) -> list[tuple[tuple[int, ...], Callable[[], list[Any]]]]:
        batch = list(self._pending.items())
        self._pending.clear()
        if not batch:
            self._computing = False
        return batch

    def _deliver(self, done: list[tuple[tuple[int, ...], list[Any]]]) -> None:
        for key, cells in done:
            if key[0] != self._generation:
                continue  # drawn for a run or a zoom that is gone
            if key[1] == -1:
                self._cpu_cache[key] = cells
            else:
                self._rows[key] = cells
        self._cache.clear()
        self.refresh()

    def _cpu_segments(self, start: int, cells: int, base: Style) -> list[Segment]:
        timeline = self.timeline
        assert timeline is not None
        shown = self._revealed(timeline)
        who = self._cpu_cells(shown, start, cells)
        if who is None:  # being worked out
            return [Segment("·" * cells, base + self._style("unrevealed"))]
        drawn = [
            (" ", "unrevealed") if w == PAST_END else (cpu_glyph(w), "idle" if w == IDLE else "cpu")
            for w in who[:cells]
        ]
        return self._cells(drawn, start, cells, base)

    def _cells(
        self, drawn: list[tuple[str, str]], start: int, cells: int, base: Style
    ) -> list[Segment]:
        """A fixed row's cells: each a glyph and the name of its style, as far as the run
        is revealed (and drawn), then `·` for what is still to come; the cursor's cell lit."""
        cursor_cell = self._cursor_cell(start, cells)
        styles: dict[str, Style] = {}
        out = []
        for i in range(cells):
            if i < len(drawn) and start + i * self.per < max(self.reveal, 1):
                glyph, name = drawn[i]
            else:
                glyph, name = ("·" if start + i * self.per < self.end else " "), "unrevealed"
            if name not in styles:
                styles[name] = base + self._style(name)
            style = styles[name]
            if i == cursor_cell:
                style = style + self._style("cursor")
            out.append(Segment(glyph, style))
        return list(Segment.simplify(out))
