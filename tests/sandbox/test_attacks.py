"""Real attacks through the sandboxed path: each gets a clear verdict within seconds,
exit 1 (a lost run) or 2 (refused code), and the game goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scheduler_game.level.load import load_level
from scheduler_game.level.run import Attempt, program_spec
from scheduler_game.sandbox.process import Limits, run_sandboxed

ARENA = Path(__file__).parent / "arena.yaml"


def check(tmp_path: Path, code: str, *extra: str) -> tuple[int, dict | None, str]:
    sol = tmp_path / "attack.py"
    sol.write_text(textwrap.dedent(code).lstrip("\n"))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler_game",
            "check",
            str(ARENA),
            "--solution",
            str(sol),
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SCHEDULER_GAME_HOME": str(tmp_path / "home")},
    )
    data = json.loads(r.stdout) if r.stdout.strip() else None
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, data, r.stderr


def variant(data: dict) -> dict:
    return data["variants"][0]


def goal_detail(data: dict) -> str:
    return variant(data)["goals"][0]["detail"]


def task(data: dict, name: str) -> dict:
    return next(t for t in variant(data)["tasks"] if t["name"] == name)


def sandboxed(source: str, limits: Limits) -> dict:
    """The verdict of the arena with `source` as attacker, run in a child with `limits`."""
    from scheduler_game.level.load import SolutionFile

    loaded = load_level(ARENA)
    spec = program_spec(loaded, Attempt(solution=SolutionFile(source=source, path="attack.py")))
    return run_sandboxed(spec, limits)


HUNG = "for too long without giving up the CPU, so nothing else could ever run again"


def test_while_true_pass_hangs_at_its_line(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            x = 0
            while True:
                x += 1
    """,
    )
    assert code == 1
    v = variant(data)
    assert v["outcome"] == "hung"
    assert v["hung"] == {"task": "attacker", "line": 3, "path": str(tmp_path / "attack.py")}
    assert goal_detail(data) == f"hung: attacker ran at line 3 {HUNG}"
    assert v["notes"] == []


def test_loop_in_try_except_base_exception_still_hangs(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            while True:
                try:
                    while True:
                        pass
                except BaseException:
                    pass
    """,
    )
    assert code == 1
    v = variant(data)
    assert v["outcome"] == "hung"
    assert v["hung"] == {"task": "attacker", "line": 4, "path": str(tmp_path / "attack.py")}
    assert goal_detail(data) == f"hung: attacker ran at line 4 {HUNG}"


def test_loop_in_finally_hangs(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            try:
                await pause()
            finally:
                while True:
                    pass
    """,
    )
    assert code == 1
    v = variant(data)
    assert v["outcome"] == "hung"
    assert v["hung"] == {"task": "attacker", "line": 5, "path": str(tmp_path / "attack.py")}
    assert goal_detail(data) == f"hung: attacker ran at line 5 {HUNG}"


def test_finally_that_never_ends_at_close_is_stopped(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            try:
                await Event().wait()
            finally:
                print("closing")
                while True:
                    pass
    """,
    )
    assert code == 1
    v = variant(data)
    assert v["outcome"] == "deadlock"
    assert v["notes"] == ["attacker: a finally block never ended; it was stopped"]
    assert v["output"] == [{"tick": 7, "task": "attacker", "text": "closing"}]
    assert v["waits"] == [{"task": "attacker", "on": "an event", "held_by": None}]
    assert (task(data, "attacker")["state"], task(data, "attacker")["error"]) == ("blocked", None)
    assert task(data, "watcher")["state"] == "finished"


@pytest.mark.parametrize("expr", ["sum(range(10**13))", "7 ** 10**9"])
def test_c_level_hog_is_stopped_by_the_cpu_limit(expr):
    source = f"async def attacker():\n    await pause()\n    return {expr}\n"
    start = time.monotonic()
    data = sandboxed(source, Limits(cpu_seconds=1, wall_seconds=20))
    assert time.monotonic() - start < 10
    stopped = "the check's limit of 1 s of CPU for all its runs"
    note = (
        f"variant seed 0 was stopped by {stopped} (last at attack.py:3): a computation too "
        "big for the game's clock to interrupt, such as sum(range(10**13)) or 7 ** 10**9, or "
        "far too much work for one level"
    )
    assert data["stopped"] == stopped
    v = data["variants"][0]
    assert (v["outcome"], v["passed"]) == ("hung", False)
    assert v["hung"] == {"task": "attacker", "line": 3, "path": "attack.py"}
    assert v["notes"] == [note]
    assert v["goals"] == [{"goal": "all_finish", "passed": False, "detail": note}]


def test_memory_bomb_crashes_the_task(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            await pause()
            x = "x" * 10**11
    """,
    )
    assert code == 1
    v = variant(data)
    assert (v["outcome"], v["notes"]) == ("finished", [])
    attacker = task(data, "attacker")
    assert (attacker["state"], attacker["error"]) == ("crashed", "MemoryError")
    assert attacker["traceback"] == (
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path / "attack.py"}", line 3, in attacker\n'
        '    x = "x" * 10**11\n'
        "MemoryError"
    )
    assert task(data, "watcher")["state"] == "finished"


