"""Property tests: on random mixes of tasks, the trace accounts for every tick."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.conftest import run_tasks

STEPS = st.one_of(
    st.tuples(st.just("cpu"), st.integers(0, 6)),
    st.tuples(st.just("pause"), st.just(0)),
    st.tuples(st.just("sleep"), st.integers(0, 8)),
    st.tuples(st.just("put"), st.integers(0, 3)),
    st.tuples(st.just("get"), st.just(0)),
    st.tuples(st.just("lock"), st.integers(0, 4)),
)
TASK = st.tuples(st.sampled_from(["native", "generator"]), st.lists(STEPS, max_size=8))


def task_code(name: str, style: str, steps: list[tuple[str, int]]) -> str:
    aw = "await" if style == "native" else "yield"
    head = f"async def {name}():" if style == "native" else f"def {name}():"
    body = []
    for kind, n in steps:
        if kind == "cpu":
            body.append(f"cpu({n})")
        elif kind == "pause":
            body.append(f"{aw} pause()")
        elif kind == "sleep":
            body.append(f"{aw} sleep({n})")
        elif kind == "put":
            body.append(f"{aw} q.put({n})")
        elif kind == "get":
            body.append(
                f"{aw} wait_for(q.get(), 5)"
                if style == "native"
                else "yield from wait_for(q.get(), 5)"
            )
        else:
            body += [f"{aw} door.acquire()", f"cpu({n})", f"{aw} pause()", "door.release()"]
    body += ["return 0"] if style == "native" else ["return", "yield"]
    return head + "\n" + "".join(f"    {line}\n" for line in body)


def program(tasks: list[tuple[str, list[tuple[str, int]]]]) -> tuple[str, list[str]]:
    names = [f"t{i}" for i in range(len(tasks))]
    code = "q = Queue(maxsize=2)\ndoor = Lock()\n"
    for name, (style, steps) in zip(names, tasks, strict=True):
        code += task_code(name, style, steps)
    return code, names


@settings(max_examples=150, deadline=None)
@given(st.lists(TASK, min_size=1, max_size=4), st.integers(20, 200))
def test_the_trace_tiles_time_and_one_task_or_idle_holds_the_cpu(tasks, max_ticks):
    code, names = program(tasks)
    result, rec = run_tasks(code, *names, max_ticks=max_ticks)
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
@given(st.lists(TASK, min_size=1, max_size=4), st.integers(0, 3))
def test_same_input_same_trace(tasks, seed):
    code, names = program(tasks)
    first = run_tasks(code, *names, seed=seed)
    second = run_tasks(code, *names, seed=seed)
    assert first[0].outcome == second[0].outcome and first[0].ticks == second[0].ticks
    assert [first[1].segments(n) for n in first[1].names] == [
        second[1].segments(n) for n in second[1].names
    ]
    assert first[0].output == second[0].output
