"""`loop: asyncio` beyond what the differential test compares: generator-based tasks,
late arrivals, the trace and its iterations, the reports of a deadlock, a hang or a
crash, and a shuffled order, all on the asyncio-exact kernel (engine/aioloop.py)."""

from __future__ import annotations

import textwrap
from functools import partial

import pytest

from scheduler_game.engine import Shuffled
from scheduler_game.engine.aioloop import AsyncioKernel
from scheduler_game.engine.lines import LineRecorder
from tests.engine.conftest import lines, run_tasks, spans

run = partial(run_tasks, machine=AsyncioKernel)

TWO_AND_A_SLEEPER = """
async def a():
    for i in range(4):
        cpu(1)
        await pause()

async def b():
    for i in range(4):
        cpu(1)
        await pause()

async def sleeper():
    cpu(1)
    await sleep(2)
    print("woke")
"""


def test_a_due_sleeper_waits_for_the_iteration_after_its_timer():
    result, trace = run(TWO_AND_A_SLEEPER, "a", "b", "sleeper")
    # iterations: 0 [a, b, sleeper] (it sleeps at 3, due at 5); 3 [a, b]; 5 [a, b, its
    # timer], which schedules it; 7 [a, b, sleeper]: it runs at 9
    assert list(trace.iterations) == [0, 3, 5, 7, 10]
    assert lines(result) == [(9, "sleeper", "woke")]
    assert spans(trace, "sleeper", "sleeping") == [(3, 5)]
    assert spans(trace, "sleeper", "ready") == [(0, 2), (5, 9)]  # ready from its wake tick


def test_the_default_rules_run_it_sooner_and_record_no_iteration():
    result, trace = run_tasks(TWO_AND_A_SLEEPER, "a", "b", "sleeper")
    assert lines(result) == [(7, "sleeper", "woke")]
    assert list(trace.iterations) == []


def test_generator_tasks_yield_the_asyncio_objects():
    code = """
    q = Queue()
    lock = Lock()

    def producer():
        yield sleep(1)
        yield q.put("a")
        yield from q.put("b")

    def consumer():
        first = yield q.get()
        second = yield from q.get()
        yield lock.acquire()
        print(first, second, lock.locked())
        lock.release()
    """
    result, _ = run(code, "producer", "consumer")
    assert result.outcome == "finished"
    # 0 producer sleeps (due 1); 1 consumer waits; 2 the timer; 2 producer puts both,
    # waking the consumer; 3 the consumer takes both, and the free lock, without a wait
    assert lines(result) == [(3, "consumer", "a b True")]


def test_a_put_wakes_the_getter_but_a_newcomer_takes_the_item():
    code = """
    q = Queue()

    async def getter():
        print("got", await q.get())

    async def putter():
        await q.put(1)
        print("took back", q.get_nowait())
    """
    result, _ = run(code, "getter", "putter")
    assert lines(result) == [(1, "putter", "took back 1")]
    assert result.outcome == "deadlock"
    assert [(w.task, w.on) for w in result.waits] == [("getter", "get from queue q")]


def test_a_deadlock_names_who_holds_the_lock():
    code = """
    lock = Lock()
    ev = Event()

    async def holder():
        await lock.acquire()
        await ev.wait()

    async def waiter():
        await lock.acquire()
    """
    result, _ = run(code, "holder", "waiter")
    assert result.outcome == "deadlock"
    assert [(w.task, w.on, w.held_by) for w in result.waits] == [
        ("holder", "event ev", None),
        ("waiter", "lock lock", "holder"),
    ]


def test_cancelling_a_joiner_cancels_the_task_it_awaits_as_asyncio_does():
    code = """
    async def child():
        try:
            await sleep(10)
        except Cancelled:
            print("child cancelled")
            raise

    async def parent():
        await join(spawn(child))

    async def boss():
        p = spawn(parent)
        await pause()
        await pause()
        print("cancel", cancel(p))
    """
    result, _ = run(code, "boss")
    assert lines(result) == [(4, "boss", "cancel True"), (5, "child", "child cancelled")]
    assert {t.name: t.state for t in result.tasks} == {
        "boss": "finished",
        "parent": "cancelled",
        "child": "cancelled",
    }


def test_wait_for_runs_its_work_in_a_task_of_its_own():
    code = """
    async def a():
        try:
            await wait_for(sleep(5), 2)
        except Timeout:
            print("timeout")
    """
    result, _ = run(code, "a")
    assert [t.name for t in result.tasks] == ["a", "a/wait_for"]
    assert {t.name: t.state for t in result.tasks} == {"a": "finished", "a/wait_for": "cancelled"}
    # 0 a starts the work (deadline 2); 1 the work sleeps; 2 the deadline's timer; 2 a
    # cancels the work; 3 the work ends; 4 its end's callback; 4 a raises Timeout
    assert lines(result) == [(4, "a", "timeout")]


def test_a_late_arrival_starts_from_a_timer():
    code = """
    async def early():
        cpu(4)

    async def late():
        print("late")
    """
    result, trace = run(code, "early", ("late", {"at": 2}))
    # due at 2, during early's slice: the timer runs at 4, late runs in the iteration after
    assert lines(result) == [(4, "late", "late")]
    assert spans(trace, "late", "ready") == [(2, 4)]


