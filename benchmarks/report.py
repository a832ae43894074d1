"""What the text report costs over `--json`: `scheduler-game check LEVEL` against
`scheduler-game check LEVEL --json` on the million-switch levels, whole commands.

    python3 benchmarks/report.py [--rounds N] [--level FILE ...] [--json] [--no-drawing]
                                 [--root CHECKOUT]

Each round runs both commands (in turns, the first one alternating), each in a process of
its own, and takes its wall time, and the peak RSS of its process tree: the command's own
(`ru_maxrss` of RUSAGE_SELF) plus the sandbox's child's (RUSAGE_CHILDREN: the command reaps
it), which run at the same time. The table gives the medians and the ratios text/json.
Goal (levels/million25.yaml, 2.5 million switches): text at most 1.5x the time and 2x the
peak memory of --json.

Every round also checks that both commands say the same: each variant's outcome, tick and
verdict, and every task's figures (the text report's table against the JSON's tasks). Once
per level, the timeline the report drew from the trace's overview is checked against the one
drawn from the trace's marks (`Timeline.from_trace`), byte for byte (`--no-drawing` skips
it: it decodes the whole trace, as the report did before overviews).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LEVELS = [HERE / "levels" / "million.yaml", HERE / "levels" / "million25.yaml"]
WIDTH = 160  # the terminal's columns for both commands

# Runs the command in this process, stdout to a file, then says what the process tree used.
DRIVER = """
import json, os, resource, sys
from scheduler_game.cli import main
out, level, *flags = sys.argv[1:]
sys.argv = ["scheduler-game", "check", level, *flags]
with open(out, "w") as sys.stdout:
    try:
        code = main()
    except SystemExit as stop:
        code = stop.code
