"""The timeline model: rows, the CPU row, the cursor's state and the segments adapter,
by hand on small mark arrays and by property against a tick-by-tick reading."""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler_game import overview as overview_module
from scheduler_game import packedlog
from scheduler_game.engine.aioloop import AsyncioKernel
from scheduler_game.engine.trace import (
    ABSENT,
    BLOCKED,
    DONE,
    READY,
    RUNNING,
    SLEEPING,
    TraceCursor,
    TraceRecorder,
)
from scheduler_game.level.verdict import SegmentOut, TaskTimeline
from scheduler_game.overview import Overview, StreamedTrace
from scheduler_game.timeline import (
    GLYPHS,
    IDLE,
    LOOP_GLYPH,
    PAST_END,
    CellState,
    StateAt,
    Timeline,
    cpu_glyph,
    fit,
    iteration_cells,
    marks_from_segments,
    ruler,
    task_letter,
)
from tests.engine.conftest import run_tasks
from tests.engine.programs import PROGRAM, program

# One character per cell state, for readable expectations: the report's glyphs, but with
# `d` for done so that it differs from absent.
CHAR = {**GLYPHS, CellState.DONE: "d"}


def marks(*changes: tuple[int, int]) -> array[int]:
    return array("q", [tick << 3 | state for tick, state in changes])


def timeline(*tasks: array[int], limits: list[int] | None = None, end: int) -> Timeline:
    return Timeline(
        names=[f"t{i}" for i in range(len(tasks))],
        limits=limits or [100] * len(tasks),
        marks=list(tasks),
        end=end,
    )


def draw(cells: list[CellState]) -> str:
    return "".join(CHAR[c] for c in cells)


def cpu(whos: list[int]) -> str:
    return "".join(cpu_glyph(w) for w in whos)


# ---------------------------------------------------------------- starving


def test_a_wait_past_its_limit_starves_from_since_plus_limit_on():
    tl = timeline(marks((0, ABSENT), (2, READY), (12, RUNNING)), limits=[4], end=14)
    assert draw(tl.row(0, 0, 1, 14)) == "  ----!!!!!!##"
    assert tl.state_at(0, 5) == StateAt(READY, False, 2, 12)
    assert tl.state_at(0, 6) == StateAt(READY, True, 2, 12)


def test_a_wait_of_exactly_its_limit_does_not_starve():
    tl = timeline(marks((0, READY), (4, RUNNING)), limits=[4], end=5)
    assert draw(tl.row(0, 0, 1, 5)) == "----#"


def test_a_limit_of_zero_starves_every_ready_tick():
    tl = timeline(marks((0, RUNNING), (1, READY), (3, DONE)), limits=[0], end=4)
    assert draw(tl.row(0, 0, 1, 4)) == "#!!d"


def test_a_wait_still_going_at_the_end_starves_up_to_the_end():
    tl = timeline(marks((0, READY)), limits=[2], end=5)
    assert draw(tl.row(0, 0, 1, 5)) == "--!!!"


def test_each_ready_mark_starts_a_wait_of_its_own():
    # The engine never writes two ready marks in a row; segments may, and each is a wait.
    tl = timeline(marks((0, READY), (3, READY)), limits=[2], end=6)
    assert draw(tl.row(0, 0, 1, 6)) == "--!--!"


# ---------------------------------------------------------------- cells and zoom


def test_a_cell_of_many_ticks_shows_its_most_telling_state():
    tl = timeline(
        marks((0, SLEEPING), (2, BLOCKED), (4, SLEEPING), (5, READY), (6, RUNNING), (7, DONE)),
        marks((0, READY), (7, RUNNING), (8, DONE)),
        limits=[100, 5],
        end=12,
    )
    assert draw(tl.row(0, 0, 1, 12)) == "..==.-#ddddd"
    # cells [0,4) [4,8) [8,12): blocked beats sleeping; running beats ready and sleeping
    assert draw(tl.row(0, 0, 4, 3)) == "=#d"
    # cells [0,3) [3,6) [6,9) [9,12)
    assert draw(tl.row(0, 0, 3, 4)) == "=-#d"
    # one starving tick (tick 5) is enough to mark its cell
    assert draw(tl.row(1, 0, 1, 12)) == "-----!!#dddd"
    assert draw(tl.row(1, 0, 4, 3)) == "-!d"
    assert draw(tl.row(1, 0, 12, 1)) == "!"


