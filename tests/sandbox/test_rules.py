"""The code rules: every refusal at the player's line and column, in the player's words;
everything a learner writes passes."""

from __future__ import annotations

import ast
import textwrap

import pytest

from scheduler_game.sandbox.rules import (
    IMPORT_MESSAGE,
    CodeIssue,
    CodeRefused,
    check_code,
    check_source,
    parse_checked,
)


def issues(source: str) -> list[CodeIssue]:
    return check_source(textwrap.dedent(source))


def only(source: str) -> CodeIssue:
    found = issues(source)
    assert len(found) == 1, found
    return found[0]


UNDERSCORE = "names starting with _ are not allowed"
ATTRIBUTE_UNDERSCORE = "attributes starting with _ are not allowed"
# The whole message after "`name`: ", for a name and for an attribute.
NAME_WHY = (
    f"{UNDERSCORE}: they are the doors into Python's internals and the sandbox's own "
    "machinery (a bare _ is fine)"
)
ATTRIBUTE_WHY = (
    f"{ATTRIBUTE_UNDERSCORE}: they are the doors into Python's internals, outside the sandbox"
)
FORMAT_WHY = (
    'a format string can reach hidden attributes (like "{0.__class__}"); use an f-string '
    'instead, like f"{x}"'
)
INSPECT = "is not allowed: it reaches the interpreter's frames and code, outside the sandbox"


# ---------------------------------------------------------------- refused, one by one


def test_import_is_refused_at_its_line():
    assert only("x = 1\nimport os\n") == CodeIssue(2, 1, IMPORT_MESSAGE)


def test_from_import_is_refused_at_its_line():
    assert only("def f():\n    from os import path\n") == CodeIssue(2, 5, IMPORT_MESSAGE)


def test_import_message_says_why():
    assert IMPORT_MESSAGE == (
        "imports are not allowed: task code runs in a sandbox; everything it may use is "
        "already there (see the task API)"
    )


def test_dunder_import_is_refused_by_the_underscore_rule():
    issue = only("async def attacker():\n    __import__('os')\n")
    assert (issue.line, issue.col) == (2, 5)
    assert issue.message == f"`__import__`: {NAME_WHY}"


def test_subclasses_walk_is_refused_at_every_dunder():
    found = issues("x = ().__class__.__base__.__subclasses__()\n")
    assert [(i.line, i.col) for i in found] == [(1, 8), (1, 18), (1, 27)]
    assert [i.message for i in found] == [
        f"`.__class__`: {ATTRIBUTE_WHY}",
        f"`.__base__`: {ATTRIBUTE_WHY}",
        f"`.__subclasses__`: {ATTRIBUTE_WHY}",
    ]


def test_frame_walk_is_refused_at_every_step():
    found = issues("def f(g):\n    return g.gi_frame.f_back.f_builtins\n")
    assert found == [
        CodeIssue(2, 14, f"`.gi_frame` {INSPECT}"),
        CodeIssue(2, 23, f"`.f_back` {INSPECT}"),
        CodeIssue(2, 30, f"`.f_builtins` {INSPECT}"),
    ]


@pytest.mark.parametrize(
    "attr",
    [
        "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "cr_frame", "cr_code",
        "cr_await", "cr_running", "cr_origin", "ag_frame", "ag_code", "ag_await", "f_back",
        "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "f_lasti", "f_lineno",
        "tb_frame", "tb_next", "tb_lasti", "tb_lineno", "co_code", "func_globals",
        "func_code", "mro",
    ],
)  # fmt: skip
def test_every_introspection_attribute_is_refused(attr):
    assert only(f"y = x.{attr}\n") == CodeIssue(1, 7, f"`.{attr}` {INSPECT}")


