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
    assert "attacker ran at line 3" in goal_detail(data)


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
    assert code == 1 and variant(data)["outcome"] == "hung"


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
    assert code == 1 and variant(data)["outcome"] == "hung"


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
    assert any("finally" in n for n in v["notes"])
    assert v["output"][-1]["text"] == "closing"


@pytest.mark.parametrize("expr", ["sum(range(10**13))", "7 ** 10**9"])
def test_c_level_hog_is_stopped_by_the_cpu_limit(expr):
    from scheduler_game.level.load import SolutionFile

    loaded = load_level(ARENA)
    source = f"async def attacker():\n    await pause()\n    return {expr}\n"
    spec = program_spec(loaded, Attempt(solution=SolutionFile(source=source, path="attack.py")))
    start = time.monotonic()
    data = run_sandboxed(spec, Limits(cpu_seconds=1, wall_seconds=20))
    assert time.monotonic() - start < 10
    v = data["variants"][0]
    assert v["outcome"] == "hung"
    assert v["hung"]["line"] == 3
    assert "too big for the game's clock to interrupt" in v["notes"][0]
    assert "attack.py:3" in v["notes"][0]


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
    task = next(t for t in variant(data)["tasks"] if t["name"] == "attacker")
    assert task["state"] == "crashed" and task["error"].startswith("MemoryError")


def test_slow_memory_growth_is_stopped(tmp_path):
    code, data, _ = check(
        tmp_path,
        """
        async def attacker():
            hoard = []
            while True:
                hoard.append("x" * 10**7)
    """,
    )
    assert code == 1
    v = variant(data)
    assert v["outcome"] in ("hung", "crashed", "finished")
    assert not v["passed"]


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
    task = next(t for t in variant(data)["tasks"] if t["name"] == "attacker")
    assert task["state"] == "crashed" and "RecursionError" in task["error"]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("import os\nasync def attacker():\n    pass\n", 1, "import"),
        ("async def attacker():\n    __import__('os')\n", 2, "_"),
        ("async def attacker():\n    ().__class__.__base__.__subclasses__()\n", 2, "_"),
        (
            "async def attacker():\n    g = attacker()\n    g.cr_frame.f_back.f_builtins\n",
            3,
            "cr_frame",
        ),
        ("async def attacker():\n    exec('1')\n", 2, "exec"),
        ("async def attacker():\n    eval('1')\n", 2, "eval"),
        ("async def attacker():\n    open('/etc/passwd')\n", 2, "open"),
    ],
)
def test_refused_code_is_exit_2_at_its_line(tmp_path, body, line, words):
    code, _data, stderr = check(tmp_path, body)
    assert code == 2
    assert stderr.startswith(f"{tmp_path / 'attack.py'}:{line}:"), stderr
    assert words in stderr


@pytest.mark.parametrize("exc", ["SystemExit", "KeyboardInterrupt"])
def test_raising_system_exit_is_a_crash_of_the_task(tmp_path, exc):
    code, data, _ = check(tmp_path, f"async def attacker():\n    raise {exc}\n")
    assert code == 1
    task = next(t for t in variant(data)["tasks"] if t["name"] == "attacker")
    assert task["state"] == "crashed" and task["error"].startswith(exc)
    assert next(t for t in variant(data)["tasks"] if t["name"] == "watcher")["state"] == "finished"


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
    assert len(v["output"]) == 10000 and v["dropped_output"] == 20000


def test_pause_forever_is_a_quick_timeout(tmp_path):
    start = time.monotonic()
    code, data, _ = check(
        tmp_path, "async def attacker():\n    while True:\n        await pause()\n"
    )
    assert code == 1 and variant(data)["outcome"] == "timeout"
    assert time.monotonic() - start < 10


def test_yielding_junk_crashes_with_a_clear_message(tmp_path):
    code, data, _ = check(tmp_path, "def attacker():\n    yield 42\n")
    task = next(t for t in variant(data)["tasks"] if t["name"] == "attacker")
    assert code == 1 and task["state"] == "crashed"
    assert "may only yield a trap" in task["error"] and "42" in task["error"]


@pytest.mark.parametrize("body", ["async def other():\n    pass\n", "attacker = 5\n"])
def test_missing_or_non_function_task_is_exit_2(tmp_path, body):
    code, _, stderr = check(tmp_path, body)
    assert code == 2 and "must define the task function attacker()" in stderr


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
    task = next(t for t in variant(data)["tasks"] if t["name"] == "attacker")
    assert code == 1 and task["state"] == "crashed"
    assert "ignored GeneratorExit" in task["error"]


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
    errors = [t["error"] or "" for t in variant(data)["tasks"]]
    assert any("too many tasks" in e for e in errors)


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
    assert code == 1 and v["outcome"] == "timeout"
    assert len(v["output"]) == 10000 and v["dropped_output"] > 5_000_000
    assert time.monotonic() - start < 15