def test_zoom_levels_agree():
    tl = timeline(marks((0, RUNNING), (3, READY), (5, SLEEPING), (9, RUNNING)), end=10)
    assert draw(tl.row(0, 0, 1, 10)) == "###--....#"
    assert draw(tl.row(0, 0, 2, 5)) == "##-.#"
    assert draw(tl.row(0, 0, 5, 2)) == "##"
    assert draw(tl.row(0, 0, 100, 1)) == "#"


def test_a_window_starting_mid_segment():
    tl = timeline(marks((0, READY), (10, RUNNING), (12, SLEEPING)), limits=[3], end=20)
    assert draw(tl.row(0, 1, 1, 4)) == "--!!"
    assert draw(tl.row(0, 5, 1, 8)) == "!!!!!##."
    # an unaligned window at zoom 3: cells [4,7) [7,10) [10,13) [13,16)
    assert draw(tl.row(0, 4, 3, 4)) == "!!#."


def test_cells_outside_the_run_are_absent():
    tl = timeline(marks((0, RUNNING), (2, DONE), (6, DONE)), end=4)
    assert draw(tl.row(0, 0, 1, 8)) == "##dd    "
    assert draw(tl.row(0, 3, 2, 3)) == "d  "  # cell [3,5) holds tick 3 of the run
    assert draw(tl.row(0, 10, 5, 2)) == "  "
    assert tl.row(0, 0, 1, 0) == []


def test_before_the_first_mark_a_task_is_absent():
    tl = timeline(marks((3, READY), (4, RUNNING)), end=6)
    assert draw(tl.row(0, 0, 1, 6)) == "   -##"
    assert tl.state_at(0, 1) == StateAt(ABSENT, False, 0, 3)


def test_a_mark_that_holds_no_tick_is_overruled_by_the_next():
    tl = timeline(marks((0, READY), (2, RUNNING), (2, SLEEPING), (4, DONE)), end=5)
    assert draw(tl.row(0, 0, 1, 5)) == "--..d"
    assert tl.state_at(0, 2) == StateAt(SLEEPING, False, 2, 4)


def test_a_bad_window_is_refused():
    tl = timeline(marks((0, RUNNING)), end=4)
    for args in ((-1, 1, 4), (0, 0, 4), (0, 1, -1)):
        with pytest.raises(ValueError):
            tl.row(0, *args)
        with pytest.raises(ValueError):
            tl.cpu_row(*args)


# ---------------------------------------------------------------- the CPU row


def test_the_cpu_row_names_who_held_the_cpu_or_idle():
    tl = timeline(
        marks((0, RUNNING), (2, READY), (6, RUNNING), (7, DONE)),
        marks((0, READY), (2, RUNNING), (4, SLEEPING)),
        end=9,
    )
    assert cpu(tl.cpu_row(0, 1, 9)) == "aabb__a__"
    assert cpu(tl.cpu_row(0, 1, 12)) == "aabb__a__   "
    assert tl.cpu_row(0, 1, 12)[9:] == [PAST_END] * 3
    assert tl.cpu_row(4, 1, 2) == [IDLE, IDLE]


def test_a_cpu_cell_goes_to_who_held_it_most_and_a_tie_to_the_first_spawned():
    tl = timeline(
        marks((0, RUNNING), (1, READY), (5, RUNNING), (7, READY)),
        marks((0, READY), (1, RUNNING), (3, READY), (7, RUNNING)),
        end=8,
    )
    assert cpu(tl.cpu_row(0, 1, 8)) == "abb__aab"
    assert cpu(tl.cpu_row(0, 4, 2)) == "ba"  # [0,4): a 1, b 2; [4,8): a 2, b 1
    assert cpu(tl.cpu_row(0, 2, 4)) == "abaa"  # [0,2) and [6,8): a 1, b 1, a tie
    assert cpu(tl.cpu_row(3, 3, 2)) == "aa"  # [3,6): a 1 of 3; [6,9): a 1, b 1