def test_a_loop_that_never_yields_hangs_the_machine():
    code = """
    async def spin():
        while True:
            __lines__(1, 3)
    """
    result, _ = run(code, "spin", runaway_lines=50)
    assert (result.outcome, result.hung_task, result.hung_line) == ("hung", "spin", 3)


def test_a_crash_is_kept_and_a_joiner_gets_the_error():
    code = """
    async def bad():
        raise ValueError("no")

    async def watcher():
        try:
            await join(spawn(bad))
        except ValueError as err:
            print("saw", err)
    """
    result, _ = run(code, "watcher")
    assert lines(result) == [(2, "watcher", "saw no")]
    assert [t.state for t in result.tasks] == ["finished", "crashed"]


def test_the_clock_stops_at_max_ticks():
    code = """
    async def forever():
        while True:
            cpu(3)
            await pause()
    """
    result, _ = run(code, "forever", max_ticks=10)
    assert (result.outcome, result.ticks) == ("timeout", 10)


def test_a_shuffled_order_picks_among_the_tasks_of_an_iteration():
    code = """
    async def a():
        print("a")

    async def b():
        print("b")

    async def c():
        print("c")
    """
    orders = set()
    for seed in range(8):
        result, _ = run(code, "a", "b", "c", policy=Shuffled(seed))
        orders.add("".join(text for _, _, text in lines(result)))
        assert result.picks  # recorded, so that the order can be replayed
    assert len(orders) > 1


def test_the_line_recorder_finds_the_players_line_through_asyncio_code():
    code = """
    q = Queue()

    async def getter():
        x = 1
        await q.get()
    """
    recorder = LineRecorder()
    kernel = AsyncioKernel(observers=[recorder])
    from scheduler_game.engine import task_api

    namespace = task_api(kernel)
    exec(compile(textwrap.dedent(code), "getter.py", "exec"), namespace)
    kernel.add_task("getter", namespace["getter"])
    kernel.run()
    assert list(recorder.slice_lines.values()) == [("getter.py", 6)]


def test_the_preemptive_policy_is_refused():
    with pytest.raises(ValueError, match="no preemptive policy"):
        AsyncioKernel(quantum=5)


# -- what a player who tries to cheat meets (each was an attack that once worked) ----------


def test_a_join_iterated_by_hand_gives_task_code_nothing_of_the_engine():
    code = """
    async def victim():
        cpu(80)

    async def a():
        held = next(iter(join(spawn(victim))))
        print(type(held).__name__)
        print(held.coro)
    """
    result, _ = run(code, "a")
    assert lines(result) == [(0, "a", "TaskWait")]
    (a, victim) = result.tasks
    assert a.state == "crashed" and "'TaskWait' object has no attribute 'coro'" in a.error.message
    assert (victim.state, victim.cpu) == ("finished", 80)  # its own code ran, on the clock


def test_a_future_yielded_by_hand_is_refused_as_asyncio_refuses_it():
    code = """
    def a():
        it = iter(sleep(1))
        fut = next(it)
        yield fut  # as its own await would: taken, and the task wakes at 1
        yield fut  # again, done: asyncio's "yield was used instead of yield from"
    """
    result, _ = run(code, "a")
    (a,) = result.tasks
    assert a.state == "crashed"
    assert a.error.message.startswith("yield was used instead of await")


def test_a_sleep_begun_by_hand_before_a_long_slice_is_ready_only_after_it():
    code = """
    async def a():
        early = iter(sleep(1))
        fut = next(early)     # its timer: due at 1
        cpu(8)
        await fut
        print("woke")

    async def b():
        print("b")
    """
    result, trace = run(code, "a", "b")
    assert spans(trace, "a", "running")[0] == (0, 8)
    assert spans(trace, "a", "ready") == [(8, 9)]  # from the slice's end, never before
    assert result.tasks[0].longest_wait == 1


def test_a_stray_timer_does_not_keep_the_run_going_once_every_task_ended():
    code = """
    kept = []

    async def a():
        it = iter(sleep(60))
        kept.append(it)
        next(it)
    """
    result, _ = run(code, "a")
    assert (result.outcome, result.ticks) == ("finished", 1)


def test_a_lock_taken_in_a_wait_for_is_held_by_the_task_that_waited():
    code = """
    lk = Lock()
    q = Queue()

    async def a():
        await wait_for(lk.acquire(), 5)
        await q.get()

    async def b():
        await sleep(3)
        await lk.acquire()
    """
    result, _ = run(code, "a", "b")
    assert result.outcome == "deadlock"
    assert [(w.task, w.held_by) for w in result.waits] == [("a", None), ("b", "a")]


def test_wait_for_in_a_long_loop_does_not_count_against_max_tasks():
    code = """
    q = Queue()

    async def consumer():
        for i in range(30):
            await wait_for(q.get(), 5)

    async def producer():
        for i in range(30):
            await q.put(i)
            await sleep(1)
    """
    result, _ = run(code, "consumer", "producer", max_tasks=5)
    assert result.outcome == "finished"
    assert [t.state for t in result.tasks[:2]] == ["finished", "finished"]
    assert len(result.tasks) == 32


def test_a_sleeper_left_without_a_timer_is_reported_in_a_deadlock():
    code = """
    def a():
        fut = next(iter(sleep(1)))   # dropped at once: its timer is cancelled
        yield sleep(3)
        yield fut
    """
    result, _ = run(code, "a")
    assert result.outcome == "deadlock"
    assert [(w.task, w.on) for w in result.waits] == [("a", "a sleep whose timer is gone")]
