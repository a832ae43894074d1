"""GAME.md §3 and the fine print of §2, primitive by primitive, in both styles."""

from __future__ import annotations

import pytest

from scheduler_game.engine import BadPick, Kernel, Ordered, Shuffled, task_api
from tests.engine.conftest import lines, run_tasks, spans


def texts(result) -> list[str]:
    return [o.text for o in result.output]


@pytest.mark.parametrize("style", ["native", "generator"])
def test_queue_hands_an_item_straight_to_a_waiting_getter_without_a_switch(style):
    getter = (
        "async def getter():\n    print('got', await q.get())\n"
        if style == "native"
        else "def getter():\n    x = yield q.get()\n    print('got', x)\n"
    )
    result, rec = run_tasks(
        getter
        + """
async def putter():
    await q.put(1)
    print("put, still running")
    await q.put(2)
    print("queued", q.qsize())
q = Queue()
""",
        "getter",
        "putter",
    )
    assert texts(result) == ["put, still running", "queued 1", "got 1"]
    assert spans(rec, "putter") == [(1, 2)]  # both puts in one slice: no switch


def test_a_waiting_putters_item_goes_into_the_freed_place():
    result, _ = run_tasks(
        """
        async def producer():
            for i in range(3):
                await q.put(i)
                print("put", i)
        async def consumer():
            await pause()
            for _ in range(3):
                print("get", await q.get())
        q = Queue(maxsize=1)
        """,
        "producer",
        "consumer",
    )
    assert texts(result) == ["put 0", "get 0", "get 1", "put 1", "put 2", "get 2"]


def test_get_nowait_and_put_nowait():
    result, _ = run_tasks(
        """
        async def a():
            q.put_nowait(1)
            try:
                q.put_nowait(2)
            except QueueFull:
                print("full", q.full())
            print(q.get_nowait(), q.empty())
            try:
                q.get_nowait()
            except QueueEmpty:
                print("empty")
        q = Queue(maxsize=1)
        """,
        "a",
    )
    assert texts(result) == ["full True", "1 True", "empty"]


def test_a_free_lock_is_taken_without_a_switch_and_a_released_lock_goes_to_its_first_waiter():
    result, _rec = run_tasks(
        """
        async def first():
            await door.acquire()
            print("first in", door.locked())
            await pause()
            door.release()
            await pause()
            print("first again")
            async with door:
                print("first back in")
        def second():
            yield door.acquire()
            print("second in")
            yield
            door.release()
        async def third():
            async with door:
                print("third in")
        door = Lock()
        """,
        "first",
        "second",
        "third",
    )
    assert texts(result) == [
        "first in True",
        "second in",
        "first again",
        "third in",
        "first back in",
    ]


def test_a_lock_handed_to_a_task_cancelled_before_it_runs_passes_on():
    result, _ = run_tasks(
        """
        async def holder():
            await door.acquire()
            global victim_task
            victim_task = spawn(victim)
            spawn(next_in_line)
            await pause()
            door.release()          # handed to victim ...
            cancel(victim_task)     # ... which is cancelled before it runs
            await pause()
            print("holder done")
        async def victim():
            try:
                await door.acquire()
                print("victim got it")
            except Cancelled:
                print("victim cancelled", door.locked())
                raise
        async def next_in_line():
            await door.acquire()
            print("next got it")
        door = Lock()
        """,
        "holder",
    )
    assert lines(result) == [  # never "victim got it"
        (4, "victim", "victim cancelled True"),
        (5, "next_in_line", "next got it"),
        (6, "holder", "holder done"),
    ]
    assert result.task("victim").state == "cancelled"


@pytest.mark.parametrize("style", ["native", "generator"])
def test_cancel_wakes_a_sleeper_at_once_and_raises_at_its_await(style):
    sleeper = (
        """
async def sleeper():
    try:
        await sleep(100)
    except Cancelled:
        print("cancelled at", now())
        raise
"""
        if style == "native"
        else """
def sleeper():
    try:
        yield sleep(100)
    except Cancelled:
        print("cancelled at", now())
        raise
"""
    )
    result, _ = run_tasks(
        sleeper
        + """
async def boss():
    t = spawn(sleeper)
    await sleep(5)
    cpu(2)
    print(cancel(t))
    try:
        await join(t)
    except Cancelled:
        print("join raised Cancelled")
    print(cancel(t))
""",
        "boss",
    )
    assert lines(result) == [
        (7, "boss", "True"),
        (7, "sleeper", "cancelled at 7"),  # woken at once, mid-slice; runs at 7
        (8, "boss", "join raised Cancelled"),
        (8, "boss", "False"),
    ]
    assert result.task("sleeper").state == "cancelled"
    assert result.outcome == "finished"