def test_running_at_reads_one_tick_of_the_cpu_row():
    tl = timeline(marks((0, RUNNING), (2, DONE)), marks((0, READY), (3, RUNNING)), end=5)
    assert [tl.running_at(t) for t in range(5)] == [0, 0, IDLE, 1, 1]


def test_letters_and_glyphs():
    assert [task_letter(i) for i in (0, 1, 25, 26, 500)] == ["a", "b", "z", "*", "*"]
    assert (cpu_glyph(2), cpu_glyph(IDLE), cpu_glyph(PAST_END)) == ("c", "_", " ")
    assert set(GLYPHS) == set(CellState) and all(len(g) == 1 for g in GLYPHS.values())
    assert "".join(GLYPHS[c] for c in CellState) == "!#-=.  "
    assert [c.word for c in CellState][:3] == ["starving", "running", "ready"]


# ---------------------------------------------------------------- the cursor


def test_state_at_segment_boundaries():
    tl = timeline(marks((0, ABSENT), (2, READY), (5, RUNNING), (9, DONE)), limits=[2], end=9)
    assert tl.state_at(0, 0) == StateAt(ABSENT, False, 0, 2)
    assert tl.state_at(0, 1) == StateAt(ABSENT, False, 0, 2)
    assert tl.state_at(0, 2) == StateAt(READY, False, 2, 5)
    assert tl.state_at(0, 3) == StateAt(READY, False, 2, 5)
    assert tl.state_at(0, 4) == StateAt(READY, True, 2, 5)
    assert tl.state_at(0, 4).cell is CellState.STARVING
    assert tl.state_at(0, 5) == StateAt(RUNNING, False, 5, 9)
    assert tl.state_at(0, 8) == StateAt(RUNNING, False, 5, 9)  # the done mark is at the end
    for tick in (-1, 9):
        with pytest.raises(IndexError):
            tl.state_at(0, tick)


# ---------------------------------------------------------------- ruler and fit


def test_fit_takes_the_fewest_ticks_per_cell_that_fit():
    assert fit(137, 90) == (2, 69)
    assert fit(137, 46) == (3, 46)
    assert fit(20, 40) == (1, 20)
    assert fit(1, 10) == (1, 1)
    with pytest.raises(ValueError):
        fit(10, 0)


def test_the_ruler_labels_every_tenth_cell_and_keeps_its_labels_when_scrolled():
    assert ruler(0, 3, 46, spill=8) == "0         30        60        90        120"
    assert ruler(0, 1, 5) == "0"
    assert ruler(0, 100, 12) == "0         10"  # cut at the last cell
    assert ruler(0, 100, 12, spill=8) == "0         1000"
    assert ruler(5, 1, 20) == "     10        20"
    assert ruler(7, 2, 10) == "       21"  # an unaligned window: cell 7 is cell 10 from 0


# ---------------------------------------------------------------- the segments adapter


def seg(start: int, end: int, state: str) -> SegmentOut:
    return SegmentOut(start=start, end=end, state=state)


def test_marks_from_segments():
    segments = [seg(0, 2, "ready"), seg(2, 2, "running"), seg(2, 5, "running")]
    assert marks_from_segments(segments, 5) == marks((0, READY), (2, RUNNING))
    # a gap and a short tail are absent; a first segment after 0 leaves 0 absent
    segments = [seg(1, 3, "sleeping"), seg(4, 6, "blocked"), seg(6, 7, "done")]
    assert marks_from_segments(segments, 9) == marks(
        (0, ABSENT), (1, SLEEPING), (3, ABSENT), (4, BLOCKED), (6, DONE), (7, ABSENT)
    )
    assert marks_from_segments([], 0) == marks((0, ABSENT))
    with pytest.raises(ValueError, match="out of order"):
        marks_from_segments([seg(0, 4, "ready"), seg(3, 5, "running")], 5)
    with pytest.raises(ValueError, match="unknown state"):
        marks_from_segments([seg(0, 4, "starving")], 4)