def test_slow_memory_growth_crashes_the_task_at_its_line():
    """The hoard reaches the memory limit 10 MB at a time: the allocation that would
    cross it raises MemoryError in the task, which crashes; the others run on. (A
    small limit keeps the test light; the game's is 2 GiB.)"""
    source = textwrap.dedent(
        """\
        async def attacker():
            hoard = []
            while True:
                hoard.append("x" * 10**7)
        """
    )
    data = sandboxed(source, Limits(memory_bytes=512 * 1024**2, cpu_seconds=5, wall_seconds=20))
    assert data.get("stopped") is None
    v = data["variants"][0]
    assert (v["outcome"], v["passed"], v["hung"], v["notes"]) == ("finished", False, None, [])
    attacker = task(data, "attacker")
    assert (attacker["state"], attacker["error"]) == ("crashed", "MemoryError")
    # no source line under the frame: "attack.py" here names no file on disk
    assert attacker["traceback"] == (
        'Traceback (most recent call last):\n  File "attack.py", line 4, in attacker\nMemoryError'
    )
    assert task(data, "watcher")["state"] == "finished"


@pytest.mark.parametrize(
    "body",
    [
        "def attacker():\n    return attacker()\n",
        "def attacker():\n    yield from attacker()\n",
    ],
)
def test_infinite_recursion_crashes_the_task(tmp_path, body):
    code, data, _ = check(tmp_path, body)
    assert code == 1
    assert variant(data)["outcome"] == "finished"
    attacker = task(data, "attacker")
    assert attacker["state"] == "crashed"
    assert attacker["error"] == "RecursionError: maximum recursion depth exceeded"
    # The traceback keeps the innermost 40 frames: 39 at the call, and the last one at
    # the def, where the next call's line count hit the limit.
    path = tmp_path / "attack.py"
    call = body.splitlines()[1]
    assert attacker["traceback"] == "\n".join(
        [
            "Traceback (most recent call last):",
            *[f'  File "{path}", line 2, in attacker\n{call}'] * 39,
            f'  File "{path}", line 1, in attacker',
            "    def attacker():",
            attacker["error"],
        ]
    )
    assert task(data, "watcher")["state"] == "finished"


UNDERSCORE = "starting with _ are not allowed: they are the doors into Python's internals"
FROM_TEXT = (
    "is not allowed: code made from text would slip past these checks: write the code itself"
)


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        (
            "import os\nasync def attacker():\n    pass\n",
            "1:1",
            "imports are not allowed: task code runs in a sandbox; everything it may use is "
            "already there (see the task API)",
        ),
        (
            "async def attacker():\n    __import__('os')\n",
            "2:5",
            f"`__import__`: names {UNDERSCORE} and the sandbox's own machinery (a bare _ is fine)",
        ),
        (
            "async def attacker():\n    ().__class__.__base__.__subclasses__()\n",
            "2:8",
            f"`.__class__`: attributes {UNDERSCORE}, outside the sandbox",
        ),
        (
            "async def attacker():\n    g = attacker()\n    g.cr_frame.f_back.f_builtins\n",
            "3:7",
            "`.cr_frame` is not allowed: it reaches the interpreter's frames and code, outside "
            "the sandbox",
        ),
        ("async def attacker():\n    exec('1')\n", "2:5", f"`exec` {FROM_TEXT}"),
        ("async def attacker():\n    eval('1')\n", "2:5", f"`eval` {FROM_TEXT}"),
        (
            "async def attacker():\n    open('/etc/passwd')\n",
            "2:5",
            "`open` is not allowed: task code cannot touch files: its world is the level "
            "(print() writes output)",
        ),
    ],
)
def test_refused_code_is_exit_2_at_its_line(tmp_path, body, where, message):
    code, _data, stderr = check(tmp_path, body)
    assert code == 2
    assert stderr == f"{tmp_path / 'attack.py'}:{where}: {message}\n"