own = resource.getrusage(resource.RUSAGE_SELF)
child = resource.getrusage(resource.RUSAGE_CHILDREN)
os.write(2, ("\\n" + json.dumps({
    "code": code, "own_kb": own.ru_maxrss, "child_kb": child.ru_maxrss,
    "own_cpu": own.ru_utime + own.ru_stime, "child_cpu": child.ru_utime + child.ru_stime,
})).encode())
"""

# A row of the report's figures table: task, state, cpu, waited, longest, starved, slices,
# done at.
ROW = re.compile(
    r"^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)(?: \(t=(\d+)\.\.\d+\))?\s+(yes|no)\s+(\d+)"
    r"(?:\s+(\d+))?\s*$"
)
VARIANT = re.compile(r"^variant seed (-?\d+): (\S+) at tick (\d+) \((.*)\)\s+(PASS|FAIL)$")


def run(level: Path, text: bool, home: str, root: Path = ROOT) -> dict[str, Any]:
    """One command, in a fresh process: its wall time, memory, CPU and output. `root`:
    the checkout whose command it is (its sandbox's child is the installed one's)."""
    with tempfile.NamedTemporaryFile("r", suffix=".out") as out:
        flags = [] if text else ["--json"]
        env = {"SCHEDULER_GAME_HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        env["COLUMNS"] = str(WIDTH)  # wide enough that no figure wraps in the table
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, out.name, str(level), *flags],
            capture_output=True,
            env={**env, "PYTHONPATH": str(root)},
            cwd=root,
        )
        took = time.perf_counter() - start
        lines = done.stderr.decode().strip().splitlines()
        try:
            used = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise SystemExit(f"check {level.name} failed:\n{done.stderr.decode()}") from None
        if used["code"] not in (0, 1):
            raise SystemExit(f"check {level.name} exited {used['code']}")
        return {
            "wall": took,
            "peak_mb": (used["own_kb"] + used["child_kb"]) / 1024,
            "own_mb": used["own_kb"] / 1024,
            "child_mb": used["child_kb"] / 1024,
            "own_cpu": used["own_cpu"],
            "child_cpu": used["child_cpu"],
            "output": out.read(),
        }


def said_by_text(report: str) -> dict[str, Any]:
    """The outcome and figures a text report gives."""
    variants, tasks = [], []
    for line in report.splitlines():
        if m := VARIANT.match(line):
            variants.append([int(m[1]), m[2], int(m[3]), m[4], m[5] == "PASS"])
        elif (m := ROW.match(line)) and m[1] != "task":
            done_at = int(m[9]) if m[9] else None
            longest_from = int(m[6]) if m[6] else 0
            tasks.append(
                [m[1], m[2], int(m[3]), int(m[4]), int(m[5]), longest_from, m[7] == "yes",
                 int(m[8]), done_at]
            )  # fmt: skip
    return {"variants": variants, "tasks": tasks, "won": "Level won" in report}


def said_by_json(output: str) -> dict[str, Any]:
    """The same, from `--json` (the tasks of the variant the report shows)."""
    verdict = json.loads(output)
    variants = verdict["variants"]
    shown = next((v for v in variants if not v["passed"]), variants[0])
    return {
        "variants": [
            [v["seed"], v["outcome"], v["ticks"], v["policy"], v["passed"]] for v in variants
        ],
        "tasks": [
            [
                t["name"],
                t["state"],
                t["cpu"],
                t["ready_wait"],
                t["longest_wait"],
                t["longest_wait_from"] if t["longest_wait"] else 0,
                t["starved"],
                t["switches"],
                t["finished_at"],
            ]
            for t in shown["tasks"]
        ],
        "won": verdict["passed"],
    }


def same_drawing(level: Path, width: int = WIDTH) -> bool:
    """Whether the report's timeline, drawn from the streamed trace's overview, is the one
    drawn from the trace's marks, byte for byte (one sandboxed check, drawn both ways)."""
    from rich.console import Console

    from scheduler_game import report
    from scheduler_game.level.load import load_level
    from scheduler_game.level.run import Attempt, check_level
    from scheduler_game.overview import Overview
    from scheduler_game.timeline import Timeline

    verdict = check_level(load_level(level), Attempt())

    def drawn() -> str:
        console = Console(file=io.StringIO(), width=width, color_system="truecolor")
        report.render(verdict, console)
        return console.file.getvalue()  # type: ignore[attr-defined]

    model = report._model(verdict.variants[0], max(verdict.variants[0].ticks, 1))
    if not isinstance(model, Overview):
        raise SystemExit(f"{level.name}: the report did not draw from the overview")
    overview = drawn()
    keep = report._model
    report._model = lambda v, ticks: Timeline.from_trace(v.trace, end=ticks)  # type: ignore[assignment]
    try:
        marks = drawn()
    finally:
        report._model = keep  # type: ignore[assignment]
    return overview == marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--level", type=Path, action="append", help="default: both million levels")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-drawing", action="store_true", help="skip the drawing check")
    parser.add_argument("--drawing-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="time another checkout's commands (before/after)"
    )
    args = parser.parse_args()
    if args.drawing_of:
        print(same_drawing(args.drawing_of))
        return 0
    home = tempfile.mkdtemp()
    results: dict[str, Any] = {}
    for level in args.level or LEVELS:
        runs: dict[str, list[dict[str, Any]]] = {"json": [], "text": []}
        for k in range(args.rounds):  # alternated, so both see the same machine
            order = ("json", "text") if k % 2 == 0 else ("text", "json")
            for mode in order:
                runs[mode].append(run(level.resolve(), mode == "text", home, args.root.resolve()))
            text, plain = runs["text"][-1]["output"], runs["json"][-1]["output"]
            said, said_json = said_by_text(text), said_by_json(plain)
            if said != said_json:
                rows = zip(said["tasks"], said_json["tasks"], strict=False)
                differ = [(a, b) for a, b in rows if a != b][:3]
                raise SystemExit(
                    f"{level.name}: text and --json disagree: variants {said['variants']} "
                    f"vs {said_json['variants']}, {len(said['tasks'])} vs "
                    f"{len(said_json['tasks'])} tasks, first rows that differ: {differ}"
                )
        row = {
            mode: {
                key: statistics.median(r[key] for r in runs[mode])
                for key in ("wall", "peak_mb", "own_mb", "child_mb", "own_cpu", "child_cpu")
            }
            for mode in runs
        }
        row["time_ratio"] = row["text"]["wall"] / row["json"]["wall"]
        row["memory_ratio"] = row["text"]["peak_mb"] / row["json"]["peak_mb"]
        row["same_figures"] = True
        results[level.stem] = row
    for level in args.level or LEVELS if not args.no_drawing else ():
        # In a process of its own: this one stays small, as the commands it starts.
        done = subprocess.run(
            [sys.executable, __file__, "--drawing-of", str(level)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if done.returncode != 0:
            raise SystemExit(f"the drawing check of {level.name} failed:\n{done.stderr}")
        results[level.stem]["same_drawing"] = done.stdout.strip() == "True"
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"medians of {args.rounds} alternated rounds; peak = the command's RSS + its child's")
    print(
        f"{'level':10} {'mode':5} {'wall s':>7} {'peak MB':>8} {'own MB':>7} {'child MB':>9}"
        f" {'own cpu':>8} {'child cpu':>10}"
    )
    for name, row in results.items():
        for mode in ("json", "text"):
            r = row[mode]
            print(
                f"{name:10} {mode:5} {r['wall']:7.2f} {r['peak_mb']:8.1f} {r['own_mb']:7.1f}"
                f" {r['child_mb']:9.1f} {r['own_cpu']:8.2f} {r['child_cpu']:10.2f}"
            )
        drawing = {True: "identical", False: "DIFFERENT", None: "not checked"}[
            row.get("same_drawing")
        ]
        print(
            f"{name:10} text/json: time {row['time_ratio']:.2f}x (goal <= 1.5),"
            f" memory {row['memory_ratio']:.2f}x (goal <= 2.0); outcome and figures the same;"
            f" drawing {drawing}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