def test_from_segments_reads_a_verdict():
    tasks = [
        TaskTimeline(name="hog", max_wait=6, segments=[seg(0, 7, "running"), seg(7, 9, "done")]),
        TaskTimeline(name="beat", max_wait=2, segments=[seg(0, 8, "ready"), seg(8, 9, "running")]),
    ]
    tl = Timeline.from_segments(tasks, [[7, 8]], end=9)
    assert (tl.names, tl.limits, tl.end, tl.idle) == (["hog", "beat"], [6, 2], 9, [(7, 8)])
    assert draw(tl.row(0, 0, 1, 9)) == "#######dd"
    assert draw(tl.row(1, 0, 1, 9)) == "--!!!!!!#"
    assert cpu(tl.cpu_row(0, 1, 9)) == "aaaaaaa_b"
    assert cpu(tl.cpu_row(0, 3, 3)) == "aaa"  # [6,9): a 1 tick, idle 1, b 1: a tie


@settings(max_examples=60, deadline=None)
@given(*PROGRAM, st.integers(0, 200))
def test_an_engine_trace_and_its_segments_make_the_same_timeline(level_tasks, helpers, ticks):
    code, tasks = program(level_tasks, helpers)
    result, rec = run_tasks(code, *tasks, max_ticks=ticks)
    direct = Timeline(rec.names, rec.limits, rec.marks, rec.end, rec.idle_spans)
    verdict = [
        TaskTimeline(
            name=name,
            max_wait=rec.limits[i],
            segments=[seg(s.start, s.end, s.state) for s in rec.segments(name)],
        )
        for i, name in enumerate(rec.names)
    ]
    adapted = Timeline.from_segments(verdict, rec.idle_spans, end=rec.end)
    for start, per in itertools.product((0, 7), (1, 4)):
        assert direct.cpu_row(start, per, 30) == adapted.cpu_row(start, per, 30)
        for i in range(len(direct)):
            assert direct.row(i, start, per, 30) == adapted.row(i, start, per, 30)
    # what the row shows is what the judge counts
    idle_cells = direct.cpu_row(0, 1, rec.end).count(IDLE)
    assert idle_cells == sum(b - a for a, b in rec.idle_spans)
    for i, figures in enumerate(result.tasks):
        row = direct.row(i, 0, 1, rec.end)
        assert row.count(CellState.STARVING) == figures.starved_ticks
        assert row.count(CellState.RUNNING) == figures.cpu
        assert row.count(CellState.READY) + row.count(CellState.STARVING) == figures.ready_wait


# ---------------------------------------------------------------- against a naive reading


def naive_state(changes: list[tuple[int, int]], limit: int, end: int, tick: int) -> CellState:
    """A task's cell at one tick, by reading its marks from the first."""
    if not 0 <= tick < end:
        return CellState.ABSENT
    state, since = ABSENT, 0
    for at, code in changes:
        if at > tick:
            break
        state, since = code, at
    if state == READY and tick - since >= limit:
        return CellState.STARVING
    return CellState[("ABSENT", "READY", "RUNNING", "SLEEPING", "BLOCKED", "DONE")[state]]


@st.composite
def changes(draw: st.DrawFn) -> list[tuple[int, int]]:
    """A task's state changes: any states, at ticks that never go back (a repeated tick
    is a mark that holds no tick), the first at tick 0 or later."""
    tick, out = 0, []
    for gap, state in draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5)), max_size=12)):
        tick += gap
        out.append((tick, state))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(changes(), st.integers(0, 6)), min_size=1, max_size=4),
    st.integers(0, 40),
    st.integers(0, 30),
    st.integers(1, 7),
)
def test_rows_match_a_tick_by_tick_reading(tasks, end, start, per):
    tl = timeline(
        *(marks(*changes) for changes, _ in tasks), limits=[lim for _, lim in tasks], end=end
    )
    span = end + 5
    for i, (changes, limit) in enumerate(tasks):
        ticks = [naive_state(changes, limit, end, t) for t in range(span)]
        assert tl.row(i, 0, 1, span) == ticks
        for t in range(end):
            assert tl.state_at(i, t).cell == ticks[t]
        # at any zoom, a cell shows the most telling of its ticks
        cells = tl.row(i, start, per, 6)
        assert cells == [
            min(ticks[t] if t < span else CellState.ABSENT for t in range(a, a + per))
            for a in range(start, start + 6 * per, per)
        ]
    # the CPU row: who ran most ticks of each cell, the first task on a tie
    running = [
        [
            naive_state(changes, limit, end, t) == CellState.RUNNING
            for t in range(span + 6 * per + start)
        ]
        for changes, limit in tasks
    ]
    expected = []
    for a in range(start, start + 6 * per, per):
        if a >= end:
            expected.append(PAST_END)
            continue
        held = [sum(r[a : a + per]) for r in running]
        expected.append(held.index(max(held)) if max(held) else IDLE)
    assert tl.cpu_row(start, per, 6) == expected


