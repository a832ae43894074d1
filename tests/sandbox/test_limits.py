"""Every command answers in bounded time, says which limit stopped it and what finished
before, and trusts the child's words only as far as the protocol goes."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from scheduler_game.sandbox.process import Limits, run_jobs, run_sandboxed
from tests.sandbox.test_process import SPEC


def spec_with(code: str, seeds: list[int] | None = None, **settings: int) -> dict:
    spec = copy.deepcopy(SPEC)
    spec["snippets"][0]["source"] = textwrap.dedent(code)
    spec["seeds"] = seeds or [0]
    spec["settings"].update(settings)
    return spec


def test_the_hash_seed_is_fixed_in_the_child():
    spec = spec_with(
        """
        def worker():
            print(list({"apple", "banana", "cherry", "damson", "elder"}))
        """
    )
    lines = {run_sandboxed(spec)["variants"][0]["output"][0]["text"] for _ in range(4)}
    # PYTHONHASHSEED=0: the order CPython 3.11 (64-bit) gives these strings with seed 0
    assert lines == {"['banana', 'apple', 'cherry', 'elder', 'damson']"}


def test_one_slow_variant_is_named_and_the_others_reported():
    spec = spec_with(
        """
        def worker():
            if rand(1, 2) == 2:
                sum(range(10**12))  # C-level: no line counter can stop it
            print("done")
        """,
        seeds=[1, 2, 5, 6],  # rand(1, 2) gives 1, 1, 2, 1: the third variant is slow
    )
    start = time.monotonic()
    verdict = run_sandboxed(spec, Limits(cpu_seconds=20, run_cpu_seconds=1, wall_seconds=30))
    assert time.monotonic() - start < 10
    by_seed = {v["seed"]: v for v in verdict["variants"]}
    assert list(by_seed) == [1, 2, 5, 6]
    slow = 5
    assert by_seed[slow]["outcome"] == "hung"
    assert by_seed[slow]["notes"] == [
        f"variant seed {slow} was stopped by the limit of 1 s of CPU for one run (last at "
        "w.py:4): a computation too big for the game's clock to interrupt, such as "
        "sum(range(10**13)) or 7 ** 10**9, or far too much work for one level"
    ]
    assert by_seed[slow]["hung"] == {"task": "worker", "line": 4, "path": "w.py"}
    for seed in (1, 2):
        v = by_seed[seed]
        assert (v["passed"], v["outcome"], v["notes"]) == (True, "finished", [])
        assert v["output"] == [{"tick": 0, "task": "worker", "text": "done"}]
    assert (by_seed[6]["passed"], by_seed[6]["outcome"]) == (False, None)
    assert by_seed[6]["notes"] == [
        "not run: the check was stopped by the limit of 1 s of CPU for one run"
    ]
    assert verdict["stopped"] == "the limit of 1 s of CPU for one run"


def test_many_variants_meet_one_ceiling():
    spec = spec_with(
        """
        def worker():
            x = 0
            for i in range(400_000):
                x += i
            print(x)
        """,
        seeds=list(range(146)),
        runaway_lines=10**9,
    )
    start = time.monotonic()
    verdict = run_sandboxed(spec, Limits(cpu_seconds=2, run_cpu_seconds=1, wall_seconds=30))
    assert time.monotonic() - start < 8
    assert verdict["stopped"] == "the check's limit of 2 s of CPU for all its runs"
    outcomes = [v["outcome"] for v in verdict["variants"]]
    assert len(outcomes) == 146
    finished = outcomes.index("hung")
    assert finished > 0 and all(o == "finished" for o in outcomes[:finished])
    assert all(o is None for o in outcomes[finished + 1 :])


def test_text_a_task_writes_to_stderr_is_never_taken_for_a_frame():
    # A warning prints the source line to stderr: here, a line that looks like a frame.
    spec = spec_with(
        """
        async def helper():
            pass
        def worker():
            helper(); x = 'File "w.py", line 99999 in liar'
            sum(range(10**12))
        """
    )
    verdict = run_sandboxed(spec, Limits(cpu_seconds=5, run_cpu_seconds=1, wall_seconds=20))
    v = verdict["variants"][0]
    assert v["outcome"] == "hung"
    assert v["hung"] == {"task": "worker", "line": 6, "path": "w.py"}


def test_a_huge_error_message_is_cut_in_the_child():
    spec = spec_with(
        """
        def worker():
            raise ValueError("x" * 150_000_000)
        """
    )
    verdict = run_sandboxed(spec)
    v = verdict["variants"][0]
    assert v["outcome"] == "finished"
    error = v["tasks"][0]["error"]
    # the first 2,000 characters of the message, and how many more there were
    assert error == "ValueError: " + "x" * 2_000 + "... (149998000 more characters)"


def test_several_jobs_share_one_child_and_a_stop_is_said_for_the_rest():
    good = spec_with("def worker():\n    print('ok')\n")
    hog = spec_with("def worker():\n    sum(range(10**12))\n")
    verdicts = run_jobs(
        [good, hog, good], Limits(cpu_seconds=5, run_cpu_seconds=1, wall_seconds=20)
    )
    assert verdicts[0]["passed"] is True
    assert verdicts[1]["variants"][0]["outcome"] == "hung"
    assert verdicts[2]["stopped"] == "an earlier check in the same sandbox was stopped"


LEVEL = """\
id: hostile
title: Hostile setup
chapter: Tests
order: 1
brief: The setup itself is the attack.
settings: {{runaway_lines: 10000000}}
setup: |
{setup}
tasks:
  - name: worker
    editable: true
    code: |
      def worker():
          pass
    solution: |
      def worker():
          print("ok")
goals:
  - output: [ok]
"""


def validate(tmp_path: Path, setup: str) -> subprocess.CompletedProcess[str]:
    level = tmp_path / "hostile.yaml"
    level.write_text(LEVEL.format(setup=textwrap.indent(textwrap.dedent(setup), "  ")))
    return subprocess.run(
        [sys.executable, "-m", "scheduler_game", "validate", str(level)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"SCHEDULER_GAME_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )


def test_validate_runs_setup_in_the_sandbox_memory(tmp_path):
    proc = validate(tmp_path, "hog = bytearray(3 * 1024 ** 3)\n")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    level = tmp_path / "hostile.yaml"
    assert proc.stderr == f"{level}:8:1: MemoryError (in setup, before the clock starts)\n"


def test_validate_runs_setup_in_the_sandbox_cpu(tmp_path):
    # A C-level loop no line counter sees: stopped by the run's share of CPU time.
    start = time.monotonic()
    proc = validate(tmp_path, "any(iter(int, 1))\n")
    assert time.monotonic() - start < 30
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    # Where it was (` at FILE:LINE`) is read from the child's fault dump; setup's frame
    # (`<module>`) is not found there today, so it says `(last)`: either is accepted.
    before = (
        f"{tmp_path / 'hostile.yaml'}: the reference solution does not win: variant seed 0: "
        "output (1 line): variant seed 0 was stopped by the limit of 10 s of CPU for one run "
        "(last"
    )
    after = (
        "): a computation too big for the game's clock to interrupt, such as "
        "sum(range(10**13)) or 7 ** 10**9, or far too much work for one level\n"
    )
    pattern = re.escape(before) + "( at [^)]*)?" + re.escape(after)
    assert re.fullmatch(pattern, proc.stderr), proc.stderr


def test_validate_survives_a_crash_of_the_interpreter(tmp_path):
    proc = validate(tmp_path, "t = ()\nfor i in range(400000):\n    t = (t,)\nhash(t)\n")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "signal 11" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
