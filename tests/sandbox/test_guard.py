"""The runaway guard: every loop turn and every call is counted, the count cannot be
switched off or caught for good, and the player's line numbers stay as they were."""

from __future__ import annotations

import ast
import textwrap
import traceback

import pytest

from scheduler_game.engine import Halt, Kernel
from scheduler_game.sandbox.builtins import build_namespace
from scheduler_game.sandbox.guard import (
    CodeRefused,
    compile_guarded,
    instrument,
    statement_count,
)


class Stop(BaseException):
    """What the fake counter raises, like the engine's Halt: not an Exception."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class FakeCounter:
    """Mimics Kernel.count: spends a budget, raises once it is gone and on every call
    after, and returns None."""

    def __init__(self, budget: int = 10**9) -> None:
        self.left = budget
        self.calls: list[tuple[int, int]] = []
        self.stopped: Stop | None = None

    def __call__(self, lines: int, line: int) -> None:
        self.calls.append((lines, line))
        if self.stopped is not None:
            raise self.stopped
        self.left -= lines
        if self.left < 0:
            self.stopped = Stop(line)
            raise self.stopped


def load(source: str, counter: object, first_line: int = 1, filename: str = "task.py") -> dict:
    namespace = build_namespace({"__lines__": counter})
    exec(compile_guarded(textwrap.dedent(source), filename, first_line), namespace)
    return namespace


# ---------------------------------------------------------------- what is counted


def test_a_loop_counts_every_turn_at_its_line():
    counter = FakeCounter()
    ns = load(
        """\
        total = 0
        for i in range(5):
            total += i
        """,
        counter,
    )
    assert ns["total"] == 10
    assert counter.calls == [(1, 2)] * 5


def test_a_while_loop_charges_its_body_statements():
    counter = FakeCounter()
    load(
        """\
        n = 0
        while n < 3:
            if n:
                n += 1
            else:
                n += 1
        """,
        counter,
    )
    assert counter.calls == [(3, 2)] * 3


def test_nested_loops_count_each_at_its_own_line():
    counter = FakeCounter()
    load(
        """\
        for i in range(3):
            x = i
            for j in range(4):
                y = j
        """,
        counter,
    )
    assert counter.calls.count((2, 1)) == 3
    assert counter.calls.count((1, 3)) == 12
    assert len(counter.calls) == 15


def test_comprehensions_count_every_item_and_keep_their_filters():
    counter = FakeCounter()
    ns = load(
        """\
        evens = [x for x in range(6) if x % 2 == 0]
        pairs = {(a, b) for a in range(2) for b in range(3)}
        squares = {k: k * k for k in range(4)}
        total = sum(n for n in range(5))
        """,
        counter,
    )
    assert ns["evens"] == [0, 2, 4]
    assert len(ns["pairs"]) == 6
    assert ns["squares"] == {0: 0, 1: 1, 2: 4, 3: 9}
    assert ns["total"] == 10
    lines = [line for _, line in counter.calls]
    assert (lines.count(1), lines.count(2), lines.count(3), lines.count(4)) == (6, 2 + 6, 4, 5)


def test_comprehensions_work_with_a_counter_that_returns_none():
    """Kernel.count returns None: the comprehension filter must not depend on it."""
    kernel = Kernel(runaway_lines=1_000)
    ns = load("xs = [x for x in range(5)]\n", kernel.count)
    assert ns["xs"] == [0, 1, 2, 3, 4]
    assert kernel.lines_left == 1_000 - 5


def test_recursion_counts_every_call_at_the_def_line():
    counter = FakeCounter()
    ns = load(
        """\
        def fact(n):
            '''n!'''
            if n < 2:
                return 1
            return n * fact(n - 1)
        """,
        counter,
    )
    assert ns["fact"](5) == 120
    assert counter.calls == [(4, 1)] * 5
    assert ns["fact"].__doc__ == "n!"


def test_a_lambda_counts_every_call():
    counter = FakeCounter()
    ns = load("square = lambda x: x * x\nresult = list(map(square, range(3)))\n", counter)
    assert ns["result"] == [0, 1, 4]
    assert counter.calls == [(1, 1)] * 3


def test_async_functions_and_async_for_are_counted():
    counter = FakeCounter()
    ns = load(
        """\
        async def agen():
            for i in range(3):
                yield i

        async def main():
            total = 0
            async for x in agen():
                total += x
            return total
        """,
        counter,
    )
    counter.calls.clear()
    coro = ns["main"]()
    with pytest.raises(StopIteration) as done:
        coro.send(None)
    assert done.value.value == 3
    assert sorted(set(counter.calls)) == [(1, 1), (1, 2), (1, 7), (3, 5)]
    assert counter.calls.count((1, 7)) == 3 and counter.calls.count((1, 2)) == 3


# ---------------------------------------------------------------- it cannot be beaten


def test_a_loop_is_stopped_at_its_line():
    counter = FakeCounter(budget=1_000)
    ns = load("def spin():\n    x = 0\n    while True:\n        x += 1\n", counter)
    with pytest.raises(Stop) as stop:
        ns["spin"]()
    assert stop.value.line == 3


def test_catching_the_stop_does_not_help():
    counter = FakeCounter(budget=1_000)
    ns = load(
        """\
        def attacker():
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
        """,
        counter,
    )
    with pytest.raises(Stop):
        ns["attacker"]()
    assert len(counter.calls) <= 1_000 + 3


def test_catching_the_stop_in_every_loop_does_not_help():
    counter = FakeCounter(budget=100)
    ns = load(
        """\
        def attacker():
            while True:
                try:
                    while True:
                        try:
                            pass
                        except BaseException:
                            continue
                except BaseException:
                    continue
        """,
        counter,
    )
    with pytest.raises(Stop):
        ns["attacker"]()


def test_loops_in_finally_and_recursion_after_the_stop_are_stopped_too():
    counter = FakeCounter(budget=100)
    ns = load(
        """\
        def again():
            return 1

        def attacker():
            try:
                while True:
                    pass
            finally:
                try:
                    again()
                except BaseException:
                    pass
                for _ in range(10**9):
                    pass
        """,
        counter,
    )
    with pytest.raises(Stop):
        ns["attacker"]()
    assert len(counter.calls) <= 100 + 3


def test_the_engine_s_own_counter_stops_a_runaway_loop():
    kernel = Kernel(runaway_lines=500)
    ns = load("def spin():\n    while True:\n        pass\n", kernel.count, first_line=40)
    with pytest.raises(Halt) as halt:
        ns["spin"]()
    assert (halt.value.reason, halt.value.line) == ("hung", 41)


def test_task_code_cannot_touch_the_counter():
    with pytest.raises(CodeRefused) as refused:
        compile_guarded("__lines__ = lambda *a: None\n", "task.py")
    assert refused.value.issues[0].message.startswith("`__lines__`: names starting with _")


# ---------------------------------------------------------------- line numbers


BROKEN = """\
def work(items):
    total = 0
    for item in items:
        total += 10 // item
    return total