# ---------------------------------------------------------------- a streamed run's overview


def drawn_alike(overview: Overview, trace: TraceRecorder, end: int, rows: int) -> None:
    """The overview draws what the trace's marks draw, at every zoom and window."""
    view, direct = overview.ending_at(end), Timeline.from_trace(trace, end=end)
    per, cells = fit(end, 17)
    windows = [(0, 1, end + 3), (0, 3, 30), (5, 7, 10), (2, 1, 9), (0, per, cells), (1, per, 5)]
    for start, per, cells in windows:
        assert view.cpu_row(start, per, cells) == direct.cpu_row(start, per, cells)
        for i in range(min(rows, len(trace.names))):
            assert view.row(i, start, per, cells) == direct.row(i, start, per, cells)


@settings(max_examples=150, deadline=None)
@given(
    *PROGRAM,
    st.integers(0, 200),
    st.lists(st.integers(1, 30), max_size=8),  # where the stream cuts the log
    st.integers(0, 6),  # rows kept
    st.sampled_from([2, 3, 1024]),  # buckets: few, so they merge and cells end inside them
    st.sampled_from([3, 1 << 15]),  # entries read at a time
)
def test_an_overview_draws_what_the_marks_draw(
    level_tasks, helpers, ticks, cuts, rows, buckets, chunk
):
    code, tasks = program(level_tasks, helpers)
    _, rec = run_tasks(code, *tasks, max_ticks=ticks)
    received = TraceRecorder()
    overview = Overview(received, rows=rows, buckets=buckets)
    at = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(packedlog, "CHUNK", chunk)
        for cut in [*cuts, len(rec.log)]:  # names come before their tasks' entries
            upto = min(at + cut, len(rec.log))
            received.names[:], received.limits[:] = rec.names, rec.limits
            received.log.extend(rec.log[at:upto])
            overview.feed()
            at = upto
        received.end = rec.end
        overview.finish()
    drawn_alike(overview, rec, max(rec.end, 1), rows)


def test_a_streamed_trace_keeps_its_overview_as_batches_arrive():
    code = """
        async def worker(n):
            for _ in range(n):
                await pause()
            await sleep(3)

        async def main():
            workers = [spawn(worker, 40) for _ in range(30)]
            for w in workers:
                await join(w)
    """
    _, rec = run_tasks(code, ("worker", {"autostart": False}), "main")
    received, cursor = StreamedTrace(), TraceCursor()
    batches = 0
    while (batch := rec.batch_since(cursor)) is not None or batches == 0:
        if batch is not None:
            received.absorb(batch)
        batches += 1
    received.finish(rec.end, rec.outcome)
    assert received.overview is not None and len(received.overview) == 31 > 25
    drawn_alike(received.overview, rec, rec.end, 25)
    with pytest.raises(IndexError):  # only the rows a report draws are kept
        received.overview.row(25, 0, 1, 5)
    with pytest.raises(RuntimeError):  # and only once the run is over
        Overview(TraceRecorder()).cpu_row(0, 1, 5)


def test_an_engine_log_of_unknown_layout_gets_no_overview(monkeypatch):
    monkeypatch.setattr(overview_module, "LAYOUT", None)
    trace = StreamedTrace()
    assert trace.overview is None
    with pytest.raises(RuntimeError, match="layout"):
        Overview(trace)


# ---------------------------------------------------------------- the loop row

