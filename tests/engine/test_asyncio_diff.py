"""The engine against real asyncio (3.11, virtual clock), through tests/asyncio_diff.py.

Differences do not fail this test: it checks that the harness works, and that each
difference documented in docs/engine.md ("Where the game simplifies asyncio") is still
reproduced, exactly, by its smallest example. If one disappears or changes, update the
doc and the table below together.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.asyncio_diff import Program, compare, run_asyncio, run_engine


def four_turns() -> list:
    steps: list = []
    for i in range(4):
        steps += [("print", str(i)), ("cpu", 1), ("pause",)]
    return steps


def test_a_program_both_agree_on():
    program = Program(
        [
            ("a", [("spawn", "h0"), ("lock", 2), ("print", "a"), ("join", 0)]),
            ("b", [("lock", 1), ("print", "b"), ("wait",), ("print", "b woke")]),
            ("c", [("cpu", 1), ("pause",), ("set",), ("print", "c")]),
        ],
        [("h0", [("cpu", 2), ("put", 5), ("get",)])],
    )
    engine, real = compare(program)
    assert engine == real
    assert engine == [
        (6, "h0", "got 5"),
        (6, "a", "a"),
        (6, "a", "joined None"),
        (7, "c", "c"),
        (9, "b", "b"),
        (9, "b", "b woke"),
        ("end", "finished"),
    ]


def test_the_timer_example_of_issue_13():
    program = Program(
        [
            ("A", four_turns()),
            ("B", four_turns()),
            ("C", four_turns()),
            ("S", [("print", "before"), ("cpu", 1), ("sleep", 2), ("print", "woke")]),
        ]
    )
    engine, real = compare(program)
    # S's sleep ends at 6. The game queues it at the end of the slice running then
    # (B's, 5..6): it runs at 9, after C and A. asyncio reads its timers at the start of
    # the iteration at 7, and the timer's callback only schedules S, for the iteration
    # at 10: it runs at 13, after A, B and C each took one more turn.
    assert [line for line in engine if line[1] == "S"] == [(3, "S", "before"), (9, "S", "woke")]
    assert [line for line in real if line[1] == "S"] == [(3, "S", "before"), (13, "S", "woke")]
    # loop: asyncio runs it as asyncio does
    exact = run_engine(program, loop="asyncio")
    assert [line for line in exact if line[1] == "S"] == [(3, "S", "before"), (13, "S", "woke")]
    assert exact == real
    assert sorted(line[1:] for line in engine[:-1]) == sorted(line[1:] for line in real[:-1])


# id -> (program, min_slice, engine's output, asyncio's output): docs/engine.md, one row each.
KNOWN = {
    "a-slice-costs-one-tick": (
        Program([("a", [("pause",), ("print", "a")])]),
        False,
        [(1, "a", "a"), ("end", "finished")],
        [(0, "a", "a"), ("end", "finished")],
    ),
    "timers-are-read-once-per-iteration": (
        Program(
            [("s", [("sleep", 1), ("print", "s")]), ("b", [("cpu", 3), ("pause",), ("print", "b")])]
        ),
        True,
        [(4, "s", "s"), (5, "b", "b"), ("end", "finished")],
        [(4, "b", "b"), (5, "s", "s"), ("end", "finished")],
    ),
    "a-put-hands-its-item-to-the-waiting-getter": (
        Program([("g", [("get",)]), ("p", [("put", 1), ("get_nowait",)])]),
        True,
        [(1, "p", "empty"), (2, "g", "got 1"), ("end", "finished")],
        [(1, "p", "got 1"), ("end", "deadlock")],
    ),
    "a-get-hands-the-freed-place-to-the-waiting-putter": (
        Program(
            [
                ("p1", [("put", 1), ("put", 2), ("print", "put 2")]),
                ("g", [("get",)]),
                ("p2", [("put_nowait", 3)]),
            ],
            maxsize=1,
        ),
        True,
        [(1, "g", "got 1"), (2, "p2", "full"), (3, "p1", "put 2"), ("end", "finished")],
        [(1, "g", "got 1"), ("end", "deadlock")],
    ),
    "wait_for-runs-in-the-task": (
        Program(
            [
                ("a", [("wait_for_get", 5)]),
                ("b", [("put", 7), ("cpu", 1), ("pause",), ("print", "b")]),
            ]
        ),
        True,
        [(2, "a", "got 7"), (3, "b", "b"), ("end", "finished")],
        [(2, "b", "b"), (3, "a", "got 7"), ("end", "finished")],
    ),
    "wait_for-starts-its-coroutine-at-once": (
        Program([("a", [("wait_for_sleep", 5, 1)]), ("b", [("cpu", 3), ("pause",)])]),
        True,
        [(4, "a", "slept"), ("end", "finished")],
        [(6, "a", "timeout"), ("end", "finished")],
    ),
    "cancelling-a-wait_for-takes-one-turn": (
        Program(
            [("a", [("spawn", "h0"), ("cpu", 1), ("pause",), ("cancel", 0), ("join", 0)])],
            [("h0", [("wait_for_sleep", 5, 9)])],
        ),
        True,
        [
            (2, "a", "cancel True"),
            (3, "h0", "end cancelled"),
            (4, "a", "joined a cancelled task"),
            ("end", "finished"),
        ],
        [
            (2, "a", "cancel True"),
            (4, "h0", "end cancelled"),
            (5, "a", "joined a cancelled task"),
            ("end", "finished"),
        ],
    ),
    "cancelling-a-joiner-leaves-the-joined-task": (
        Program(
            [("boss", [("spawn", "h0"), ("pause",), ("pause",), ("cancel", 0)])],
            [("h0", [("spawn", "h1"), ("join", 1)]), ("h1", [("sleep", 5), ("print", "done")])],
        ),
        True,
        [
            (4, "boss", "cancel True"),
            (5, "h0", "joined a cancelled task"),
            (8, "h1", "done"),
            ("end", "finished"),
        ],
        [
            (4, "boss", "cancel True"),
            (5, "h1", "end cancelled"),
            (6, "h0", "joined a cancelled task"),
            ("end", "finished"),
        ],
    ),
}


@pytest.mark.parametrize("name", list(KNOWN))
def test_the_asyncio_loop_has_none_of_them_but_the_minimum_slice(name):
    """Under `loop: asyncio` each example prints what asyncio prints, charged the minimum."""
    program, _, engine_out, _ = KNOWN[name]
    exact = run_engine(program, loop="asyncio")
    assert exact == run_asyncio(program, inner=True)
    if name != "a-slice-costs-one-tick":
        assert exact != engine_out


@pytest.mark.parametrize("name", list(KNOWN))
def test_each_documented_difference_is_reproduced(name):
    program, min_slice, engine_out, asyncio_out = KNOWN[name]
    assert run_engine(program) == engine_out
    assert run_asyncio(program, min_slice=min_slice) == asyncio_out


# -- random programs -----------------------------------------------------------------

# Steps whose rules are the same on both sides (no sleep, queue or wait_for): the search
# found no difference among them, and this keeps it so.
AGREEING = [
    st.tuples(st.just("cpu"), st.integers(1, 3)),
    st.tuples(st.just("pause")),
    st.tuples(st.just("set")),
    st.tuples(st.just("clear")),
    st.tuples(st.just("wait")),
    st.tuples(st.just("lock"), st.integers(0, 2)),
    st.tuples(st.just("sem"), st.integers(0, 2)),
]
LEVEL_ONLY = [
    st.tuples(st.just("spawn"), st.sampled_from(["h0", "h1"])),
    st.tuples(st.just("join"), st.integers(0, 2)),
    st.tuples(st.just("cancel"), st.integers(0, 2)),
]
DIFFERING = [
    st.tuples(st.just("sleep"), st.integers(0, 4)),
    st.tuples(st.just("swallow"), st.integers(0, 4)),
    st.tuples(st.just("put"), st.integers(0, 3)),
    st.tuples(st.just("put_nowait"), st.integers(0, 3)),
    st.tuples(st.just("get")),
    st.tuples(st.just("get_nowait")),
    st.tuples(st.just("wait_for_get"), st.integers(1, 4)),
    st.tuples(st.just("wait_for_sleep"), st.integers(1, 4), st.integers(0, 5)),
]


def programs(kinds: list, helper_kinds: list) -> st.SearchStrategy[Program]:
    def with_prints(steps: list) -> list:
        return [s for i, step in enumerate(steps) for s in (step, ("print", str(i)))]

    return st.builds(
        lambda ts, hs, maxsize, sem: Program(
            [(f"t{i}", with_prints(s)) for i, s in enumerate(ts)],
            [(f"h{i}", with_prints(s)) for i, s in enumerate(hs)],
            maxsize,
            sem,
        ),
        st.lists(st.lists(st.one_of(kinds), max_size=6), min_size=1, max_size=3),
        st.lists(st.lists(st.one_of(helper_kinds), max_size=4), min_size=2, max_size=2),
        st.integers(0, 2),
        st.integers(1, 2),
    )


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(programs(AGREEING + LEVEL_ONLY, AGREEING))
def test_without_timers_queues_or_wait_for_both_agree(program):
    engine, real = compare(program)
    assert engine == real


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(programs(AGREEING + LEVEL_ONLY + DIFFERING, AGREEING + DIFFERING))
def test_the_harness_runs_any_program_on_both_sides(program):
    # The search for differences: they are allowed (see KNOWN); the harness must not break.
    for side in compare(program):
        *lines, end = side
        assert end[0] == "end" and end[1] in ("finished", "deadlock", "timeout")
        assert all(isinstance(tick, int) for tick, _, _ in lines)
        assert [tick for tick, _, _ in lines] == sorted(tick for tick, _, _ in lines)