"""


def crash_line(code: object) -> int:
    namespace = build_namespace({"__lines__": FakeCounter()})
    exec(code, namespace)
    try:
        namespace["work"]([1, 0])
    except ZeroDivisionError as err:
        return traceback.extract_tb(err.__traceback__)[-1].lineno
    raise AssertionError("no crash")


def test_tracebacks_keep_the_player_s_lines():
    plain = compile(BROKEN, "task.py", "exec")
    guarded = compile_guarded(BROKEN, "task.py")
    assert crash_line(plain) == crash_line(guarded) == 4


def test_instrumenting_moves_no_line_of_the_player_s_code():
    before = ast.parse(BROKEN)
    positions = [
        (type(n).__name__, n.lineno, n.col_offset) for n in ast.walk(before) if hasattr(n, "lineno")
    ]
    after = instrument(ast.parse(BROKEN))
    kept = [
        (type(n).__name__, n.lineno, n.col_offset) for n in ast.walk(after) if hasattr(n, "lineno")
    ]
    assert all(p in kept for p in positions)


def test_compile_guarded_offsets_lines_to_the_file():
    code = compile_guarded(BROKEN, "level.yaml", first_line=20)
    assert code.co_filename == "level.yaml"
    assert crash_line(code) == 23
    counter = FakeCounter()
    ns = load(BROKEN, counter, first_line=20)
    ns["work"]([1, 2])
    assert counter.calls == [(3, 20), (1, 22), (1, 22)]


def test_refusals_are_relative_to_the_snippet():
    with pytest.raises(CodeRefused) as refused:
        compile_guarded("x = 1\nimport os\ny = open\n", "level.yaml", first_line=30)
    assert [(i.line, i.col) for i in refused.value.issues] == [(2, 1), (3, 5)]


def test_syntax_errors_are_refusals_relative_to_the_snippet():
    with pytest.raises(CodeRefused) as refused:
        compile_guarded("x = 1\ny = (\n", "level.yaml", first_line=30)
    assert refused.value.issues[0].line == 2
    with pytest.raises(CodeRefused) as refused:
        compile_guarded("x = 1\nawait x\n", "level.yaml", first_line=30)
    issue = refused.value.issues[0]
    assert (issue.line, issue.message) == (2, "syntax error: 'await' outside function")


def test_compiled_code_does_not_inherit_our_future_imports():
    ns = load("def f(x: int) -> int:\n    return x\n", FakeCounter())
    assert ns["f"].__annotations__ == {"x": int, "return": int}


# ---------------------------------------------------------------- the statement count


@pytest.mark.parametrize(
    ("body", "count"),
    [
        ("pass", 1),
        ("a = 1\nb = 2", 2),
        ("if a:\n    b = 1\nelif c:\n    d = 1\nelse:\n    e = 1", 5),
        ("try:\n    a = 1\nexcept E:\n    b = 1\nfinally:\n    c = 1", 4),
        ("for i in x:\n    a = 1\n    b = 2", 1),
        ("while x:\n    a = 1\nelse:\n    b = 1", 2),
        ("def f():\n    a = 1\n    b = 2", 1),
        ("with x:\n    a = 1", 2),
        ("match x:\n    case 1:\n        a = 1\n    case _:\n        b = 1", 3),
    ],
)
def test_statement_count(body, count):
    assert statement_count(ast.parse(body).body) == count
