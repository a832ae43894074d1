"""GAME.md §2, rule by rule, with exact ticks, in both coroutine styles."""

from __future__ import annotations

import pytest

from tests.engine.conftest import lines, run_tasks, spans

BOTH = pytest.mark.parametrize("style", ["native", "generator"])


def code_for(style: str, native: str, generator: str) -> str:
    return native if style == "native" else generator


@BOTH
def test_a_slice_costs_what_cpu_burned_and_at_least_one_tick(style):
    code = code_for(
        style,
        """
        async def a():
            cpu(3)
            await pause()
            await pause()
        async def b():
            cpu(0)
            await pause()
        """,
        """
        def a():
            cpu(3)
            yield pause()
            yield
        def b():
            cpu(0)
            yield
        """,
    )
    result, rec = run_tasks(code, "a", "b")
    assert spans(rec, "a") == [(0, 3), (4, 5), (6, 7)]
    assert spans(rec, "b") == [(3, 4), (5, 6)]
    assert result.outcome == "finished" and result.ticks == 7
    assert result.task("a").cpu == 5 and result.task("b").cpu == 2


def test_now_inside_a_slice_is_its_start_plus_cpu_burned():
    result, _ = run_tasks(
        """
        async def a():
            print(now())
            cpu(4)
            print(now())
            await pause()
            print(now())
        """,
        "a",
    )
    assert lines(result) == [(0, "a", "0"), (4, "a", "4"), (4, "a", "4")]


@BOTH
def test_sleep_wakes_n_ticks_after_the_now_of_the_call(style):
    code = code_for(
        style,
        """
        async def a():
            cpu(2)
            await sleep(5)
            print("woke")
        """,
        """
        def a():
            cpu(2)
            yield sleep(5)
            print("woke")
        """,
    )
    result, rec = run_tasks(code, "a")
    assert lines(result) == [(7, "a", "woke")]
    assert [(s.start, s.end, s.state, s.detail) for s in rec.segments("a")] == [
        (0, 2, "running", None),
        (2, 7, "sleeping", "until 7"),
        (7, 8, "running", None),
    ]
    assert result.ticks == 8
    assert rec.idle_spans == [(2, 7)]  # nobody ready: the clock jumps


def test_end_of_slice_order_paused_task_first_then_sleepers_by_wake_then_sleep_order():
    result, _rec = run_tasks(
        """
        async def hog():
            cpu(1)
            await pause()
            cpu(10)
            await pause()
            print("hog")
        async def s1():
            await sleep(5)
            print("s1")
        async def s2():
            await sleep(3)
            print("s2")
        async def s3():
            await sleep(5)
            print("s3")
        """,
        "hog",
        "s1",
        "s2",
        "s3",
    )
    # hog runs [4, 14); during it s2 (due 4... ) etc wake; at 14 hog goes first, then
    # the sleepers in order of wake time, then of falling asleep.
    order = [o.task for o in result.output]
    assert order == ["hog", "s2", "s1", "s3"]


def test_a_sleeper_is_ready_from_its_wake_tick_even_if_queued_later():
    result, rec = run_tasks(
        """
        async def hog():
            cpu(10)
        async def beat():
            await sleep(2)
            print("beat")
        """,
        ("beat", {"max_wait": 5}),
        "hog",
    )
    beat = result.task("beat")
    # beat calls sleep(2) at now() == 0 and wakes at 2, but hog holds the CPU from 1 to 11
    assert beat.longest_wait == 9 and beat.longest_wait_from == 2
    assert beat.starved and beat.starved_ticks == 4
    assert [(s.state, s.start, s.end) for s in rec.segments("beat")] == [
        ("running", 0, 1),
        ("sleeping", 1, 2),
        ("ready", 2, 11),
        ("running", 11, 12),
    ]


def test_starve_after_is_the_default_limit():
    result, _ = run_tasks(
        """
        async def hog():
            cpu(11)
        async def other():
            pass
        """,
        "hog",
        "other",
        starve_after=10,
    )
    other = result.task("other")
    assert other.longest_wait == 11 and other.starved and other.max_wait == 10


def test_tasks_readied_during_a_slice_join_the_queue_at_once():
    result, _ = run_tasks(
        """
        async def setter():
            spawn(child)
            ev.set()
            await pause()
            print("setter")
        async def waiter():
            await ev.wait()
            print("waiter")
        async def child():
            print("child")
        ev = Event()
        """,
        "waiter",
        "setter",
    )
    assert [o.task for o in result.output] == ["child", "waiter", "setter"]


def test_a_plain_function_is_a_task_of_one_slice():
    result, rec = run_tasks(
        """
        def sub():
            cpu(3)
            print("done")
            return 42
        """,
        "sub",
    )
    assert spans(rec, "sub") == [(0, 3)]
    assert result.task("sub").result == 42 and result.task("sub").finished_at == 3


def test_yielding_junk_throws_type_error_into_the_task():
    result, _ = run_tasks(
        """
        def junk():
            try:
                yield 42
            except TypeError as err:
                print("caught", str(err))
            yield helper()
        def helper():
            yield
        """,
        "junk",
    )
    assert lines(result) == [
        (
            0,
            "junk",
            "caught a task may only yield a trap (pause(), sleep(n), q.get(), ...) or nothing, "
            "not 42",
        )
    ]
    err = result.task("junk").error
    assert result.task("junk").state == "crashed" and err.type == "TypeError"
    assert err.message == (
        "a task yielded generator object <generator object helper #1>: to run a helper "
        "coroutine, use `yield from helper()` (or `await helper()` in async def)"
    )