# Under `loop: asyncio`: A and B print, cpu(1), pause, four times; S sleeps 2 and is due
# at 5, but its timer is read as the iteration at 5 begins and S runs in the next, at 9.
DUE = """
    async def A():
        for i in range(4):
            cpu(1); await pause()

    def B():
        for i in range(4):
            cpu(1); yield

    async def S():
        cpu(1); await sleep(2)
"""


def loop(marked: list[bool]) -> str:
    return "".join(LOOP_GLYPH if m else " " for m in marked)


def test_the_loop_row_marks_each_cell_where_an_iteration_began():
    _, rec = run_tasks(DUE, "A", "B", "S", machine=AsyncioKernel)
    tl = Timeline.from_trace(rec)
    assert list(tl.iterations) == [0, 3, 5, 7, 10]
    assert cpu(tl.cpu_row(0, 1, 12)) == "abcabababcab"
    assert loop(tl.loop_row(0, 1, 12)) == "^  ^ ^ ^  ^ "
    assert loop(tl.loop_row(0, 2, 6)) == "^^^^ ^"  # [0,2) [2,4) [4,6) [6,8) [8,10) [10,12)
    assert loop(tl.loop_row(0, 5, 3)) == "^^^"
    assert loop(tl.loop_row(4, 1, 4)) == " ^ ^"  # a window from tick 4
    assert loop(tl.loop_row(0, 1, 15)) == "^  ^ ^ ^  ^    "  # past the end: nothing


def test_the_games_loop_has_no_iterations_and_no_loop_row():
    _, rec = run_tasks(DUE, "A", "B", "S")
    tl = Timeline.from_trace(rec)
    assert not tl.iterations
    assert loop(tl.loop_row(0, 1, 12)) == " " * 12
    assert not Timeline.from_segments([], end=5).iterations


def test_iterations_that_share_a_tick_or_a_cell_mark_it_once():
    # an iteration that runs only callbacks takes no time: the next begins at its tick
    assert loop(iteration_cells([0, 0, 0, 4, 4, 9], 10, 0, 1, 10)) == "^   ^    ^"
    assert loop(iteration_cells([0, 1, 2, 3, 4, 9], 10, 0, 5, 2)) == "^^"
    assert loop(iteration_cells([3, 10, 11], 10, 0, 1, 12)) == "   ^" + " " * 8  # end: 10
    assert loop(iteration_cells([], 10, 0, 1, 3)) == "   "
    with pytest.raises(ValueError):
        iteration_cells([0], 10, 0, 0, 3)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 60), max_size=40).map(sorted),
    st.integers(0, 70),  # end
    st.integers(0, 30),  # start
    st.integers(1, 9),  # ticks per cell
    st.integers(0, 20),  # cells
)
def test_the_loop_row_matches_a_tick_by_tick_reading(iterations, end, start, per, cells):
    expected = [
        any(start + c * per <= t < min(start + (c + 1) * per, end) for t in iterations)
        for c in range(cells)
    ]
    assert iteration_cells(array("q", iterations), end, start, per, cells) == expected


def test_a_streamed_trace_carries_its_iterations_to_its_overview():
    _, rec = run_tasks(DUE, "A", "B", "S", machine=AsyncioKernel)
    received, cursor = StreamedTrace(), TraceCursor()
    while (batch := rec.batch_since(cursor)) is not None:
        received.absorb(batch)
    received.finish(rec.end, rec.outcome)
    assert received.overview is not None
    assert list(received.iterations) == list(rec.iterations)
    view, direct = received.overview.ending_at(rec.end), Timeline.from_trace(rec)
    for start, per, cells in [(0, 1, 15), (0, 2, 6), (3, 3, 4)]:
        assert view.loop_row(start, per, cells) == direct.loop_row(start, per, cells)


# ---------------------------------------------------------------- the wall


def test_the_model_stands_alone():
    source = Path(__file__).resolve().parents[1] / "scheduler_game" / "timeline.py"
    ours = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            ours.add(node.module)
        elif isinstance(node, ast.Import):
            ours.update(alias.name for alias in node.names)
    assert {m for m in ours if m.startswith("scheduler_game")} == {"scheduler_game.engine.trace"}
    code = (
        "import sys, scheduler_game.timeline\n"
        "heavy = {'rich', 'textual', 'pydantic'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
