"""The packed log: what a switch costs in it, and the rare waits that do not fit in an
entry's field (a far wake, a wait whose first mention is too far back)."""

from __future__ import annotations

import json

import pytest

from scheduler_game.engine import Kernel, packed, task_api, trace
from scheduler_game.engine.trace import Spans, TraceCursor, TraceRecorder
from tests.engine.conftest import run_tasks

WAITS = """
q = Queue()
ev = Event()
door = Lock()

async def getter():
    for _ in range(30):
        await q.get()

async def putter():
    for _ in range(30):
        await pause()
        q.put_nowait(1)

async def waiter():
    await ev.wait()
    for _ in range(30):
        async with door:
            await sleep(3)

async def setter():
    await sleep(50)
    ev.set()
"""
WAITERS = ("getter", "putter", "waiter", "waiter", "setter")


def described(rec: TraceRecorder) -> list:
    return [rec.segments(name) for name in rec.names] + [rec.slices_since(0, final=True)]


def test_a_switch_is_two_or_three_entries_and_a_wait_stores_nothing_more():
    """Each slice is its RUNNING entry and the one that ends it, and a woken task one
    more: wait details are kept once per thing waited on, and how each task ended."""
    result, rec = run_tasks(WAITS, *WAITERS)
    slices = sum(t.slices for t in result.tasks)
    assert rec.log.itemsize == 8
    assert len(rec.log) <= len(rec.names) + 3 * slices  # ABSENT each, and 3 a slice at most
    waits = {"get from queue q", "lock door", "event ev"}  # what tasks waited on
    kept = [packed.describe_wait(d) for d in rec.log_details.values() if type(d) is not str]
    assert set(kept) == waits and len(kept) == len(waits)
    assert sum(1 for d in rec.log_details.values() if type(d) is str) == len(rec.names)


def test_far_wakes_and_far_back_waits_read_as_the_near_ones(monkeypatch):
    near = described(run_tasks(WAITS, *WAITERS)[1])
    monkeypatch.setattr(trace, "_FAR", 1)  # every wake and almost every wait too far
    rec = run_tasks(WAITS, *WAITERS)[1]
    assert described(rec) == near
    copy = TraceRecorder()
    copy.absorb(json.loads(json.dumps(rec.batch_since(TraceCursor()))))
    copy.end = rec.end
    assert described(copy) == near


def test_a_sleep_past_what_a_field_holds_keeps_its_wake():
    far = packed._FIELD + 10
    result, rec = run_tasks(
        f"""
        async def nap():
            cpu(2)
            await sleep({far})
        """,
        "nap",
        max_ticks=10 * far,
    )
    assert result.ticks == 2 + far + 1
    assert [(s.state, s.detail) for s in rec.segments("nap")] == [
        ("running", None),
        ("sleeping", f"until {2 + far}"),
        ("running", None),
    ]
    assert rec.slices_since(0)[0][0].detail == f"until {2 + far}"


def test_ticks_past_what_an_entry_holds_stop_the_run_rather_than_garble_it():
    kernel = Kernel(max_ticks=packed.LAST_TICK * 4)
    namespace = task_api(kernel)
    exec("async def hog():\n    cpu(2 ** 41)\n", namespace)
    kernel.add_task("hog", namespace["hog"])
    with pytest.raises(OverflowError):
        kernel.run()


def test_idle_spans_read_as_a_list_of_tuples():
    spans = Spans([(2, 7)])
    spans.add(9, 12)
    spans.append((15, 20))
    assert spans == [(2, 7), (9, 12), (15, 20)] and [(2, 7), (9, 12), (15, 20)] == spans  # noqa: SIM300
    assert spans == Spans(spans) and spans != [(2, 7)]
    assert len(spans) == 3 and spans[1] == (9, 12) and spans[-1] == (15, 20)
    assert spans[1:] == [(9, 12), (15, 20)] and spans[::2] == [(2, 7), (15, 20)]
    assert [b - a for a, b in spans] == [5, 3, 5]
    with pytest.raises(IndexError):
        spans[3]


def test_a_batch_carries_an_iteration_begun_after_the_last_entry():
    rec = TraceRecorder()
    cursor = TraceCursor()
    rec.loop_iteration(0)
    first = rec.batch_since(cursor)
    assert first is not None and first["iterations"] == [0]
    rec.loop_iteration(3)  # nothing else recorded since: still worth a batch
    second = rec.batch_since(cursor)
    assert second is not None and second["iterations"] == [3]
    assert rec.batch_since(cursor) is None
    copy = TraceRecorder()
    copy.absorb(first)
    copy.absorb(second)
    assert list(copy.iterations) == [0, 3]
