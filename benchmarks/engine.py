"""Switches per second: the engine (trace recording) against asyncio and a bare send loop.

    python3 benchmarks/engine.py [--quick] [--json]

Workloads: 10 tasks and 10,000 tasks, 1,000,000 pauses in all. The runners take turns
(A B C D, A B C D, ...) so that all of them see the same machine; the table gives the
medians and the ratios. Target: the engine at 1.5x asyncio's switches per second or more.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable

from scheduler_game.engine import Kernel, TraceRecorder
from scheduler_game.engine.traps import pause

TOTAL = 1_000_000


def engine_native(tasks: int, each: int) -> float:
    async def worker(n: int) -> None:
        for _ in range(n):
            await pause()

    return _engine(worker, tasks, each)


def engine_generator(tasks: int, each: int) -> float:
    def worker(n: int):
        for _ in range(n):
            yield

    return _engine(worker, tasks, each)


def _engine(worker: Callable[..., object], tasks: int, each: int) -> float:
    recorder = TraceRecorder()
    kernel = Kernel(max_ticks=10**9, observers=[recorder], max_tasks=tasks + 10)
    for i in range(tasks):
        kernel.add_task(f"w{i}", worker, (each,))
    start = time.perf_counter()
    result = kernel.run()
    took = time.perf_counter() - start
    assert result.outcome == "finished"
    assert len(recorder.names) == tasks and all(len(m) > each for m in recorder.marks), (
        "the trace must be recorded"
    )
    return took


def asyncio_sleep0(tasks: int, each: int) -> float:
    async def worker(n: int) -> None:
        for _ in range(n):
            await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(worker(each) for _ in range(tasks)))

    loop = asyncio.new_event_loop()
    try:
        start = time.perf_counter()
        loop.run_until_complete(main())
        return time.perf_counter() - start
    finally:
        loop.close()


def bare_send(tasks: int, each: int) -> float:
    def worker(n: int):
        for _ in range(n):
            yield

    ready = deque(worker(each) for _ in range(tasks))
    start = time.perf_counter()
    while ready:
        coro = ready.popleft()
        try:
            coro.send(None)
        except StopIteration:
            continue
        ready.append(coro)
    return time.perf_counter() - start


RUNNERS = {
    "engine (async def)": engine_native,
    "engine (generator)": engine_generator,
    "asyncio sleep(0)": asyncio_sleep0,
    "bare send loop": bare_send,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds instead of 5")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rounds = 2 if args.quick else 5
    figures: dict[str, dict[str, float]] = {}
    for tasks in (10, 10_000):
        each = TOTAL // tasks
        times: dict[str, list[float]] = {name: [] for name in RUNNERS}
        for _ in range(rounds):
            for name, runner in RUNNERS.items():
                gc.collect()
                times[name].append(runner(tasks, each))
        figures[f"{tasks} tasks"] = {name: statistics.median(t) for name, t in times.items()}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{TOTAL:,} switches, median of {rounds} alternated rounds\n")
    print(f"{'workload':<14}{'runner':<22}{'seconds':>9}{'M/s':>8}{'vs asyncio':>12}{'vs bare':>9}")
    for workload, by_runner in figures.items():
        base = by_runner["asyncio sleep(0)"]
        bare = by_runner["bare send loop"]
        for name, took in by_runner.items():
            print(
                f"{workload:<14}{name:<22}{took:>9.3f}{TOTAL / took / 1e6:>8.2f}"
                f"{base / took:>11.2f}x{bare / took:>8.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
