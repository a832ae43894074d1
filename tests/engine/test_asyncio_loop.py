"""`loop: asyncio` (engine/aioloop.py) is asyncio: generated programs print the same
lines at the same ticks here and on the real asyncio loop (3.11, virtual clock, every
task step charged the game's one-tick minimum), through tests/asyncio_diff.py.

CI runs a fixed budget of examples; a longer search on demand:

    YIELD_DIFF_EXAMPLES=5000 python3 -m pytest tests/engine/test_asyncio_loop.py
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.asyncio_diff import compare_exact
from tests.engine.test_asyncio_diff import AGREEING, DIFFERING, LEVEL_ONLY, programs

EXAMPLES = int(os.environ.get("YIELD_DIFF_EXAMPLES", "300"))


# More than the default rules' search uses: waits with a time limit on a join, an
# event and a full queue, which take asyncio's most roundabout paths.
MORE = [
    st.tuples(st.just("wait_for_join"), st.integers(0, 2), st.integers(0, 4)),
    st.tuples(st.just("wait_for_wait"), st.integers(0, 4)),
    st.tuples(st.just("wait_for_put"), st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("sleep"), st.just(0)),
]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
@given(programs(AGREEING + LEVEL_ONLY + DIFFERING + MORE, AGREEING + DIFFERING + MORE))
def test_any_program_prints_the_same_lines_at_the_same_ticks(program):
    engine, real = compare_exact(program)
    assert engine == real
