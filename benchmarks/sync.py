"""The shared objects under load: the engine against asyncio, in the same process.

    python3 benchmarks/sync.py [--quick] [--json] [--only NAME]

Each workload runs on the engine (with its trace recording, as a level runs) and on
asyncio, in turns (engine, asyncio, engine, asyncio, ...), so that both see the same
machine; the table gives the median seconds and the ratio engine/asyncio (below 1.0:
the engine is faster). Goal: every ratio at 1.0 or below.

asyncio's timeouts are in seconds of the wall clock, the engine's in ticks of its
virtual clock. So that a timeout costs asyncio only its bookkeeping, not a real wait,
asyncio runs here on its own loop with a virtual clock (`VirtualLoop`): time jumps to the
next timer when nothing is ready, as the engine's clock does. Nothing else is changed.
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
from collections.abc import Callable
from typing import Any

from scheduler_game.engine import Kernel, Timeout, task_api

Build = Callable[[Kernel, dict[str, Any]], Callable[[], None]]


# ---------------------------------------------------------------- the two machines


def on_engine(build: Build, tasks: int) -> float:
    """Seconds to add the workload's tasks to a fresh kernel and run it to the end."""
    kernel = Kernel(max_ticks=10**15, max_tasks=tasks + 10)
    api = task_api(kernel)
    start = time.perf_counter()
    check = build(kernel, api)
    result = kernel.run()
    took = time.perf_counter() - start
    assert result.outcome == "finished", result.outcome
    assert not any(t.error for t in result.tasks), [t.error for t in result.tasks if t.error]
    check()
    return took


