"""Property tests: on random mixes of tasks, the trace accounts for every tick."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.conftest import run_tasks
from tests.engine.programs import PROGRAM, program


@settings(max_examples=150, deadline=None)
@given(*PROGRAM, st.integers(20, 200))
def test_the_trace_tiles_time_and_one_task_or_idle_holds_the_cpu(level_tasks, helpers, max_ticks):
    code, tasks = program(level_tasks, helpers)
    result, rec = run_tasks(code, *tasks, max_ticks=max_ticks)
    end = result.ticks
    assert rec.end == end <= max_ticks
    busy: list[tuple[int, int]] = []
    for name in rec.names:
        segments = rec.segments(name)
        if end == 0:
            assert segments == []
            continue
        assert segments[0].start == 0 and segments[-1].end == end
        for before, after in itertools.pairwise(segments):
            assert before.end == after.start and before.start < before.end
        busy += [(s.start, s.end) for s in segments if s.state == "running"]
    busy += list(rec.idle_spans)
    busy.sort()
    for (_, a_end), (b_start, _) in itertools.pairwise(busy):
        assert a_end <= b_start, "two holders of the CPU at once"
    cpu = sum(t.cpu for t in result.tasks)
    idle = sum(b - a for a, b in rec.idle_spans)
    assert cpu + idle == end
    assert sum(b - a for a, b in busy) == end


@settings(max_examples=40, deadline=None)
@given(*PROGRAM, st.integers(0, 3))
def test_same_input_same_trace(level_tasks, helpers, seed):
    code, tasks = program(level_tasks, helpers)
    first = run_tasks(code, *tasks, seed=seed)
    second = run_tasks(code, *tasks, seed=seed)
    assert first[0].outcome == second[0].outcome and first[0].ticks == second[0].ticks
    assert [first[1].segments(n) for n in first[1].names] == [
        second[1].segments(n) for n in second[1].names
    ]
    assert first[0].output == second[0].output
