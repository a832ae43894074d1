"""Switches per second: the engine (trace recording) against asyncio and a bare send loop.

    python3 benchmarks/engine.py [--quick] [--json] [--memory]

Workloads: 10 tasks and 10,000 tasks, 1,000,000 pauses in all. The runners take turns
(A B C D, A B C D, ...) so that all of them see the same machine; the table gives the
medians and the ratios. Target: the engine at 1.5x asyncio's switches per second or more.
`loop: asyncio` (the asyncio-exact kernel) is measured too: it runs a loop iteration as
asyncio does, so its goal is asyncio's own speed (1.0x) or more.

`--memory` measures instead what the trace keeps per switch, by kind of switch (a pause,
a sleep, a wait on a queue, an event or a lock, then woken): the bytes a run still holds
when it is over (tracemalloc, everything the run allocated and kept), at two lengths of
the same workload, the difference divided by the difference in switches (slices). What
does not grow with switches (tasks, objects, code) cancels out. Target: under 32 bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Callable

from scheduler_game.engine import Kernel, TraceRecorder, task_api
from scheduler_game.engine.aioloop import AsyncioKernel
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


def engine_asyncio_loop(tasks: int, each: int) -> float:
    """`loop: asyncio`: the same workload on the asyncio-exact kernel (aioloop.py)."""

    async def worker(n: int) -> None:
        for _ in range(n):
            await pause()

    return _engine(worker, tasks, each, AsyncioKernel)


def _engine(
    worker: Callable[..., object], tasks: int, each: int, machine: type[Kernel] = Kernel
) -> float:
    recorder = TraceRecorder()
    kernel = machine(max_ticks=10**9, observers=[recorder], max_tasks=tasks + 10)
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
    "engine, loop: asyncio": engine_asyncio_loop,
    "asyncio sleep(0)": asyncio_sleep0,
    "bare send loop": bare_send,
}


# ---------------------------------------------------------------- --memory: trace bytes per switch

# name: (task code, tasks to add as (function, args), what it is). `n` is the workload's
# length: every task's number of turns.
SWITCHES: dict[str, tuple[str, Callable[[int], list[tuple[str, tuple[int, ...]]]], str]] = {
    "pause": (
        """
async def worker(n):
    for _ in range(n):
        await pause()
""",
        lambda n: [("worker", (n,))] * 10,
        "10 tasks, pause()",
    ),
    "sleep": (
        """
async def worker(i, n):
    for k in range(n):
        await sleep(1 + (i + k) % 7)  # never the same wake twice in a row
""",
        lambda n: [("worker", (i, n)) for i in range(10)],
        "10 tasks, sleep(1..7), the CPU never idle",
    ),
    "sleep, idle": (
        """
async def worker(n):
    for _ in range(n):
        await sleep(5)
""",
        lambda n: [("worker", (n,))],
        "1 task, sleep(5): each switch also leaves the CPU idle (an idle span, 16 bytes)",
    ),
    "queue get": (
        """
q = Queue()

async def consumer(n):
    for _ in range(n):
        await q.get()  # empty: blocked until the producer's put hands it an item

async def producer(consumers, n):
    for _ in range(n):
        for _ in range(consumers):
            q.put_nowait(1)
        await pause()
""",
        lambda n: [("consumer", (n,))] * 10 + [("producer", (10, n))],
        "10 getters blocked on an empty queue, woken by a put",
    ),
    "event wait": (
        """
events = [Event() for _ in range(2000)]

async def waiter(n):
    for event in events[:n]:
        await event.wait()

async def setter(n):
    for event in events[:n]:
        await pause()
        event.set()
""",
        lambda n: [("waiter", (n,))] * 100 + [("setter", (n,))],
        "100 waiters blocked on an event, woken by its set()",
    ),
    "lock acquire": (
        """
lock = Lock()

async def worker(n):
    for _ in range(n):
        async with lock:
            await pause()
""",
        lambda n: [("worker", (n,))] * 10,
        "10 tasks taking a lock and pausing inside: half the slices end blocked",
    ),
}


def _held_after(code: str, tasks: list[tuple[str, tuple[int, ...]]]) -> tuple[int, int]:
    """Bytes still allocated after a run of the workload (kernel, trace and result kept
    alive), and how many switches (slices) it made."""
    gc.collect()
    tracemalloc.start()
    try:
        kernel = Kernel(max_ticks=10**9, max_tasks=len(tasks) + 10)
        namespace = task_api(kernel)
        exec(code, namespace)
        kernel.name_objects(namespace)
        for name, task_args in tasks:
            kernel.add_task(name, namespace[name], task_args)
        result = kernel.run()
        assert result.outcome == "finished", result.outcome
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return held, sum(t.slices for t in result.tasks)


def trace_bytes(quick: bool) -> dict[str, dict[str, float]]:
    """Per kind of switch: the bytes a switch adds to what a run keeps."""
    short = 500 if quick else 1_000
    out: dict[str, dict[str, float]] = {}
    for name, (code, tasks, _) in SWITCHES.items():
        small, small_switches = _held_after(code, tasks(short))
        large, large_switches = _held_after(code, tasks(2 * short))
        switches = large_switches - small_switches
        out[name] = {"switches": switches, "bytes_per_switch": (large - small) / switches}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds instead of 5")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--memory", action="store_true", help="trace bytes per switch, by kind (not timed)"
    )
    args = parser.parse_args()
    if args.memory:
        memory = trace_bytes(args.quick)
        if args.json:
            print(json.dumps(memory, indent=2))
            return 0
        print("trace bytes per switch (kept after the run; target: under 32)\n")
        print(f"{'switch':<14}{'bytes':>7}  what")
        for name, f in memory.items():
            print(f"{name:<14}{f['bytes_per_switch']:>7.1f}  {SWITCHES[name][2]}")
        return 0
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