@pytest.mark.parametrize("exc", ["SystemExit", "KeyboardInterrupt"])
def test_raising_system_exit_is_a_crash_of_the_task(tmp_path, exc):
    code, data, _ = check(tmp_path, f"async def attacker():\n    raise {exc}\n")
    assert code == 1
    assert variant(data)["outcome"] == "finished"
    assert (task(data, "attacker")["state"], task(data, "attacker")["error"]) == ("crashed", exc)
    assert task(data, "watcher")["state"] == "finished"


def test_print_flood_is_capped(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            for i in range(30000):
                print(i)
    """,
    )
    v = variant(data)
    assert code == 0
    assert v["dropped_output"] == 20000
    assert v["output"] == [{"tick": 1, "task": "attacker", "text": str(i)} for i in range(10000)]


def test_pause_forever_is_a_quick_timeout(tmp_path):
    start = time.monotonic()
    code, data, _ = check(
        tmp_path, "async def attacker():\n    while True:\n        await pause()\n"
    )
    assert code == 1
    assert (variant(data)["outcome"], variant(data)["ticks"]) == ("timeout", 200)
    assert goal_detail(data) == (
        "timeout: the clock reached max_ticks (200) with tasks still running"
    )
    assert time.monotonic() - start < 10


def test_yielding_junk_crashes_with_a_clear_message(tmp_path):
    code, data, _ = check(tmp_path, "def attacker():\n    yield 42\n")
    attacker = task(data, "attacker")
    assert code == 1 and attacker["state"] == "crashed"
    assert attacker["error"] == (
        "TypeError: a task may only yield a trap (pause(), sleep(n), q.get(), ...) or "
        "nothing, not 42"
    )
    assert attacker["traceback"] == (
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path / "attack.py"}", line 2, in attacker\n'
        "    yield 42\n"
        f"{attacker['error']}"
    )


@pytest.mark.parametrize("body", ["async def other():\n    pass\n", "attacker = 5\n"])
def test_missing_or_non_function_task_is_exit_2(tmp_path, body):
    code, _, stderr = check(tmp_path, body)
    assert code == 2
    assert stderr == (
        f"{tmp_path / 'attack.py'}:1:1: your solution must define the task function "
        "attacker(): write `async def attacker(...)` or `def attacker(...)`\n"
    )


def test_coroutine_ignoring_generator_exit_crashes_at_close(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        def attacker():
            while True:
                try:
                    yield Event().wait()
                except GeneratorExit:
                    pass
    """,
    )
    attacker = task(data, "attacker")
    assert code == 1 and variant(data)["outcome"] == "deadlock"
    assert attacker["state"] == "crashed"
    assert attacker["error"] == "RuntimeError: generator ignored GeneratorExit"


def test_spawning_without_end_is_stopped(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            while True:
                spawn(attacker)
    """,
    )
    assert code == 1
    v = variant(data)
    error = "RuntimeError: too many tasks: a level may have 1000 at most"
    # The first attacker fills the level's 1,000 places and crashes on the next spawn;
    # each copy crashes on its first spawn, one a tick, until the clock runs out.
    assert (v["outcome"], v["ticks"]) == ("timeout", 200)
    assert goal_detail(data) == f"attacker crashed: {error}"
    names = [t["name"] for t in v["tasks"]]
    assert names == ["watcher", "attacker"] + [f"attacker-{n}" for n in range(2, 1000)]
    crashed = [t["name"] for t in v["tasks"] if t["state"] == "crashed"]
    assert crashed == ["attacker"] + [f"attacker-{n}" for n in range(2, 200)]
    assert {t["error"] for t in v["tasks"] if t["state"] == "crashed"} == {error}
    assert {t["state"] for t in v["tasks"][200:]} == {"ready"}  # never ran
    assert (task(data, "watcher")["state"], task(data, "watcher")["starved"]) == ("ready", True)


def test_a_flood_of_millions_of_lines_is_counted_not_kept(tmp_path):
    start = time.monotonic()
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            while True:
                for i in range(50000):
                    print(i)
                await pause()
        """,
    )
    v = variant(data)
    assert code == 1 and (v["outcome"], v["ticks"]) == ("timeout", 200)
    # 196 slices of 50,000 lines each (the watcher has the other 4 ticks): 9,800,000 lines
    assert v["dropped_output"] == 9_790_000  # the first 10,000 kept: the first slice's
    assert v["output"] == [{"tick": 1, "task": "attacker", "text": str(i)} for i in range(10000)]
    assert time.monotonic() - start < 15
