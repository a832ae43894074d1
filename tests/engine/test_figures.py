"""The figures the judge reads come from the trace alone: those the recorder counts as the
run goes equal those decoded from its packed log afterwards, on any program."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler_game.engine import Shuffled, TaskFigures, kernel
from scheduler_game.engine.figures import figures
from scheduler_game.engine.trace import (
    _TICK,
    ABSENT,
    BLOCKED,
    DONE,
    READY,
    RUNNING,
    SLEEPING,
    TraceRecorder,
)
from tests.engine.conftest import run_tasks
from tests.engine.programs import PROGRAM, program


def kernels_figures(result) -> list[TaskFigures]:
    return [dataclasses.replace(f, result=None, error=None) for f in result.tasks]


def assert_same_figures(result, recorder) -> None:
    derived = figures_from_log(recorder)
    counted = kernels_figures(result)
    assert [f.name for f in derived] == [f.name for f in counted]
    for ours, theirs in zip(derived, counted, strict=True):
        assert ours == theirs, f"{ours.name}: log {ours} != counted {theirs}"


POLICIES = st.sampled_from(["fifo", "fifo", "shuffled", "preemptive"])


@settings(max_examples=300, deadline=None)
@given(
    *PROGRAM,
    st.integers(0, 120),
    st.integers(0, 12),
    POLICIES,
    st.integers(0, 3),
)
def test_the_counted_figures_equal_those_decoded_from_the_log(
    level_tasks, helpers, max_ticks, starve_after, policy, seed
):
    code, tasks = program(level_tasks, helpers)
    options: dict = {"max_ticks": max_ticks, "starve_after": starve_after, "seed": seed}
    if policy == "shuffled":
        options["policy"] = Shuffled(seed)
    elif policy == "preemptive":
        options["quantum"] = 3
    result, recorder = run_tasks(code, *tasks, **options)
    assert recorder.end == result.ticks and recorder.outcome == result.outcome
    assert_same_figures(result, recorder)


# -- by hand, with exact numbers


def test_a_sleeper_woken_during_a_long_slice_waits_from_its_wake_tick():
    result, recorder = run_tasks(
        """
        async def heartbeat():
            for _ in range(3):
                await sleep(5)
        def cruncher():
            for _ in range(3):
                cpu(8)
                yield
        """,
        ("heartbeat", {"max_wait": 6}),
        "cruncher",
        max_ticks=100,
    )
    # heartbeat: 0..1 runs, sleeps to 5, ready 5..17 (behind the cruncher's pause at 9),
    # runs 17..18, sleeps to 22, ready 22..27, runs 27..28, sleeps to 32, runs 32..33.
    heartbeat, cruncher = figures(recorder)
    assert heartbeat == TaskFigures(
        name="heartbeat",
        state="finished",
        cpu=4,
        ready_wait=12 + 5,
        longest_wait=12,
        longest_wait_from=5,
        max_wait=6,
        starved=True,
        starved_ticks=(12 - 6) + 0,
        slices=4,
        finished_at=33,
    )
    assert cruncher == TaskFigures(
        name="cruncher",
        state="finished",
        cpu=8 + 8 + 8 + 1,
        ready_wait=1 + 1,
        longest_wait=1,
        longest_wait_from=0,
        max_wait=10,
        starved=False,
        starved_ticks=0,
        slices=4,
        finished_at=27,
    )
    assert_same_figures(result, recorder)


def test_a_task_that_never_runs_before_max_ticks_waits_to_the_end():
    result, recorder = run_tasks(
        """
        async def hog():
            cpu(50)
        async def starved():
            cpu(1)
        async def late():
            cpu(1)
        """,
        "hog",
        "starved",
        ("late", {"at": 30}),
        max_ticks=20,
    )
    assert result.outcome == "timeout" and recorder.end == 20
    hog, starved, late = figures(recorder)
    assert hog == TaskFigures("hog", "running", 20, 0, 0, 0, 10, False, 0, 1, None)
    assert starved == TaskFigures("starved", "ready", 0, 20, 20, 0, 10, True, 10, 0, None)
    assert late == TaskFigures("late", "new", 0, 0, 0, 0, 10, False, 0, 0, None)
    assert_same_figures(result, recorder)


def test_a_runaway_slice_counts_up_to_where_the_machine_stopped():
    result, recorder = run_tasks(
        """
        async def loop():
            cpu(3)
            while True:
                __lines__(1, 4)
        async def other():
            await sleep(2)
        """,
        "other",
        "loop",
        runaway_lines=100,
    )
    assert result.outcome == "hung" and recorder.end == 4
    other, loop = figures(recorder)
    # other: runs 0..1, sleeps to 2, which is inside loop's slice 1..4: ready 2..4.
    assert other == TaskFigures("other", "ready", 1, 2, 2, 2, 10, False, 0, 1, None)
    assert loop == TaskFigures("loop", "running", 3, 1, 1, 0, 10, False, 0, 1, None)
    assert_same_figures(result, recorder)


def test_autostart_false_tasks_count_only_once_spawned():
    result, recorder = run_tasks(
        """
        async def helper():
            cpu(2)
        async def idle():
            cpu(1)
        async def boss():
            await join(spawn(helper))
            await join(spawn(helper))
        """,
        ("helper", {"autostart": False, "max_wait": 3}),
        ("idle", {"autostart": False}),
        "boss",
    )
    assert recorder.names == ["boss", "helper", "helper-2"]
    boss, helper, helper2 = figures(recorder)
    assert boss == TaskFigures("boss", "finished", 3, 0, 0, 0, 10, False, 0, 3, 7)
    # boss 0..1 spawns helper at 0 and joins it; helper runs 1..3; boss 3..4 spawns
    # helper-2 at 3; helper-2 runs 4..6; boss 6..7.
    assert helper == TaskFigures("helper", "finished", 2, 1, 1, 0, 3, False, 0, 1, 3)
    assert helper2 == TaskFigures("helper-2", "finished", 2, 1, 1, 3, 3, False, 0, 1, 6)
    assert_same_figures(result, recorder)


def test_a_deadlock_leaves_each_task_in_its_last_state():
    code = """
        async def alice():
            await left.acquire()
            await pause()
            await right.acquire()
        async def bob():
            await right.acquire()
            await pause()
            await left.acquire()
        async def nap():
            await sleep(50)
        left = Lock()
        right = Lock()
        """
    result, recorder = run_tasks(code, "alice", "bob", max_ticks=30)
    assert result.outcome == "deadlock" and recorder.end == 4
    alice, bob = figures(recorder)
    assert alice == TaskFigures("alice", "blocked", 2, 1, 1, 1, 10, False, 0, 2, None)
    assert bob == TaskFigures("bob", "blocked", 2, 2, 1, 0, 10, False, 0, 2, None)
    assert_same_figures(result, recorder)

    result, recorder = run_tasks(code, "alice", "bob", "nap", max_ticks=30)
    assert result.outcome == "timeout" and recorder.end == 30  # nap's timer is past the end
    states = [(f.name, f.state, f.cpu, f.slices) for f in figures(recorder)]
    assert states == [
        ("alice", "blocked", 2, 2),
        ("bob", "blocked", 2, 2),
        ("nap", "sleeping", 1, 1),
    ]
    assert_same_figures(result, recorder)


def test_the_trace_follows_the_kernel_when_closing_tasks_wakes_others():
    # At the end, closing alice runs her `async with` exits, which hand `left` to bob:
    # the kernel then reports bob (and, closing bob, alice) as ready at the end tick.
    result, recorder = run_tasks(
        """
        async def alice():
            async with left:
                await pause()
                async with right:
                    pass
        async def bob():
            async with right:
                await pause()
                async with left:
                    pass
        left = Lock()
        right = Lock()
        """,
        "alice",
        "bob",
    )
    assert result.outcome == "deadlock"
    assert_same_figures(result, recorder)


def test_a_task_crashing_in_its_finally_at_close_time():
    result, recorder = run_tasks(
        """
        async def stuck():
            try:
                await Event().wait()
            finally:
                raise ValueError("in finally")
        """,
        "stuck",
    )
    assert result.task("stuck").state == "crashed"
    assert_same_figures(result, recorder)


def figures_from_log(recorder: TraceRecorder) -> list[TaskFigures]:
    """An independent oracle: every task's figures, in spawn order, decoded from the
    packed log alone in one pass, to hold against those the recorder counts as it goes.

    Call it after the run (`run_ended` gives the end tick). The rules (docs/engine.md): a
    ready-wait runs from the tick a task became ready (a sleeper: its wake tick) to the
    start of its next slice, or to the end of the run if it is still going on then; a
    task starves during any ready-wait longer than its limit. `result` and `error` are
    left None: the log does not hold them. One pass over the log, no Segment built.
    """
    count = len(recorder.names)
    limits = recorder.limits
    state = bytearray(count)  # ABSENT
    since = [0] * count  # the tick of the task's last state change
    cpu = [0] * count
    waited = [0] * count
    longest = [0] * count
    longest_from = [0] * count
    starved = [False] * count
    over = [0] * count
    slices = [0] * count
    # An entry is `(field << 3 | state) << _TICK | tick`; the field is the task's id, but
    # for SLEEPING and BLOCKED, which follow their slice's RUNNING entry (that task's).
    i = 0
    for event in recorder.log:
        code = event >> _TICK & 7
        if code != SLEEPING and code != BLOCKED:
            i = event >> (_TICK + 3)
        tick = event & ((1 << _TICK) - 1)
        if code == RUNNING:  # the task was ready until now
            wait = tick - since[i]
            if wait:
                waited[i] += wait
                if wait > longest[i]:
                    longest[i] = wait
                    longest_from[i] = since[i]
                if wait > limits[i]:
                    starved[i] = True
                    over[i] += wait - limits[i]
            slices[i] += 1
        elif state[i] == RUNNING:
            cpu[i] += tick - since[i]
        state[i] = code
        since[i] = tick

    end = recorder.end
    names = {
        ABSENT: kernel.NEW,
        READY: kernel.READY,
        RUNNING: kernel.RUNNING,
        SLEEPING: kernel.SLEEPING,
        BLOCKED: kernel.BLOCKED,
    }
    final: list[str] = []
    for i in range(count):
        code = state[i]
        if code == READY:  # a wait still going on counts, up to the end
            wait = end - since[i]
            waited[i] += wait
            if wait > longest[i]:
                longest[i] = wait
                longest_from[i] = since[i]
            if wait > limits[i]:
                starved[i] = True
                over[i] += wait - limits[i]
        elif code == RUNNING:  # the machine stopped inside this slice
            cpu[i] += end - since[i]
        final.append(names.get(code, ""))

    # How each ended task ended: the detail of its DONE entry, its last one in the log.
    log = recorder.log
    left = final.count("")
    if left:
        for index, detail in reversed(recorder.log_details.items()):
            event = log[index]
            i = event >> (_TICK + 3)
            if event >> _TICK & 7 == DONE and not final[i]:
                final[i] = detail
                left -= 1
                if not left:
                    break

    return [
        kernel.TaskFigures(
            name=recorder.names[i],
            state=final[i],
            cpu=cpu[i],
            ready_wait=waited[i],
            longest_wait=longest[i],
            longest_wait_from=longest_from[i],
            max_wait=limits[i],
            starved=starved[i],
            starved_ticks=over[i],
            slices=slices[i],
            finished_at=since[i] if state[i] == DONE else None,
        )
        for i in range(count)
    ]
