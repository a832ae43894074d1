"""The runaway guard: every loop turn and every call is counted, the count cannot be
switched off or caught for good, and the player's line numbers stay as they were. In
the exact mode (levels with a `line_cost`) only the lines that run are charged, each in
the slice that starts it."""

from __future__ import annotations

import ast
import textwrap
import traceback
from collections import Counter

import pytest

from scheduler_game.engine import Halt, Kernel
from scheduler_game.sandbox.builtins import build_namespace
from scheduler_game.sandbox.execute import COUNTER, compile_snippets, execute
from scheduler_game.sandbox.guard import (
    CodeRefused,
    compile_guarded,
    insert_line_counter,
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
    assert counter.calls == ([(2, 1)] + [(1, 3)] * 4) * 3


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
    assert counter.calls == [(1, 1)] * 6 + [(1, 2)] * (2 + 6) + [(1, 3)] * 4 + [(1, 4)] * 5


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
    # main's body on entry, agen's on its first step, then each turn: agen's for, main's.
    assert counter.calls == [(3, 5), (1, 1)] + [(1, 2), (1, 7)] * 3


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
    with pytest.raises(Stop) as stop:
        ns["attacker"]()
    assert stop.value.line == 4
    # The budget runs out at call 999; the stop is caught, and raised again at the next.
    assert len(counter.calls) == 1_000
    assert counter.calls[-1] == (3, 2)


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
    with pytest.raises(Stop) as stop:
        ns["attacker"]()
    assert stop.value.line == 4
    assert len(counter.calls) == 36


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
    with pytest.raises(Stop) as stop:
        ns["attacker"]()
    assert stop.value.line == 6
    assert len(counter.calls) == 98
    assert counter.calls[-2:] == [(1, 1), (1, 13)]  # again() and the for in finally: stopped


def test_the_engine_s_own_counter_stops_a_runaway_loop():
    kernel = Kernel(runaway_lines=500)
    ns = load("def spin():\n    while True:\n        pass\n", kernel.count, first_line=40)
    with pytest.raises(Halt) as halt:
        ns["spin"]()
    assert (halt.value.reason, halt.value.line) == ("hung", 41)


def test_task_code_cannot_touch_the_counter():
    with pytest.raises(CodeRefused) as refused:
        compile_guarded("__lines__ = lambda *a: None\n", "task.py")
    assert [(i.line, i.col, i.message) for i in refused.value.issues] == [
        (
            1,
            1,
            "`__lines__`: names starting with _ are not allowed: they are the doors into "
            "Python's internals and the sandbox's own machinery (a bare _ is fine)",
        )
    ]


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


def test_inserting_the_counter_moves_no_line_of_the_player_s_code():
    before = ast.parse(BROKEN)
    positions = [
        (type(n).__name__, n.lineno, n.col_offset) for n in ast.walk(before) if hasattr(n, "lineno")
    ]
    after = insert_line_counter(ast.parse(BROKEN))
    kept = [
        (type(n).__name__, n.lineno, n.col_offset) for n in ast.walk(after) if hasattr(n, "lineno")
    ]
    # Every node kept its place; the only new ones are the two counter calls
    # (`__lines__(n, line)`), each at the place of the statement it charges for.
    assert Counter(positions) - Counter(kept) == Counter()
    added = Counter(kept) - Counter(positions)
    assert added == Counter(
        [(kind, 1, 0) for kind in ("Expr", "Call", "Name", "Constant", "Constant")]
        + [(kind, 3, 4) for kind in ("Expr", "Call", "Name", "Constant", "Constant")]
    )


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
    assert [(i.line, i.col, i.message) for i in refused.value.issues] == [
        (
            2,
            1,
            "imports are not allowed: task code runs in a sandbox; everything it may use is "
            "already there (see the task API)",
        ),
        (
            3,
            5,
            "`open` is not allowed: task code cannot touch files: its world is the level "
            "(print() writes output)",
        ),
    ]


def test_syntax_errors_are_refusals_relative_to_the_snippet():
    with pytest.raises(CodeRefused) as refused:
        compile_guarded("x = 1\ny = (\n", "level.yaml", first_line=30)
    assert [(i.line, i.col, i.message) for i in refused.value.issues] == [
        (2, 5, "syntax error: '(' was never closed")
    ]
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


# ---------------------------------------------------------------- the exact mode
#
# With `line_cost` > 0 every statement that runs is charged once, in the slice in which it
# starts running. The figures below follow the rule in guard.py's docstring: each run of
# a statement list is charged when it starts; a compound statement counts 1 for its
# header; k turns of a loop with s plain statements cost 1 + k * (1 + s).


def exact_spec(source: str, *tasks: str, line_cost: int = 1, **settings: int) -> dict:
    """A level running `tasks` (all defined by `source`) under the real engine."""
    return {
        "level": "exact",
        "title": "Exact",
        "settings": {
            "max_ticks": 10_000,
            "starve_after": 10_000,
            "line_cost": line_cost,
            "runaway_lines": 100_000,
            "max_tasks": 10,
        }
        | settings,
        "shared": {},
        "tasks": [
            {"name": name, "args": [], "at": 0, "autostart": True, "max_wait": None}
            for name in tasks
        ],
        "goals": [{"all_finish": True}],
        "snippets": [
            {
                "source": textwrap.dedent(source),
                "path": "exact.py",
                "line": 1,
                "col": 0,
                "what": "your solution",
            }
        ],
        "needs": [[name, 0] for name in tasks],
        "seeds": [0],
        "policy": "fifo",
        "quantum": 5,
        "order": None,
        "shuffle": 0,
        "lines": None,
        "timeline": True,
    }


def run_exact(source: str, *tasks: str, **settings: int) -> dict:
    """The one variant of a run with line_cost 1, checked to have finished."""
    variant = execute(exact_spec(source, *tasks, **settings))["variants"][0]
    assert variant["error"] is None, variant["error"]
    assert variant["outcome"] == "finished", variant["tasks"]
    return variant


def printed(variant: dict) -> list[tuple[int, str, str]]:
    return [(o["tick"], o["task"], o["text"]) for o in variant["output"]]


def running(variant: dict, task: str) -> list[tuple[int, int]]:
    (row,) = [row for row in variant["timeline"] if row["name"] == task]
    return [(s["start"], s["end"]) for s in row["segments"] if s["state"] == "running"]


def cpu(variant: dict, task: str) -> int:
    (row,) = [t for t in variant["tasks"] if t["name"] == task]
    return row["cpu"]


def test_an_early_return_is_not_charged_for_the_lines_after_it():
    variant = run_exact(
        """\
        def pick(flag):
            if flag:
                return 1
            a = 2
            b = 3
            return a + b

        async def worker():
            start = now()
            pick(True)
            middle = now()
            pick(False)
            print(middle - start, now() - middle)
        """,
        "worker",
    )
    # worker's 5 lines at its start; pick(True): `if` + `return`; pick(False): `if` + 3.
    # (Charging pick's whole body on entry, as the default mode does, gives "5 5".)
    assert printed(variant) == [(11, "worker", "2 4")]
    assert cpu(variant, "worker") == 11


def test_a_branch_not_taken_costs_nothing():
    variant = run_exact(
        """\
        async def worker():
            x = now()
            if x > 100:
                a = 1
                b = 2
                c = 3
            elif x > 50:
                d = 4
            else:
                e = 5
            print(now())
        """,
        "worker",
    )
    # x =, if, print (3) + the elif's header (1) + e = 5 (1); not a, b, c, d.
    assert printed(variant) == [(5, "worker", "5")]
    assert cpu(variant, "worker") == 5


def test_the_lines_after_an_await_are_charged_to_the_next_slice():
    variant = run_exact(
        """\
        async def worker():
            print("a")
            await pause()
            print("b")
            print("c")

        async def other():
            print("o")
        """,
        "worker",
        "other",
    )
    # Slice 1 runs print("a") and starts `await pause()`: 2 ticks. `other` runs 1 line.
    # Slice 2 runs the 2 lines after the await. (The old charging: worker 0-4, 5-6.)
    assert running(variant, "worker") == [(0, 2), (3, 5)]
    assert running(variant, "other") == [(2, 3)]
    assert printed(variant) == [
        (2, "worker", "a"),
        (3, "other", "o"),
        (5, "worker", "b"),
        (5, "worker", "c"),
    ]


def test_a_suspension_inside_an_expression_ends_the_run():
    variant = run_exact(
        """\
        async def worker():
            total = (await sleep(10)) or 1
            print(now())
            y = 2
        """,
        "worker",
    )
    # Slice 1 at 0: `total = ...` starts and sleeps until 11; slice 2 charges its 2 lines.
    assert running(variant, "worker") == [(0, 1), (11, 13)]
    assert printed(variant) == [(13, "worker", "13")]


def test_a_while_loop_charges_its_header_and_body_each_turn():
    variant = run_exact(
        """\
        async def worker():
            n = 0
            while n < 4:
                n += 1
                total = n
            print(now())
        """,
        "worker",
    )
    # n = 0, while, print (3) + 4 turns of header + 2 statements (12).
    assert printed(variant) == [(15, "worker", "15")]


def test_a_for_loop_with_continue_and_break_charges_only_what_runs():
    variant = run_exact(
        """\
        async def worker():
            for i in range(10):
                if i % 2:
                    continue
                if i == 4:
                    break
                x = i
            print(now())
        """,
        "worker",
    )
    # for, print (2); turns i = 0, 2: header, if, if, x = i (4 each); i = 1, 3: header,
    # if, continue (3 each); i = 4: header, if, if, break (4).
    assert printed(variant) == [(2 + 4 * 2 + 3 * 2 + 4, "worker", "20")]


def test_line_cost_multiplies_the_charge():
    variant = run_exact("async def worker():\n    x = 1\n    print(now())\n", "worker", line_cost=3)
    assert printed(variant) == [(6, "worker", "6")]


def test_the_mode_follows_the_level_s_line_cost():
    source = "def worker():\n    if x:\n        return 1\n    return 2\n"
    default = compile_guarded(source, "exact.py", 1, COUNTER)
    exact = compile_guarded(source, "exact.py", 1, COUNTER, exact=True)
    assert default != exact
    assert compile_snippets(exact_spec(source, "worker", line_cost=0)) == [default]
    assert compile_snippets(exact_spec(source, "worker", line_cost=2)) == [exact]


def load_exact(source: str, counter: object, **names: object) -> dict:
    namespace = build_namespace({"__lines__": counter, **names})
    exec(compile_guarded(textwrap.dedent(source), "task.py", exact=True), namespace)
    return namespace


def test_the_exact_mode_s_counter_calls():
    counter = FakeCounter()
    ns = load_exact(
        """\
        def work(items):
            '''Sum, but not the sevens.'''
            total = 0
            for item in items:
                if item == 7:
                    continue
                total += item
            try:
                check = total // len(items)
            except ZeroDivisionError:
                check = 0
            return total
        """,
        counter,
    )
    assert ns["work"]([7, 1]) == 1
    assert ns["work"].__doc__ == "Sum, but not the sevens."
    assert counter.calls == [
        (4, 1),  # total = 0, for, try, return: the function's entry
        (2, 4),  # header, if
        (1, 6),  # continue
        (2, 4),  # header, if
        (1, 7),  # total += item
        (1, 9),  # the try body
    ]
    counter.calls.clear()
    ns["work"]([])
    assert counter.calls == [(4, 1), (1, 9), (1, 11)]


class Step:
    """An awaitable that suspends its coroutine once, as a trap does."""

    def __await__(self):
        yield "step"


class StepLock:
    """An `async with` object that suspends once entering and once leaving."""

    def __aenter__(self) -> Step:
        return Step()

    def __aexit__(self, *exc: object) -> Step:
        return Step()


def test_each_await_starts_a_new_run_at_its_next_line():
    counter = FakeCounter()
    ns = load_exact(
        """\
        async def worker():
            a = 1
            b = (await step) or 2
            c = 3
            async with lock:
                d = 4
            e = 5
        """,
        counter,
        step=Step(),
        lock=StepLock(),
    )
    coro = ns["worker"]()
    slices = []
    done = False
    while not done:
        try:
            coro.send(None)
        except StopIteration:
            done = True
        slices.append(counter.calls[:])
        counter.calls.clear()
    # Each slice charges the lines it starts: a, b (suspends in its await); c and the
    # `async with` (suspends entering); d (suspends leaving); e.
    assert slices == [[(2, 1)], [(2, 4)], [(1, 6)], [(1, 7)]]


# Each: the source, then where it stops with a budget of 200 (the line, the counter
# calls made), then the line the real engine names when it hangs (runaway_lines 1000).
ENDLESS = {
    "a bare loop": ("def spin():\n    while True:\n        pass\n", 2, 101, 2),
    "a loop that continues": (
        "def spin():\n    x = 1\n    while True:\n        if x:\n            continue\n",
        3,
        134,
        5,
    ),
    "recursion": ("def spin():\n    x = 1\n    return spin()\n", 1, 101, 1),
    "a loop that awaits in a branch never taken": (
        "async def spin():\n    while True:\n        if False:\n            await pause()\n"
        "        x = 1\n",
        2,
        134,
        2,
    ),
    "a loop that catches the stop": (
        "def spin():\n    while True:\n        try:\n            while True:\n"
        "                pass\n        except BaseException:\n            pass\n",
        4,
        103,
        4,
    ),
}


@pytest.mark.parametrize("source", ENDLESS.values(), ids=ENDLESS.keys())
def test_the_exact_mode_stops_every_endless_loop(source):
    source, line, calls, _hung_line = source
    counter = FakeCounter(budget=200)
    ns = load_exact(source, counter, pause=Step)
    with pytest.raises(Stop) as stop:
        result = ns["spin"]()
        if hasattr(result, "send"):
            result.send(None)
    assert stop.value.line == line
    assert len(counter.calls) == calls


@pytest.mark.parametrize("source", ENDLESS.values(), ids=ENDLESS.keys())
def test_the_exact_mode_hangs_the_machine_on_an_endless_loop(source):
    source, _line, _calls, hung_line = source
    body = source.replace("def spin", "def worker").replace("spin()", "worker()")
    spec = exact_spec(body, "worker", runaway_lines=1_000, max_ticks=10**9)
    variant = execute(spec)["variants"][0]
    assert variant["outcome"] == "hung"
    assert variant["hung"] == {"task": "worker", "line": hung_line, "path": "exact.py"}
