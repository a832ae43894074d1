"""What the runaway guard costs: guarded code against the same code compiled plainly.

    python3 benchmarks/guard.py [--rounds N] [--json]

Four workloads (a tight loop, a loop with an if/else, a recursive function and a list
comprehension), each compiled three ways in the same process: plain `compile`, the guard's
default mode (levels with `line_cost: 0`) and its exact mode (`line_cost` > 0). The
counter is a no-op (`lambda lines, line: None`), so the figures are the cost of the inserted
calls themselves, not of the engine's bookkeeping. The three take turns in every round;
the table gives each guarded mode's median time as a ratio to plain (lower is cheaper).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import timeit
from collections.abc import Callable
from types import CodeType
from typing import Any

from scheduler_game.sandbox.guard import compile_guarded

N = 100_000

WORKLOADS = {
    "tight loop": f"""
def run():
    total = 0
    for i in range({N}):
        total += i
    return total
""",
    "loop with if/else": f"""
def run():
    evens = 0
    odds = 0
    for i in range({N}):
        if i % 2:
            odds += i
        else:
            evens += i
    return evens, odds
""",
    "recursion": """
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def run():
    return fib(20)
""",
    "comprehension": f"""
def run():
    return sum([i * i for i in range({N})])
""",
}

MODES: dict[str, Callable[[str], CodeType]] = {
    "plain": lambda source: compile(source, "bench.py", "exec"),
    "default": lambda source: compile_guarded(source, "bench.py"),
    "exact": lambda source: compile_guarded(source, "bench.py", exact=True),
}


def load(code: CodeType) -> Callable[[], Any]:
    namespace: dict[str, Any] = {"__lines__": lambda lines, line: None}
    exec(code, namespace)
    return namespace["run"]


def measure(source: str, rounds: int, number: int) -> dict[str, float]:
    """Median seconds per call of each mode's `run`, the modes taking turns each round."""
    runs = {mode: load(compile_source(source)) for mode, compile_source in MODES.items()}
    results = {mode: run() for mode, run in runs.items()}
    if len(set(map(repr, results.values()))) != 1:
        raise SystemExit(f"the modes disagree: {results}")
    times: dict[str, list[float]] = {mode: [] for mode in runs}
    for _ in range(rounds):
        for mode, run in runs.items():
            gc.collect()
            times[mode].append(timeit.timeit(run, number=number) / number)
    return {mode: statistics.median(t) for mode, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=5, help="calls per timing")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {name: measure(src, args.rounds, args.number) for name, src in WORKLOADS.items()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"the guard against plain compile, median of {args.rounds} alternated rounds\n")
    print(f"{'workload':<20}{'plain ms':>10}{'default':>10}{'exact':>10}")
    for name, by_mode in figures.items():
        plain = by_mode["plain"]
        default, exact = by_mode["default"] / plain, by_mode["exact"] / plain
        print(f"{name:<20}{plain * 1000:>10.2f}{default:>9.2f}x{exact:>9.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
