"""The curated builtins and the fresh module globals of each run."""

from __future__ import annotations

import builtins
import textwrap

import pytest

from scheduler_game.sandbox.builtins import SAFE_BUILTINS, build_namespace
from scheduler_game.sandbox.guard import compile_guarded


def run(source: str, api: dict | None = None) -> dict:
    """Run checked, instrumented code the way a level runs: in fresh module globals."""
    namespace = build_namespace({"__lines__": lambda lines, line: None, **(api or {})})
    exec(compile_guarded(textwrap.dedent(source), "level.yaml"), namespace)
    return namespace


def test_the_namespace_holds_the_builtins_the_name_and_the_api():
    api = {"cpu": object(), "print": object()}
    namespace = build_namespace(api)
    safe = namespace["__builtins__"]
    assert safe.keys() == SAFE_BUILTINS.keys()
    made_per_run = ("object", "__build_class__")  # stable hashes and reprs, counted per run
    assert all(safe[k] is v for k, v in SAFE_BUILTINS.items() if k not in made_per_run)
    assert namespace["__name__"] == "level"
    assert namespace["cpu"] is api["cpu"] and namespace["print"] is api["print"]


def test_every_namespace_is_fresh():
    first, second = build_namespace({}), build_namespace({})
    first["__builtins__"]["len"] = None
    first["x"] = 1
    assert second["__builtins__"]["len"] is len and "x" not in second
    assert SAFE_BUILTINS["len"] is len


def test_print_comes_from_the_task_api_not_from_builtins():
    # The real print writes to the process's stdout: the sandbox's channel to the game.
    assert "print" not in SAFE_BUILTINS
    lines: list[str] = []
    run("print('hello', 3)", {"print": lambda *args: lines.append(" ".join(map(str, args)))})
    assert lines == ["hello 3"]


BRIEF = """
    abs all any bool dict divmod enumerate filter float frozenset int isinstance issubclass
    iter len list map max min next range repr reversed round set slice sorted str sum tuple
    zip chr ord hex oct bin pow hash callable object classmethod staticmethod property
    Exception ValueError TypeError KeyError IndexError RuntimeError StopIteration
    ZeroDivisionError AssertionError ArithmeticError LookupError NotImplementedError
    GeneratorExit BaseException SystemExit KeyboardInterrupt
"""


@pytest.mark.parametrize("name", BRIEF.split())
def test_the_everyday_builtins_are_there_and_real(name):
    assert SAFE_BUILTINS[name] is getattr(builtins, name)


@pytest.mark.parametrize(
    "name",
    [
        "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "dir",
        "getattr", "setattr", "delattr", "hasattr", "type", "breakpoint", "input", "help",
        "memoryview", "id", "super", "exit", "quit", "print", "__loader__", "__spec__",
    ],
)  # fmt: skip
def test_dangerous_builtins_are_absent(name):
    assert name not in SAFE_BUILTINS


def test_absent_builtins_are_absent_at_run_time_too():
    """Safety does not rest on the code rules alone: a name they let through as the
    player's own (because the snippet binds it somewhere) is still not the builtin."""
    namespace = run(
        """\
        def sneaky():
            return open("/etc/passwd")

        def later():
            open = 1
        """
    )
    with pytest.raises(NameError, match="open"):
        namespace["sneaky"]()


def test_classes_work():
    namespace = run(
        """\
        class Account(object):
            rate = 2

            def setup(self, balance):
                self.balance = balance
                return self

            @property
            def doubled(self):
                return self.balance * self.rate

            @classmethod
            def empty(cls):
                return cls().setup(0)

            @staticmethod
            def fee():
                return 1

        class Savings(Account):
            rate = 3

        acct = Savings().setup(5)
        result = (acct.doubled, Account.empty().balance, Savings.fee(),
                  isinstance(acct, Account), issubclass(Savings, Account))
        """
    )
    assert namespace["result"] == (15, 0, 1, True, True)
    assert type(namespace["acct"]).__module__ == "level"


def test_exceptions_work_and_user_exceptions_subclass_them():
    namespace = run(
        """\
        class Empty(Exception):
            pass

        def take(xs):
            try:
                if not xs:
                    raise Empty("nothing")
                return xs.pop()
            except Empty as err:
                return f"caught {err}"
            finally:
                xs.append(0)

        result = take([])
        """
    )
    assert namespace["result"] == "caught nothing"


def test_generators_and_coroutines_work():
    namespace = run(
        """\
        def numbers():
            total = 0
            while True:
                x = yield total
                total += x

        g = numbers()
        next(g)
        g.send(2)
        result = g.send(3)

        async def native():
            return 7
        """
    )
    assert namespace["result"] == 5
    coro = namespace["native"]()
    with pytest.raises(StopIteration) as stop:
        coro.send(None)
    assert stop.value.value == 7
