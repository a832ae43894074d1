"""Same level, same code, same bytes: no memory address reaches a player's output, and
instances of task-defined classes hash and print by a number each run counts out."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from scheduler_game.engine import Kernel
from scheduler_game.engine.stable import AddressNames
from scheduler_game.sandbox.builtins import build_namespace
from scheduler_game.sandbox.execute import execute
from scheduler_game.sandbox.guard import compile_guarded


def spec(source: str, seeds: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """A one-task level whose task is `worker`, written by `source`."""
    return {
        "level": "stable",
        "title": "Stable",
        "settings": {
            "max_ticks": 200,
            "starve_after": 100,
            "line_cost": 0,
            "runaway_lines": 100_000,
            "max_tasks": 10,
        },
        "shared": {},
        "tasks": [{"name": "worker", "args": [], "at": 0, "autostart": True, "max_wait": None}],
        "goals": [{"all_finish": True}],
        "snippets": [
            {
                "source": textwrap.dedent(source),
                "path": "stable.py",
                "line": 1,
                "col": 0,
                "what": "your solution",
            }
        ],
        "needs": [["worker", 0]],
        "seeds": list(seeds),
        "policy": "fifo",
        "quantum": 5,
        "order": None,
        "shuffle": 0,
        "lines": None,
        "timeline": False,
    }


def outputs(source: str, seeds: tuple[int, ...] = (0,)) -> list[list[str]]:
    """The printed lines of each variant, after checking that every run finished."""
    verdict = execute(spec(source, seeds))
    for variant in verdict["variants"]:
        assert variant["error"] is None, variant["error"]
        assert variant["outcome"] == "finished", variant["tasks"]
    return [[line["text"] for line in v["output"]] for v in verdict["variants"]]


def twice(source: str) -> list[str]:
    """The output of two separate runs of `source`, which must be the same bytes."""
    (first,), (second,) = outputs(source), outputs(source)
    assert first == second
    return first


# ---------------------------------------------------------------- through the real pipeline


def test_a_task_defined_instance_prints_the_same_every_run():
    lines = twice(
        """\
        class Point:
            x = 0

        class Named(object):
            pass

        async def worker():
            p = Point()
            print(p)
            print(Named(), p, [p])
            print(f"{p!r} and {p}")
        """
    )
    assert lines == [
        "<Point object #1>",
        "<Named object #2> <Point object #1> [<Point object #1>]",
        "<Point object #1> and <Point object #1>",
    ]


def test_an_object_sentinel_prints_the_same_every_run():
    lines = twice(
        """\
        MISSING = object()

        async def worker():
            other = object()
            print(other, MISSING)
            print(object)
        """
    )
    # MISSING was made first but printed second: numbers go by first print (or hash).
    assert lines == ["<object object #1> <object object #2>", "<class 'object'>"]


def test_a_set_of_task_defined_instances_iterates_in_the_same_order_every_run():
    source = """\
        class Job:
            def named(self, name):
                self.name = name
                return self

        async def worker():
            jobs = [Job().named(f"job{i}") for i in range(40)]
            pending = set()
            for job in reversed(jobs):
                pending.add(job)
            print(" ".join(job.name for job in pending))
            for job in {Job().named("a"), Job().named("b"), MISSING}:
                print(job)

        MISSING = object()
        """
    lines = twice(source)
    # Each instance hashes to the number it was first hashed under, so the set iterates
    # in the order the run first hashed them: here the reverse of their making.
    assert lines[0] == " ".join(f"job{i}" for i in reversed(range(40)))
    assert lines[1:] == ["<Job object #41>", "<Job object #42>", "<object object #43>"]


def test_hash_of_task_defined_instances_is_the_same_every_run():
    lines = twice(
        """\
        class Key:
            pass

        async def worker():
            a, b, c = Key(), Key(), object()
            print(hash(c), hash(a), hash(b), hash(a))
            table = {a: "a", b: "b"}
            print(table[b], a == a, a == b, a in table, Key() in table)
            print(sorted(hash(k) for k in table))
        """
    )
    assert lines == ["1 2 3 2", "b True False True False", "[2, 3]"]


def test_an_error_quoting_an_instance_is_the_same_every_run():
    source = """\
        class Key:
            pass

        async def worker():
            table = {Key(): 1}
            table[Key()]
        """
    first, second = execute(spec(source)), execute(spec(source))
    (task,) = first["variants"][0]["tasks"]
    assert task["error"] == "KeyError: <Key object #2>"
    assert second["variants"][0]["tasks"] == first["variants"][0]["tasks"]


def test_numbering_restarts_for_each_variant():
    per_variant = outputs(
        """\
        class Point:
            pass

        ORIGIN = Point()

        async def worker():
            print(ORIGIN, Point(), object())
            print(hash(Point()), rand(1, 1))
        """,
        seeds=(0, 1, 2),
    )
    expected = ["<Point object #1> <Point object #2> <object object #3>", "4 1"]
    assert per_variant == [expected] * 3


def test_each_namespace_counts_from_one():
    # A shuffled run gets a fresh namespace from run_once too: the same fresh counter.
    def first_hash() -> int:
        namespace = run("class A:\n    pass\nresult = hash(A())\n")
        return namespace["result"]

    assert first_hash() == first_hash() == 1


# ---------------------------------------------------------------- classes still work


def run(source: str, **api: Any) -> dict[str, Any]:
    namespace = build_namespace({"__lines__": lambda lines, line: None, **api})
    exec(compile_guarded(textwrap.dedent(source), "level.yaml"), namespace)
    return namespace


def test_isinstance_and_issubclass_with_object_stay_true():
    namespace = run(
        """\
        class A:
            pass

        class B(object):
            pass

        def f():
            pass

        token = object()
        result = [
            isinstance(A(), object), isinstance(B(), object), isinstance(5, object),
            isinstance(None, object), isinstance(f, object), isinstance(token, object),
            isinstance(A, object), isinstance("s", (int, object)),
            issubclass(A, object), issubclass(int, object), issubclass(object, object),
            isinstance(A(), A), isinstance(token, A), isinstance(A(), B),
        ]
        """
    )
    assert namespace["result"] == [True] * 11 + [True, False, False]


def test_a_task_class_has_methods_class_attributes_and_no_argument_instances():
    namespace = run(
        """\
        class Counter:
            start = 10

            def bump(self, by=1):
                self.value = getattr_free(self) + by
                return self.value

        def getattr_free(c):
            return c.value if hasattr_free(c) else c.start

        def hasattr_free(c):
            try:
                c.value
                return True
            except AttributeError:
                return False

        c = Counter()
        result = (c.bump(), c.bump(5), Counter.start, Counter().start)
        try:
            Counter(1)
        except TypeError as err:
            refused = str(err)
        """
    )
    assert namespace["result"] == (11, 16, 10, 10)
    assert namespace["refused"] == "Counter() takes no arguments"


def test_subclasses_of_builtins_are_unchanged():
    namespace = run(
        """\
        class MyList(list):
            def total(self):
                return sum(self)

        class Oops(Exception):
            pass

        xs = MyList([1, 2])
        try:
            hash(xs)
        except TypeError as err:
            unhashable = str(err)
        result = (repr(xs), xs == [1, 2], xs.total(), repr(Oops("no")), str(Oops("no")))
        """
    )
    assert namespace["result"] == ("[1, 2]", True, 3, "Oops('no')", "no")
    assert namespace["unhashable"] == "unhashable type: 'MyList'"
    assert type(namespace["xs"]).__mro__[1] is list


def test_a_plain_mixin_keeps_the_builtin_bases_repr_equality_and_hash():
    namespace = run(
        """\
        class Mixin:
            def hello(self):
                return "hi"

        class Row(Mixin, list):
            pass

        class Named(Mixin, Exception):
            pass

        class Five(Mixin, int):
            pass

        row = Row([1])
        try:
            hash(row)
        except TypeError as err:
            unhashable = str(err)
        result = (repr(row), row == [1], row.hello(), repr(Named("x")), str(Named("x")),
                  repr(Five(5)), hash(Five(5)), Five(5) == 5)
        """
    )
    assert namespace["result"] == ("[1]", True, "hi", "Named('x')", "x", "5", 5, True)
    assert namespace["unhashable"] == "unhashable type: 'Row'"


def test_the_run_s_object_cannot_be_changed_and_classes_record_their_module():
    namespace = run(
        """\
        class A(object):
            pass

        try:
            object.flag = 1
        except TypeError as err:
            refused = str(err)
        A.flag = 2
        """
    )
    assert namespace["refused"] == "cannot set 'flag' attribute of immutable type 'object'"
    assert namespace["A"].flag == 2
    assert namespace["A"].__module__ == "level"


def test_a_bad_base_order_is_refused_as_with_the_real_object():
    with pytest.raises(TypeError, match="consistent method resolution"):
        run("class A:\n    pass\nclass B(object, A):\n    pass\n")


# ---------------------------------------------------------------- addresses in text


def test_addresses_become_numbers_by_first_appearance():
    names = AddressNames()
    assert names.scrub("<generator object helper at 0x7f3a12>") == "<generator object helper #1>"
    assert names.scrub("<function <lambda> at 0x7f3b00>; <x at 0x7f3a12>") == (
        "<function <lambda> #2>; <x #1>"
    )
    assert names.scrub("<A at 0x7F3B00>") == "<A #2>"  # the same address, in capitals
    assert len(names) == 2


def test_text_without_an_address_is_returned_as_is():
    names = AddressNames()
    text = "tick 3: worker says hello at 12 o'clock"
    assert names.scrub(text) is text
    assert names.scrub("0x10 and at 0xZ") == "0x10 and at 0xZ"
    assert len(names) == 0


def test_real_reprs_of_generators_lambdas_and_functions_are_scrubbed():
    def helper():
        yield 1

    gen, fn = helper(), lambda: 0
    names = AddressNames()
    where = "test_real_reprs_of_generators_lambdas_and_functions_are_scrubbed.<locals>"
    assert names.scrub(repr(gen)) == f"<generator object {where}.helper #1>"
    assert names.scrub(f"{fn} {gen}") == (
        f"<function {where}.<lambda> #2> <generator object {where}.helper #1>"
    )
    assert names.scrub(repr(helper)) == f"<function {where}.helper #3>"
    assert names.scrub(repr(object())) == "<object object #4>"


def test_the_table_is_bounded():
    names = AddressNames(limit=3)
    text = " ".join(f"<x at 0x{n:x}>" for n in range(1, 6))
    assert names.scrub(text) == "<x #1> <x #2> <x #3> <x #?> <x #?>"
    assert names.scrub("<x at 0x2>") == "<x #2>"
    assert len(names) == 3


class FakeKernel:
    """What the kernel's `emit` does with the hook: scrub, then keep the line."""

    def __init__(self) -> None:
        self.addresses = AddressNames()
        self.output: list[str] = []

    def emit(self, text: str) -> None:
        self.output.append(self.addresses.scrub(text))