def test_cancelled_is_a_base_exception_and_timeout_an_exception():
    k = Kernel()
    api = task_api(k)
    assert issubclass(api["Cancelled"], BaseException)
    assert not issubclass(api["Cancelled"], Exception)
    assert issubclass(api["Timeout"], Exception)


@pytest.mark.parametrize("style", ["native", "generator"])
def test_join_returns_the_result_or_reraises_the_error(style):
    boss = (
        """
async def boss():
    print(await join(spawn(good)))
    try:
        await join(spawn(bad))
    except ValueError as err:
        print("raised", err)
"""
        if style == "native"
        else """
def boss():
    r = yield join(spawn(good))
    print(r)
    try:
        yield join(spawn(bad))
    except ValueError as err:
        print("raised", err)
"""
    )
    result, _ = run_tasks(
        boss
        + """
async def good():
    await pause()
    return 42
def bad():
    raise ValueError("nope")
""",
        "boss",
    )
    assert texts(result) == ["42", "raised nope"]
    assert result.task("bad").state == "crashed"


@pytest.mark.parametrize(
    "call",
    [
        "await wait_for(q.get(), 5)",
        "await wait_for(slow(), 5)",
    ],
)
def test_wait_for_times_out_runs_inner_finally_and_raises_timeout(call):
    result, _ = run_tasks(
        f"""
        async def slow():
            try:
                await sleep(50)
            finally:
                print("inner finally at", now())
        async def a():
            try:
                {call}
            except Timeout:
                print("timeout at", now())
        q = Queue()
        """,
        "a",
    )
    out = texts(result)
    assert out[-1] == "timeout at 5"
    if "slow" in call:
        assert out[0] == "inner finally at 5"


def test_wait_for_in_generator_style_both_ways_and_in_time():
    result, _ = run_tasks(
        """
        def a():
            try:
                yield wait_for(q.get(), 3)
            except Timeout:
                print("timeout 1")
            x = yield from wait_for(q.get(), 10)
            print("got", x)
        async def b():
            await sleep(6)
            await q.put("late")
        q = Queue()
        """,
        "a",
        "b",
    )
    assert texts(result) == ["timeout 1", "got late"]


def test_semaphore_and_event():
    result, _ = run_tasks(
        """
        async def worker(i):
            async with slots:
                print("in", i, now())
                await sleep(3)
        async def main():
            for i in range(3):
                spawn(worker, i)
            await go.wait()
            print("go", go.is_set())
        async def starter():
            await sleep(1)
            go.set()
        slots = Semaphore(2)
        go = Event()
        """,
        "main",
        "starter",
    )
    assert texts(result)[:3] == ["in 0 2", "in 1 3", "go True"]
    # worker 0 wakes at 5, runs at 6 and hands its place straight to worker 2 (blocked)
    assert texts(result)[3] == "in 2 9"


def test_coroutine_lets_native_code_await_a_generator_based_helper():
    result, _ = run_tasks(
        """
        @coroutine
        def helper():
            yield pause()
            return "from helper"
        async def a():
            print(await helper())
        """,
        "a",
    )
    assert texts(result) == ["from helper"]


def test_spawned_tasks_get_unique_names_and_rand_is_seeded():
    code = """
        async def worker():
            print(rand(1, 1000))
        async def main():
            for _ in range(3):
                spawn(worker)
        """
    result, _ = run_tasks(code, "main", seed=7)
    assert [t.name for t in result.tasks] == ["main", "worker", "worker-2", "worker-3"]
    again, _ = run_tasks(code, "main", seed=7)
    other, _ = run_tasks(code, "main", seed=8)
    assert texts(result) == texts(again) == ["332", "971", "155"]
    assert texts(other) == ["233", "380", "986"]


