"""What the screen will feel: how fast a sandboxed run answers.

    python3 benchmarks/run.py [--rounds N]

- start to first slice: from starting a check of the-hog (the child pre-started, as the
  game does while the player reads the level) to the first trace batch in the parent;
- cancel: from `cancel()` on a running million-switch check to the child being gone and
  the run's thread ended (goal: under 100 ms);
- one more pick: on a player-policy level, the run again with one more pick, to its next
  stop (runs are deterministic: going on is a replay; goal: under 100 ms);
- a step: on a finished run's trace, every task's state and line at the next slice's
  start (what the screen redraws; the frame itself is the screen's).
Each is also given as a ratio against starting a bare `python -c pass` in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from scheduler_game.level.load import load_level
from scheduler_game.level.run import Attempt, CheckRun, Options, check_level
from scheduler_game.sandbox import process

ROOT = Path(__file__).resolve().parents[1]


def bare_start() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def first_slice(level) -> float:
    process.warm_up()
    time.sleep(0.3)  # the spare child is ready, as while a player reads the brief
    first = threading.Event()
    start = time.perf_counter()
    run = CheckRun(
        level, [(Attempt(), Options())], lambda m, t: m["event"] == "trace" and first.set()
    )
    run.start()
    first.wait(30)
    took = time.perf_counter() - start
    run.wait(60)
    return took


def cancel(level) -> float:
    streaming = threading.Event()
    run = CheckRun(
        level,
        [(Attempt(reference=True), Options())],
        lambda m, t: m["event"] == "trace" and streaming.set(),
    ).start()
    streaming.wait(30)
    start = time.perf_counter()
    run.cancel()
    run.wait(30)
    return time.perf_counter() - start


def one_more_pick(level) -> float:
    process.warm_up()
    time.sleep(0.3)
    start = time.perf_counter()
    check_level(level, Attempt(order=["alice"]), Options(ask=True))
    return time.perf_counter() - start


def step(level) -> float:
    from scheduler_game.timeline import Timeline

    trace = check_level(level, Attempt(), Options(where=True)).variants[0].trace
    model = Timeline.from_trace(trace)
    starts = sorted({s.start for s in trace.slices_since(0, final=True)[0]})
    start = time.perf_counter()
    for tick in starts:
        for task in range(len(model)):
            model.state_at(task, tick)
            trace.line_at(task, tick)
    return (time.perf_counter() - start) / len(starts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    hog = load_level(ROOT / "levels" / "01-cooperative" / "the-hog.yaml")
    million = load_level(ROOT / "benchmarks" / "levels" / "million.yaml")
    lock_order = load_level(ROOT / "tests" / "level" / "levels" / "lock-order.yaml")
    bare = statistics.median(bare_start() for _ in range(args.rounds))
    rows = {
        "start to first slice (the-hog)": statistics.median(
            first_slice(hog) for _ in range(args.rounds)
        ),
        "cancel a running check": statistics.median(cancel(million) for _ in range(args.rounds)),
        "one more pick (lock-order)": statistics.median(
            one_more_pick(lock_order) for _ in range(args.rounds)
        ),
        "a step (the-hog)": statistics.median(step(hog) for _ in range(args.rounds)),
    }
    print(f"bare interpreter start: {bare * 1000:.1f} ms")
    for name, value in rows.items():
        print(f"{name:32} {value * 1000:8.3f} ms  {value / bare:6.3f}x a bare start")


if __name__ == "__main__":
    main()