BY_STRING = (
    "it reaches attributes by a string, past these checks: write obj.name, or keep the values "
    "in a dict"
)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("exec", "code made from text would slip past these checks: write the code itself"),
        ("eval", "code made from text would slip past these checks: write the code itself"),
        ("compile", "code made from text would slip past these checks: write the code itself"),
        ("open", "task code cannot touch files: its world is the level (print() writes output)"),
        ("globals", "it hands out the machine's own namespaces: use your variables by name"),
        ("locals", "it hands out the machine's own namespaces: use your variables by name"),
        ("vars", "it hands out the machine's own namespaces: use your variables by name"),
        ("dir", "it hands out the machine's own namespaces: use your variables by name"),
        ("getattr", BY_STRING),
        ("setattr", BY_STRING),
        ("delattr", BY_STRING),
        ("hasattr", BY_STRING),
        ("type", "it can build classes with hidden special methods: use isinstance(x, int)"),
        ("breakpoint", "there is no debugger inside the sandbox: print() and the timeline are"),
        ("input", "tasks run unattended and cannot ask the keyboard: use rand() for variety"),
        ("help", "there is no interactive help inside the sandbox: see the task API in the game"),
        ("memoryview", "raw memory is out of bounds for task code"),
        ("id", "object ids change from run to run, and every run must be the same: use `is`"),
        (
            "super",
            "classes in task code define no special methods, so there is nothing to hand on: "
            "call the other class's method by its name",
        ),
        ("exit", "a task ends by returning (or raising), not by ending the program"),
    ],
)
def test_refused_builtins_are_named_with_a_reason(name, reason):
    issue = only(f"async def attacker():\n    x = 1\n    return {name}('1')\n")
    assert (issue.line, issue.col) == (3, 12)
    assert issue.message == f"`{name}` is not allowed: {reason}"


def test_format_through_a_string_is_refused():
    issue = only('text = "{0.__class__}".format(x)\n')
    assert (issue.line, issue.col) == (1, 24)
    assert issue.message == f"`.format()` is not allowed: {FORMAT_WHY}"


def test_format_map_is_refused():
    assert only("s.format_map(d)\n") == CodeIssue(
        1, 3, f"`.format_map()` is not allowed: {FORMAT_WHY}"
    )


def test_a_def_named_with_underscore_is_refused_at_its_name():
    issue = only("def _x():\n    pass\n")
    assert (issue.line, issue.col) == (1, 5)
    assert issue.message == f"`_x`: {NAME_WHY}"


def test_an_argument_named_with_underscore_is_refused():
    issue = only("def f(a, _y=2):\n    return a\n")
    assert (issue.line, issue.col) == (1, 10)
    assert issue.message == f"`_y`: {NAME_WHY}"


def test_a_keyword_argument_with_underscore_is_refused():
    issue = only("x = 1\nprint(x, _z=1)\n")
    assert (issue.line, issue.col) == (2, 10)
    assert issue.message == f"`_z`: {NAME_WHY}"


def test_a_class_defining_init_is_told_about_special_methods():
    issue = only(
        """\
        class Account:
            def __init__(self, balance):
                self.balance = balance
        """
    )
    assert (issue.line, issue.col) == (2, 9)
    assert issue.message == (
        "`__init__`: special methods are not allowed in task code: they hook into Python's "
        "machinery, outside the sandbox; give the method a plain name and call it yourself "
        "(for example `def setup(self, ...)` instead of `__init__`)"
    )


def test_class_keywords_are_refused():
    issue = only("class A(metaclass=M):\n    pass\n")
    assert (issue.line, issue.col) == (1, 9)
    assert issue.message == (
        "class keywords (like metaclass=) are not allowed: they hook into how Python builds "
        "classes, outside the sandbox"
    )


@pytest.mark.parametrize(
    ("source", "line", "col", "name"),
    [
        ("global _g\n", 1, 8, "_g"),
        ("try:\n    pass\nexcept Exception as _e:\n    pass\n", 3, 21, "_e"),
        ("_hidden = 1\n", 1, 1, "_hidden"),
        ("x = lambda _a: 1\n", 1, 12, "_a"),
        ("match p:\n    case [*_rest]:\n        pass\n", 2, 12, "_rest"),
        ("match p:\n    case {**_rest}:\n        pass\n", 2, 13, "_rest"),
        ("match p:\n    case _cap:\n        pass\n", 2, 10, "_cap"),
    ],
)
def test_underscore_names_are_refused_wherever_they_bind(source, line, col, name):
    issue = only(source)
    assert (issue.line, issue.col) == (line, col)
    assert issue.message == f"`{name}`: {NAME_WHY}"


def test_a_class_pattern_cannot_read_a_frame():
    issue = only("match g:\n    case P(gi_frame=f):\n        pass\n")
    assert issue == CodeIssue(2, 12, f"`.gi_frame` {INSPECT}")