@pytest.mark.parametrize("bad", ["-1", "1.5", "'2'"])
def test_cpu_takes_a_whole_number(bad):
    result, _ = run_tasks(f"async def a():\n    cpu({bad})\n", "a")
    assert result.task("a").state == "crashed"
    assert result.task("a").error.type == "ValueError"
    assert result.task("a").error.message == f"cpu() takes a whole number of ticks >= 0, not {bad}"


def test_outcome_deadlock_reports_who_waits_for_what():
    result, _ = run_tasks(
        """
        async def alice():
            async with left:
                await pause()
                async with right:
                    pass
        def bob():
            yield right.acquire()
            yield
            yield left.acquire()
        left = Lock()
        right = Lock()
        """,
        "alice",
        "bob",
    )
    assert result.outcome == "deadlock"
    assert [(w.task, w.on, w.held_by) for w in result.waits] == [
        ("alice", "lock right", "bob"),
        ("bob", "lock left", "alice"),
    ]


def test_outcome_timeout_cuts_a_slice_at_max_ticks():
    result, rec = run_tasks(
        """
        async def long():
            cpu(5)
            await pause()
            cpu(100)
            print("never")
        """,
        "long",
        max_ticks=20,
    )
    assert result.outcome == "timeout" and result.ticks == 20
    assert spans(rec, "long") == [(0, 20)]
    assert lines(result) == []


def test_timeout_when_the_next_wake_is_past_max_ticks():
    result, rec = run_tasks("async def a():\n    await sleep(100)\n", "a", max_ticks=30)
    assert result.outcome == "timeout" and result.ticks == 30
    assert rec.idle_spans == [(1, 30)]


def test_outcome_hung_names_the_task_and_line():
    result, _ = run_tasks(
        """
        async def loop():
            while True:
                __lines__(1, 3)
        async def other():
            pass
        """,
        "other",
        "loop",
        runaway_lines=1000,
    )
    assert result.outcome == "hung" and result.ticks == 2
    assert result.hung_task == "loop" and result.hung_line == 3


def test_the_runaway_stop_keeps_raising_so_except_cannot_swallow_it():
    result, _ = run_tasks(
        """
        async def loop():
            while True:
                try:
                    while True:
                        __lines__(1, 5)
                except BaseException:
                    __lines__(1, 7)
        """,
        "loop",
        runaway_lines=100,
    )
    assert result.outcome == "hung" and result.hung_task == "loop"
    assert result.hung_line == 5 and result.ticks == 1  # the inner loop, never line 7


def test_crash_keeps_the_players_traceback_and_others_run_on():
    result, _ = run_tasks(
        """
        async def bad():
            await pause()
            {}["missing"]
        async def good():
            await pause()
            await pause()
            print("ok")
        """,
        "bad",
        "good",
    )
    bad = result.task("bad")
    assert bad.state == "crashed" and bad.error.type == "KeyError"
    assert bad.error.message == "'missing'"
    assert bad.error.frames == (("<string>", 4, "bad", ""),)  # its own frame alone
    assert lines(result) == [(4, "good", "ok")] and result.outcome == "finished"


def test_unfinished_tasks_are_closed_and_their_finally_blocks_run_at_the_last_tick():
    result, _ = run_tasks(
        """
        async def stuck():
            try:
                await Event().wait()
            finally:
                print("cleanup")
        async def timer():
            await sleep(7)
        """,
        "stuck",
        "timer",
    )
    assert result.outcome == "deadlock"
    assert lines(result) == [(9, "stuck", "cleanup")]  # timer woke at 8, ran [8, 9)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_coroutine_that_ignores_generator_exit_is_a_crash_of_that_task():
    result, _ = run_tasks(
        """
        def stubborn():
            while True:
                try:
                    yield Event().wait()
                except GeneratorExit:
                    pass
        """,
        "stubborn",
    )
    assert result.task("stubborn").state == "crashed"
    assert result.task("stubborn").error.type == "RuntimeError"
    assert result.task("stubborn").error.message == "generator ignored GeneratorExit"


def test_autostart_false_tasks_not_spawned_do_not_count_and_at_arrives_later():
    result, rec = run_tasks(
        """
        async def idle():
            pass
        async def late():
            print("here")
        """,
        ("idle", {"autostart": False}),
        ("late", {"at": 6}),
    )
    assert [t.name for t in result.tasks] == ["late"]
    assert lines(result) == [(6, "late", "here")]
    assert rec.segments("late")[0].state == "absent" and rec.segments("late")[0].end == 6
    assert result.outcome == "finished"


def test_same_level_same_code_same_trace():
    code = """
        async def a():
            for i in range(5):
                cpu(rand(1, 4))
                await q.put(i)
        async def b():
            for _ in range(5):
                print(await q.get())
                await sleep(rand(0, 3))
        q = Queue(maxsize=2)
        """
    first = run_tasks(code, "a", "b", seed=3)
    second = run_tasks(code, "a", "b", seed=3)
    other = run_tasks(code, "a", "b", seed=4)
    segs = [first[1].segments(n) for n in ("a", "b")]
    assert segs == [second[1].segments(n) for n in ("a", "b")]
    assert lines(first[0]) == lines(second[0])
    assert segs != [other[1].segments(n) for n in ("a", "b")]