GENERATORS = """\
def helper():
    yield 1

def show():
    g = helper()
    f = lambda: 0
    print(g)
    print(f, g, helper)
    try:
        raise ValueError(g)
    except ValueError as err:
        print(f"error: {err}")

show()
"""


def test_generator_and_lambda_reprs_print_the_same_every_run_through_the_hook():
    def one_run() -> list[str]:
        kernel = FakeKernel()
        run(GENERATORS, print=lambda *args: kernel.emit(" ".join(map(str, args))))
        return kernel.output

    first, second = one_run(), one_run()
    assert first == second
    assert first == [
        "<generator object helper #1>",
        "<function show.<locals>.<lambda> #2> <generator object helper #1> <function helper #3>",
        "error: <generator object helper #1>",
    ]


# ---------------------------------------------------------------- the kernel's hooks

HOOKED = pytest.mark.skipif(
    not hasattr(Kernel, "addresses"), reason="the kernel's AddressNames hooks are not in yet"
)


@HOOKED
def test_printed_generators_and_lambdas_are_the_same_every_run():
    lines = twice(
        """\
        def helper():
            yield 1

        async def worker():
            g = helper()
            print(g)
            print(lambda: 0, g)
        """
    )
    assert lines == [
        "<generator object helper #1>",
        "<function worker.<locals>.<lambda> #2> <generator object helper #1>",
    ]