def test_syntax_errors_are_issues():
    assert only("x = (\n") == CodeIssue(1, 5, "syntax error: '(' was never closed")


def test_errors_python_finds_only_when_compiling_are_issues():
    assert only("x = 1\nawait x\n") == CodeIssue(2, 1, "syntax error: 'await' outside function")


def test_every_issue_is_reported_sorted():
    found = issues(
        """\
        import os
        def _f(_a):
            return eval(_a).__class__
        """
    )
    assert found == [
        CodeIssue(1, 1, IMPORT_MESSAGE),
        CodeIssue(2, 5, f"`_f`: {NAME_WHY}"),
        CodeIssue(2, 8, f"`_a`: {NAME_WHY}"),
        CodeIssue(3, 12, "`eval` is not allowed: code made from text would slip past these "
                  "checks: write the code itself"),
        CodeIssue(3, 17, f"`_a`: {NAME_WHY}"),
        CodeIssue(3, 21, f"`.__class__`: {ATTRIBUTE_WHY}"),
    ]  # fmt: skip
    assert found == sorted(found)


def test_columns_count_characters_not_bytes():
    assert only("s = 'ééé'; s.format(1)\n").col == 14


def test_check_code_takes_a_tree():
    assert check_code(ast.parse("import os")) == [CodeIssue(1, 1, IMPORT_MESSAGE)]


def test_parse_checked_raises_with_every_issue():
    with pytest.raises(CodeRefused) as refused:
        parse_checked("import os\nopen('x')\n")
    assert refused.value.issues == [
        CodeIssue(1, 1, IMPORT_MESSAGE),
        CodeIssue(2, 1, "`open` is not allowed: task code cannot touch files: its world is the "
                  "level (print() writes output)"),
    ]  # fmt: skip
    assert str(refused.value) == f"1:1: {IMPORT_MESSAGE} (and 1 more)"


def test_null_bytes_are_an_issue_not_a_crash():
    assert only("x = 1\ny = '\0'\n") == CodeIssue(2, 6, "the code contains a NUL character")


# ---------------------------------------------------------------- allowed


ALLOWED = {
    "underscore loop": """\
        for _ in range(3):
            print(_)
        """,
    "class with methods": """\
        class Counter(object):
            start = 0

            def setup(self, n):
                self.n = n
                return self

            @property
            def double(self):
                return self.n * 2

            @classmethod
            def make(cls):
                return cls().setup(1)

            @staticmethod
            def zero():
                return 0

        class Sub(Counter):
            def bump(self):
                self.n += 1
        """,
    "comprehensions": """\
        xs = [x * 2 for x in range(5) if x]
        s = {x for x in xs}
        d = {k: v for k, v in zip(xs, xs)}
        g = sum(x for x in xs)
        """,
    "f-strings": """\
        name = "w"
        print(f"{name!r:>10} {3.14159:.2f} {name=}")
        """,
    "try/finally": """\
        def f():
            try:
                return 1
            except (ValueError, KeyError) as err:
                raise RuntimeError("bad") from err
            else:
                pass
            finally:
                print("done")
        """,
    "async with and await": """\
        async def worker(lock, q):
            async with lock:
                item = await q.get()
            async for x in agen():
                await pause()
            return [y async for y in agen()]
        """,
    "yield from and send": """\
        def inner():
            x = yield
            return x

        def outer():
            result = yield from inner()
            g = inner()
            next(g)
            g.send(1)
            g.throw(ValueError)
            g.close()
        """,
    "match, walrus, global, nonlocal, assert, del, lambda": """\
        total = 0
        def f(p):
            global total
            count = 0
            def g():
                nonlocal count
                count += 1
            match p:
                case {"x": 1, **rest}:
                    pass
                case [1, *others] | (2, *others):
                    pass
                case Point(x=0, y=yy):
                    pass
                case str() as s if (n := len(s)) > 2:
                    pass
                case _:
                    pass
            assert p, "p"
            del count
            key = lambda v: -v
            return sorted([3, 1], key=key)
        """,
    "own variables named like refused builtins": """\
        def worker(id, type):
            print(id, type)
        for input in range(2):
            print(input)
        """,
    "object and format": """\
        SENTINEL = object()
        text = format(3.5, ".1f")
        """,
}


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_what_a_learner_writes_is_allowed(source):
    assert issues(source) == []
