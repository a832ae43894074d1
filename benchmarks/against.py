"""This tree against another commit, in the same run: what a change costs.

    python3 benchmarks/against.py [REF] [--rounds N]     # REF defaults to HEAD~1

The other commit is checked out into a temporary git worktree. Each tree is installed
into a virtualenv of its own, with nothing else in it: the sandbox's child imports the
installed package (a PYTHONPATH would not reach it), and an interpreter whose
site-packages hold many other tools starts some 20 ms slower, which would be measured
as ours. Both run the same commands, alternated round by round, so both see the same
load.
Printed: the median wall time of each, and the ratio this/other (below 1.0: this tree is
faster).

The commands: `check` of the small level (interpreter, loading, sandbox child, judge);
`check` of the million-switch level (the engine and the trace through the sandbox); and
`validate` of the pack (the proofs, with their random orders).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "check the-hog --json": ["check", "levels/01-cooperative/the-hog.yaml", "--json"],
    "check million --json": ["check", "benchmarks/levels/million.yaml", "--json"],
    "check the-hog --reference --shuffle 20": [
        "check",
        "levels/01-cooperative/the-hog.yaml",
        "--reference",
        "--shuffle",
        "20",
        "--json",
    ],
}


def timed(python: str, tree: Path, args: list[str], home: str) -> float:
    env = {**os.environ, "SCHEDULER_GAME_HOME": home}
    start = time.perf_counter()
    subprocess.run(
        [python, "-m", "scheduler_game", *args],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def _venv(where: Path, tree: Path) -> str:
    """A virtualenv with `tree` installed and nothing else: both sides start alike."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = str(where / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "-e", str(tree)], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", nargs="?", default="HEAD~1")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        other = Path(scratch) / "other"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), args.ref],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        this_python = _venv(Path(scratch) / "this", ROOT)
        python = _venv(Path(scratch) / "other-venv", other)
        try:
            print(f"this tree against {args.ref}, median of {args.rounds} alternated rounds")
            print(f"{'command':42} {'this':>8} {'other':>8} {'ratio':>6}")
            for name, command in COMMANDS.items():
                mine: list[float] = []
                theirs: list[float] = []
                for _ in range(args.rounds):
                    mine.append(timed(this_python, ROOT, command, scratch))
                    theirs.append(timed(python, other, command, scratch))
                a, b = statistics.median(mine), statistics.median(theirs)
                print(f"{name:42} {a:7.2f}s {b:7.2f}s {a / b:6.2f}")
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False
            )


if __name__ == "__main__":
    main()
