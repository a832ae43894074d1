"""A win the code did not earn: every way player code tried to forge one, refused.

Each test is an attack that once won (or crashed the game). What must hold: the player's
code changes only what the player's tasks do, plus the state every task shares by design.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scheduler_game.level.load import load_level, load_solution
from scheduler_game.level.run import Attempt
from scheduler_game.level.run import check_level_in_process as check_level

HOG = Path(__file__).parents[2] / "levels" / "01-cooperative" / "the-hog.yaml"

STARTER = """
async def cruncher():
    for chunk in range(10):
        cpu(8)
    print("crunched")
"""


def check(tmp_path: Path, code: str, level: Path = HOG):
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent(code))
    return check_level(load_level(level), Attempt(solution=load_solution(path)))


def refusal(tmp_path: Path, code: str) -> tuple[int, int, str]:
    verdict = check(tmp_path, code)
    assert not verdict.passed
    error = verdict.variants[0].error
    assert error is not None, "the code ran: it should have been refused"
    assert error.path == str(tmp_path / "mine.py")
    return error.line, error.col, error.message


def test_the_starter_loses(tmp_path):
    assert not check(tmp_path, STARTER).passed


@pytest.mark.parametrize(
    ("extra", "line", "col", "name"),
    [
        ("async def heartbeat():\n    return\n", 6, 1, "heartbeat"),  # replace a fixed task
        ("def cpu(n=1):\n    pass\n", 6, 1, "cpu"),  # an API function
        ("def range(n):\n    return [0]\n", 6, 1, "range"),  # a builtin the hog loops on
        ("sleep = pause\n", 6, 1, "sleep"),
        ("class print:\n    pass\n", 6, 1, "print"),
        ("for cpu in [1]:\n    pass\n", 6, 5, "cpu"),
        ("(cpu := None)\n", 6, 2, "cpu"),
        ("x = [(cpu := n) for n in [1]]\n", 6, 7, "cpu"),  # a walrus leaks out of it
        ("del cpu\n", 6, 5, "cpu"),
        ("try:\n    pass\nexcept Exception as len:\n    pass\n", 8, 1, "len"),
        ("match 1:\n    case cpu:\n        pass\n", 7, 10, "cpu"),
        ("with Lock() as cpu:\n    pass\n", 6, 16, "cpu"),
        ("cpu, now = 1, 2\n", 6, 1, "cpu"),
    ],
)
def test_binding_a_name_the_level_stands_on_is_refused(tmp_path, extra, line, col, name):
    found = refusal(tmp_path, STARTER + extra)
    assert found[:2] == (line, col)
    what = WHAT[name]
    verb = "define it" if extra.startswith(("def ", "async def ", "class ")) else "assign to it"
    assert found[2] == f"{name} is {what}: your code may not {verb} (give yours another name)"


WHAT = {
    "heartbeat": "a task of the level, not one of yours",
    "range": "a builtin that every task uses",
    "len": "a builtin that every task uses",
    **dict.fromkeys(("cpu", "sleep", "print", "now"), "part of the task API that every task uses"),
}


@pytest.mark.parametrize("name", ["print", "sleep", "heartbeat", "range"])
def test_global_declaration_of_a_protected_name_is_refused(tmp_path, name):
    code = f"""
    async def cruncher():
        global {name}
        {name} = None
        for chunk in range(10):
            cpu(8)
        print("crunched")
    """
    line, col, message = refusal(tmp_path, code)
    assert (line, col) == (3, 5)
    assert message == (
        f"{name} is {WHAT[name]}: your code may not declare it global (give yours another name)"
    )


def test_local_names_and_helpers_of_ones_own_are_fine(tmp_path):
    code = """
    def chunk_size():
        return 2

    class Plan:
        cpu = 8  # a class attribute: local to the class

    async def cruncher():
        cpu_left = Plan.cpu * 10
        sizes = [cpu for cpu in [chunk_size()]]  # a comprehension's own variable
        while cpu_left:
            cpu(sizes[0])
            cpu_left -= sizes[0]
            await pause()
        print("crunched")
    """
    verdict = check(tmp_path, code)
    assert verdict.variants[0].error is None
    assert verdict.passed


def test_each_task_runs_the_function_its_own_code_defined(tmp_path):
    # The hog's own heartbeat must run even if some later code redefined the name
    # (only the level's own code can now; the player's is refused above).
    level = tmp_path / "two.yaml"
    text = HOG.read_text().replace(
        "  - name: cruncher\n",
        "  - name: shadow\n    code: |\n      async def heartbeat():\n          return\n"
        "      async def shadow():\n          return\n  - name: cruncher\n",
    )
    level.write_text(text)
    verdict = check(tmp_path, STARTER, level)
    beats = [o.text for o in verdict.variants[0].output if o.task == "heartbeat"]
    assert beats.count("beat") == 12


def test_a_deadline_exception_carries_nothing_of_the_kernel(tmp_path):
    code = """
    async def cruncher():
        try:
            await wait_for(sleep(100), 1)
        except Cancelled as e:
            pass
        except Timeout as e:
            pass
        for chunk in range(10):
            cpu(8)
        print("crunched")
    """
    assert not check(tmp_path, code).passed
    probe = """
    async def cruncher():
        async def inner():
            try:
                await sleep(100)
            except Cancelled as e:
                print(sorted(n for n in dir(e) if not n.startswith("_")))
                raise
        try:
            await wait_for(inner(), 1)
        except Timeout:
            pass
        print("crunched")
    """
    # dir() is refused by the code rules; attribute access on the exception is the way in.
    line, _col, message = refusal(tmp_path, probe)
    assert line == 7 and "dir" in message
    reach = """
    async def cruncher():
        async def inner():
            try:
                await sleep(100)
            except Cancelled as e:
                e.deadline.task.longest_wait = 0
        try:
            await wait_for(inner(), 1)
        except Timeout:
            pass
        print("crunched")
    """
    verdict = check(tmp_path, reach)
    crashed = verdict.variants[0].tasks[1]
    assert crashed.name == "cruncher" and crashed.state == "crashed"
    assert crashed.error == "AttributeError: 'DeadlineCancelled' object has no attribute 'deadline'"


def test_the_runaway_stop_is_final(tmp_path):
    code = """
    async def cruncher():
        try:
            while True:
                pass
        except BaseException as e:
            e.reason = "timeout"
            e.line = None
        print("crunched")
    """
    verdict = check(tmp_path, code)
    v = verdict.variants[0]
    assert v.outcome == "hung"
    assert v.hung == {"task": "cruncher", "line": 4, "path": str(tmp_path / "mine.py")}
    assert next(t for t in v.tasks if t.name == "cruncher").state == "running"
    swallow = """
    async def cruncher():
        for chunk in range(10):
            try:
                cpu(1000)
            except BaseException:
                pass
        print("crunched")
    """
    v = check(tmp_path, swallow).variants[0]
    assert v.outcome == "timeout" and not v.passed
    assert next(t for t in v.tasks if t.name == "cruncher").state == "running"


def test_classes_of_the_machine_cannot_be_changed(tmp_path):
    code = """
    async def cruncher():
        Timeout.runs = 1
        print("crunched")
    """
    v = check(tmp_path, code).variants[0]
    cruncher = next(t for t in v.tasks if t.name == "cruncher")
    assert cruncher.error == "AttributeError: Timeout is part of the machine: it cannot be changed"


def test_no_state_carries_from_one_run_to_the_next(tmp_path):
    # Functions of the API are objects: were they shared, a run could count the runs
    # before it and win the FIFO run while losing the shuffled ones.
    level = tmp_path / "count.yaml"
    level.write_text(
        textwrap.dedent(
            """\
            id: count-runs
            title: Count runs
            chapter: Tests
            order: 1
            brief: Runs must not see each other.
            tasks:
              - name: counter
                editable: true
                code: |
                  def counter():
                      print("x")
                solution: |
                  def counter():
                      print("x")
            goals:
              - output: ["0", "0", "0", "0", "0", "0"]
            variants: [{seed: 1}, {seed: 2}, {seed: 3}]
            """
        )
    )
    code = """
    def counter():
        for thing in (pause, sleep, coroutine, cpu, now, spawn, wait_for):
            try:
                n = thing.runs
            except AttributeError:
                n = 0
            thing.runs = n + 1
            if thing is pause or thing is cpu:
                print(n)
        print(0)
        print(0)
        print(0)
        print(0)
    """
    verdict = check(tmp_path, code, level)
    outputs = [[o.text for o in v.output] for v in verdict.variants]
    assert outputs == [["0"] * 6] * 3


def test_refused_solution_exits_2_with_its_place(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(textwrap.dedent(STARTER) + "def cpu(n=1):\n    pass\n")
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler_game", "check", str(HOG), "--solution", str(path)],
        capture_output=True,
        text=True,
        env={"SCHEDULER_GAME_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{path}:6:1: cpu is part of the task API" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_levels_own_helpers_cannot_be_replaced_but_its_state_is_shared(tmp_path):
    level = tmp_path / "helper.yaml"
    level.write_text(
        textwrap.dedent(
            """\
            id: helper
            title: Helper
            chapter: Tests
            order: 1
            brief: The checker trusts its helper.
            setup: |
              limit = 3
              def allowed(n):
                  return n <= limit
            tasks:
              - name: checker
                code: |
                  def checker():
                      print("ok" if allowed(5) else "no")
              - name: mine
                editable: true
                code: |
                  def mine():
                      pass
                solution: |
                  def mine():
                      pass
            goals:
              - output: ["no"]
            """
        )
    )
    verdict = check(tmp_path, "def allowed(n):\n    return True\ndef mine():\n    pass\n", level)
    error = verdict.variants[0].error
    assert error is not None and (error.line, error.col) == (1, 1)
    assert error.message == (
        "allowed is a function of the level (setup): your code may not define it "
        "(give yours another name)"
    )
    # Plain values setup binds are state every task shares by design: the player may
    # change them, and the level's goals must be written knowing that.
    shared = check(tmp_path, "def mine():\n    global limit\n    limit = 10\n", level)
    assert shared.variants[0].error is None