class VirtualLoop(asyncio.SelectorEventLoop):
    """asyncio's own loop, but its clock jumps to the next timer instead of sleeping."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0
        select = self._selector.select  # type: ignore[attr-defined]

        def jump(timeout: float | None = None) -> Any:
            if timeout:
                self._now += timeout
            return select(0)

        self._selector.select = jump  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._now


def on_asyncio(main: Callable[[], Any]) -> float:
    loop = VirtualLoop()
    try:
        start = time.perf_counter()
        loop.run_until_complete(main())
        return time.perf_counter() - start
    finally:
        loop.close()


# ---------------------------------------------------------------- the workloads

QUEUE_PAIRS, QUEUE_ITEMS = 10, 20_000  # producers (and consumers), items each


def queue_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    q = api["Queue"](16)
    got = [0]

    async def producer(n: int) -> None:
        for i in range(n):
            await q.put(i)

    async def consumer(n: int) -> None:
        for _ in range(n):
            await q.get()
            got[0] += 1

    for i in range(QUEUE_PAIRS):
        kernel.add_task(f"p{i}", producer, (QUEUE_ITEMS,))
        kernel.add_task(f"c{i}", consumer, (QUEUE_ITEMS,))
    return lambda: _expect(got[0], QUEUE_PAIRS * QUEUE_ITEMS)


async def queue_asyncio() -> None:
    q: asyncio.Queue[int] = asyncio.Queue(16)
    got = [0]

    async def producer(n: int) -> None:
        for i in range(n):
            await q.put(i)

    async def consumer(n: int) -> None:
        for _ in range(n):
            await q.get()
            got[0] += 1

    work = [producer(QUEUE_ITEMS) for _ in range(QUEUE_PAIRS)]
    work += [consumer(QUEUE_ITEMS) for _ in range(QUEUE_PAIRS)]
    await asyncio.gather(*work)
    _expect(got[0], QUEUE_PAIRS * QUEUE_ITEMS)


LOCK_TASKS, LOCK_ROUNDS = 100, 1_000


def _holding_engine(
    kernel: Kernel, api: dict[str, Any], held_thing: Any, tasks: int, rounds: int
) -> Callable[[], None]:
    """`tasks` workers that each take `held_thing` (a lock, a semaphore) `rounds` times,
    pausing while they hold it."""
    pause = api["pause"]
    held = [0]

    async def worker(n: int) -> None:
        for _ in range(n):
            async with held_thing:
                held[0] += 1
                await pause()

    for i in range(tasks):
        kernel.add_task(f"w{i}", worker, (rounds,))
    return lambda: _expect(held[0], tasks * rounds)


async def _holding_asyncio(held_thing: Any, tasks: int, rounds: int) -> None:
    """The same on asyncio."""
    held = [0]

    async def worker(n: int) -> None:
        for _ in range(n):
            async with held_thing:
                held[0] += 1
                await asyncio.sleep(0)

    await asyncio.gather(*(worker(rounds) for _ in range(tasks)))
    _expect(held[0], tasks * rounds)


def lock_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    return _holding_engine(kernel, api, api["Lock"](), LOCK_TASKS, LOCK_ROUNDS)


async def lock_asyncio() -> None:
    await _holding_asyncio(asyncio.Lock(), LOCK_TASKS, LOCK_ROUNDS)


EVENT_WAITERS, EVENT_ROUNDS = 1_000, 100


def event_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    events, pause = [api["Event"]() for _ in range(EVENT_ROUNDS)], api["pause"]
    woke = [0]

    async def waiter() -> None:
        for event in events:
            await event.wait()
            woke[0] += 1

    async def setter() -> None:
        for event in events:
            await pause()  # behind the waiters woken by the last set()
            event.set()

    for i in range(EVENT_WAITERS):
        kernel.add_task(f"w{i}", waiter)
    kernel.add_task("setter", setter)
    return lambda: _expect(woke[0], EVENT_WAITERS * EVENT_ROUNDS)


async def event_asyncio() -> None:
    events = [asyncio.Event() for _ in range(EVENT_ROUNDS)]
    woke = [0]

    async def waiter() -> None:
        for event in events:
            await event.wait()
            woke[0] += 1

    async def setter() -> None:
        for event in events:
            await asyncio.sleep(0)
            event.set()

    await asyncio.gather(*(waiter() for _ in range(EVENT_WAITERS)), setter())
    _expect(woke[0], EVENT_WAITERS * EVENT_ROUNDS)


SEM_TASKS, SEM_PLACES, SEM_ROUNDS = 2_000, 1_000, 50  # about 1,000 holders at a time


def semaphore_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    return _holding_engine(kernel, api, api["Semaphore"](SEM_PLACES), SEM_TASKS, SEM_ROUNDS)


async def semaphore_asyncio() -> None:
    await _holding_asyncio(asyncio.Semaphore(SEM_PLACES), SEM_TASKS, SEM_ROUNDS)


IN_TIME_TASKS, IN_TIME_EACH = 10, 10_000  # wait_for(pause(), far): a far deadline each


def in_time_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    wait_for, pause = api["wait_for"], api["pause"]

    async def worker(n: int) -> None:
        for _ in range(n):
            await wait_for(pause(), 10**8)

    for i in range(IN_TIME_TASKS):
        kernel.add_task(f"w{i}", worker, (IN_TIME_EACH,))
    return lambda: None


async def in_time_asyncio() -> None:
    async def worker(n: int) -> None:
        for _ in range(n):
            await asyncio.wait_for(asyncio.sleep(0), 10**8)

    await asyncio.gather(*(worker(IN_TIME_EACH) for _ in range(IN_TIME_TASKS)))


TIMEOUT_TASKS, TIMEOUT_ROUNDS = 1_000, 50  # wait_for(event.wait(), 3), never set


def timeouts_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    wait_for, never = api["wait_for"], api["Event"]()
    timed_out = [0]

    async def worker(n: int) -> None:
        for _ in range(n):
            try:
                await wait_for(never.wait(), 3)
            except Timeout:
                timed_out[0] += 1

    for i in range(TIMEOUT_TASKS):
        kernel.add_task(f"w{i}", worker, (TIMEOUT_ROUNDS,))
    return lambda: _expect(timed_out[0], TIMEOUT_TASKS * TIMEOUT_ROUNDS)


async def timeouts_asyncio() -> None:
    never = asyncio.Event()
    timed_out = [0]

    async def worker(n: int) -> None:
        for _ in range(n):
            try:
                await asyncio.wait_for(never.wait(), 3)
            except TimeoutError:
                timed_out[0] += 1

    await asyncio.gather(*(worker(TIMEOUT_ROUNDS) for _ in range(TIMEOUT_TASKS)))
    _expect(timed_out[0], TIMEOUT_TASKS * TIMEOUT_ROUNDS)


GETTERS = 50_000  # on one empty queue; the last to come times out first, the worst order


def getters_engine(kernel: Kernel, api: dict[str, Any]) -> Callable[[], None]:
    wait_for, q = api["wait_for"], api["Queue"]()
    timed_out = [0]

    async def getter(ticks: int) -> None:
        try:
            await wait_for(q.get(), ticks)
        except Timeout:
            timed_out[0] += 1

    for i in range(GETTERS):
        kernel.add_task(f"g{i}", getter, (2 * (GETTERS - i),))
    return lambda: _expect(timed_out[0], GETTERS)


async def getters_asyncio() -> None:
    q: asyncio.Queue[int] = asyncio.Queue()
    timed_out = [0]

    async def getter(seconds: int) -> None:
        try:
            await asyncio.wait_for(q.get(), seconds)
        except TimeoutError:
            timed_out[0] += 1

    await asyncio.gather(*(getter(2 * (GETTERS - i)) for i in range(GETTERS)))
    _expect(timed_out[0], GETTERS)


def _expect(got: int, wanted: int) -> None:
    assert got == wanted, f"{got} != {wanted}"


# name: (engine workload, asyncio workload, tasks, what it does)
WORKLOADS: dict[str, tuple[Build, Callable[[], Any], int, str]] = {
    "queue": (
        queue_engine,
        queue_asyncio,
        2 * QUEUE_PAIRS,
        f"{QUEUE_PAIRS} producers, {QUEUE_PAIRS} consumers, "
        f"{QUEUE_PAIRS * QUEUE_ITEMS:,} items, maxsize 16",
    ),
    "lock": (
        lock_engine,
        lock_asyncio,
        LOCK_TASKS,
        f"{LOCK_TASKS} tasks x {LOCK_ROUNDS:,} turns, a pause inside",
    ),
    "event": (
        event_engine,
        event_asyncio,
        EVENT_WAITERS + 1,
        f"{EVENT_WAITERS:,} waiters x {EVENT_ROUNDS} set()s",
    ),
    "semaphore": (
        semaphore_engine,
        semaphore_asyncio,
        SEM_TASKS,
        f"{SEM_TASKS:,} tasks, {SEM_PLACES:,} places, {SEM_ROUNDS} turns each",
    ),
    "wait_for in time": (
        in_time_engine,
        in_time_asyncio,
        IN_TIME_TASKS,
        f"{IN_TIME_TASKS * IN_TIME_EACH:,} wait_for(pause(), far deadline)",
    ),
    "wait_for timeouts": (
        timeouts_engine,
        timeouts_asyncio,
        TIMEOUT_TASKS,
        f"{TIMEOUT_TASKS:,} tasks x {TIMEOUT_ROUNDS} wait_for(event.wait(), 3)",
    ),
    "50,000 getters": (
        getters_engine,
        getters_asyncio,
        GETTERS,
        f"{GETTERS:,} wait_for(q.get(), 2 * ({GETTERS:,} - i)): the last in times out first",
    ),
}


def peak_memory(build: Build, tasks: int) -> float:
    """MB allocated at the peak of an engine run (tracemalloc: slow, so not timed)."""
    tracemalloc.start()
    try:
        on_engine(build, tasks)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round instead of 3")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--memory", action="store_true", help="also the engine's peak MB")
    parser.add_argument("--only", choices=list(WORKLOADS), action="append")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    figures: dict[str, dict[str, float]] = {}
    for name in args.only or list(WORKLOADS):
        engine, reference, tasks, _ = WORKLOADS[name]
        engine_times, asyncio_times = [], []
        for _ in range(rounds):
            gc.collect()
            engine_times.append(on_engine(engine, tasks))
            gc.collect()
            asyncio_times.append(on_asyncio(reference))
        took = statistics.median(engine_times)
        base = statistics.median(asyncio_times)
        figures[name] = {"engine_s": took, "asyncio_s": base, "ratio": took / base}
        if args.memory:
            figures[name]["engine_peak_mb"] = peak_memory(engine, tasks)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"median of {rounds} alternated rounds; ratio = engine/asyncio (<= 1.0: goal met)\n")
    print(f"{'workload':<19}{'engine s':>9}{'asyncio s':>10}{'ratio':>7}  what")
    for name, f in figures.items():
        memory = f"  [{f['engine_peak_mb']:.0f} MB peak]" if "engine_peak_mb" in f else ""
        print(
            f"{name:<19}{f['engine_s']:>9.3f}{f['asyncio_s']:>10.3f}{f['ratio']:>7.2f}"
            f"  {WORKLOADS[name][3]}{memory}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