CHOICE = """
    async def a():
        await pause()
        print("a")
    async def b():
        await pause()
        print("b")
    async def c():
        print("c")
    """


def test_ordered_picks_apply_only_where_more_than_one_is_ready():
    result, _ = run_tasks(CHOICE, "a", "b", "c", policy=Ordered(["c", "b", "b"]))
    assert texts(result) == ["c", "b", "a"]
    assert result.picks == ["c", "b", "b"]


def test_a_pick_that_is_not_ready_is_unusable():
    with pytest.raises(BadPick) as bad:
        run_tasks(CHOICE, "a", "b", "c", policy=Ordered(["zed"]))
    assert str(bad.value) == "pick 'zed' is not ready here; the ready tasks are: a, b, c"


def test_shuffled_is_seeded_and_replays_with_ordered():
    first, rec1 = run_tasks(CHOICE, "a", "b", "c", policy=Shuffled(5))
    again, _ = run_tasks(CHOICE, "a", "b", "c", policy=Shuffled(5))
    assert texts(first) == texts(again) == ["c", "b", "a"]  # random.Random(5)'s picks
    assert first.picks == again.picks == ["c", "b", "b"]
    replay, rec2 = run_tasks(CHOICE, "a", "b", "c", policy=Ordered(first.picks))
    assert texts(replay) == texts(first)
    assert [rec1.segments(n) for n in "abc"] == [rec2.segments(n) for n in "abc"]


@pytest.mark.parametrize("style", ["native", "generator"])
def test_preemptive_interrupts_inside_cpu_and_resumes_exactly_there(style):
    cruncher = (
        "async def cruncher():\n    cpu(12)\n    print('crunched', now())\n"
        if style == "native"
        else "def cruncher():\n    cpu(12)\n    print('crunched', now())\n    return\n    yield\n"
    )
    result, rec = run_tasks(
        cruncher
        + """
async def beat():
    for _ in range(3):
        print("beat", now())
        cpu(1)
        await pause()
""",
        "cruncher",
        "beat",
        quantum=5,
    )
    assert spans(rec, "cruncher") == [(0, 5), (6, 11), (12, 14)]
    assert texts(result) == ["beat 5", "beat 11", "crunched 14", "beat 14"]


def test_the_trace_records_every_task_and_names_spawned_copies_worker_2_worker_3():
    """Spawned copies of a task function are named `worker`, `worker-2`, `worker-3`, ...
    (task-api.md), counting the level task of that function as the first."""
    result, rec = run_tasks(
        """
        async def worker():
            await pause()
        async def main():
            spawn(worker)
            spawn(worker)
        """,
        "worker",
        "main",
    )
    assert rec.names == ["worker", "main", "worker-2", "worker-3"]
    assert [t.name for t in result.tasks] == rec.names
    assert {name: spans(rec, name) for name in rec.names} == {
        "worker": [(0, 1), (2, 3)],
        "main": [(1, 2)],
        "worker-2": [(3, 4), (5, 6)],
        "worker-3": [(4, 5), (6, 7)],
    }


def test_an_observer_sees_every_event_it_overrides():
    from scheduler_game.engine import Instrument

    class Log(Instrument):
        def __init__(self) -> None:
            self.events: list[tuple] = []

        def slice_started(self, task, tick):
            self.events.append(("start", task.name, tick))

        def slice_ended(self, task, start, end):
            self.events.append(("end", task.name, start, end, task.state))

        def task_exited(self, task, tick):
            self.events.append(("exit", task.name, tick))

        def idle(self, start, end):
            self.events.append(("idle", start, end))

    log = Log()
    k = Kernel(observers=[log])
    api = task_api(k)
    exec("async def a():\n    cpu(2)\n    await sleep(3)\n", api)
    k.add_task("a", api["a"])
    k.run()
    assert log.events == [
        ("start", "a", 0),
        ("end", "a", 0, 2, "sleeping"),
        ("idle", 2, 5),
        ("start", "a", 5),
        ("exit", "a", 6),
        ("end", "a", 5, 6, "finished"),
    ]
