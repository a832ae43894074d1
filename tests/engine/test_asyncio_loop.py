"""`loop: asyncio` (engine/aioloop.py) is asyncio: generated programs print the same
lines at the same ticks here and on the real asyncio loop (3.11, virtual clock, every
task step charged the game's one-tick minimum), through tests/asyncio_diff.py.

CI runs a fixed budget of examples, the same ones each time; a longer search, of new
programs each time, on demand:

    YIELD_DIFF_EXAMPLES=5000 python3 -m pytest tests/engine/test_asyncio_loop.py
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.asyncio_diff import Program, compare_exact
from tests.engine.test_asyncio_diff import AGREEING, DIFFERING, LEVEL_ONLY, programs

EXAMPLES = int(os.environ.get("YIELD_DIFF_EXAMPLES", "500"))
# CI tries the same programs every time; a run on demand tries new ones each time.
FIXED = "YIELD_DIFF_EXAMPLES" not in os.environ


# More than the default rules' search uses: waits with a time limit on a join, an
# event and a full queue, which take asyncio's most roundabout paths.
MORE = [
    st.tuples(st.just("wait_for_join"), st.integers(0, 2), st.integers(0, 4)),
    st.tuples(st.just("wait_for_wait"), st.integers(0, 4)),
    st.tuples(st.just("wait_for_put"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("sleep"), st.just(0)),
]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=FIXED, database=None)
@given(programs(AGREEING + LEVEL_ONLY + DIFFERING + MORE, AGREEING + DIFFERING + MORE))
def test_any_program_prints_the_same_lines_at_the_same_ticks(program):
    engine, real = compare_exact(program)
    assert engine == real


def _with_prints(steps: list) -> list:
    return [s for i, step in enumerate(steps) for s in (step, ("print", str(i)))]


EVERY_STEP = AGREEING + LEVEL_ONLY + DIFFERING + MORE


@settings(max_examples=EXAMPLES // 2, deadline=None, derandomize=FIXED, database=None)
@given(
    st.lists(st.lists(st.one_of(EVERY_STEP), max_size=10), min_size=1, max_size=5),
    st.lists(st.lists(st.one_of(EVERY_STEP), max_size=6), min_size=2, max_size=2),
    st.integers(0, 3),
    st.integers(1, 3),
)
def test_bigger_programs_whose_helpers_spawn_and_cancel_too(tasks, helpers, maxsize, sem):
    # Up to 5 tasks of 10 steps; helpers that spawn helpers run until the clock stops.
    program = Program(
        [(f"t{i}", _with_prints(s)) for i, s in enumerate(tasks)],
        [(f"h{i}", _with_prints(s)) for i, s in enumerate(helpers)],
        maxsize,
        sem,
    )
    engine, real = compare_exact(program)
    assert engine == real