@HOOKED
def test_error_messages_quoting_a_generator_are_the_same_every_run():
    crash = """\
        def helper():
            yield 1

        async def worker():
            raise ValueError(helper())
        """
    first, second = execute(spec(crash)), execute(spec(crash))
    (task,) = first["variants"][0]["tasks"]
    assert task["error"] == "ValueError: <generator object helper #1>"
    assert second["variants"][0]["tasks"] == first["variants"][0]["tasks"]
    early = """\
        def helper():
            yield 1

        raise ValueError(helper())

        async def worker():
            pass
        """
    error = execute(spec(early))["variants"][0]["error"]
    assert error["message"] == (
        "ValueError: <generator object helper #1> (in your solution, before the clock starts)"
    )


def test_a_stopiteration_turned_runtimeerror_shows_the_players_line(tmp_path):
    """Python turns a StopIteration escaping a generator into RuntimeError at the frame
    boundary, where no player frame is left: the traceback shows the cause's line."""
    from scheduler_game.level.load import load_level_text
    from scheduler_game.level.run import Attempt, check_level

    level = load_level_text(
        "id: si\ntitle: SI\nchapter: t\norder: 1\nbrief: b\ntasks:\n  - name: main\n"
        "    code: |\n      def main():\n          g = iter([])\n          next(g)\n"
        "          yield pause()\ngoals:\n  - all_finish: true\n",
        "si.yaml",
    )
    [task] = check_level(level, Attempt()).variants[0].tasks
    assert task.traceback == (
        "Traceback (most recent call last):\n"
        '  File "si.yaml", line 11, in main\n'  # (no such file on disk: no source text)
        "RuntimeError: generator raised StopIteration"
    )
