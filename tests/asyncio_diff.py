"""A differential harness: one small task program, run on the engine and on asyncio.

A *program* is a list of level tasks and a list of helpers (spawned only), each a name
and a list of steps. The steps (a tuple each; the first item says what):

    ("print", text)          print(text)
    ("cpu", n)               cpu(n): burn n ticks without giving the CPU up
    ("pause",)               await pause()          / await asyncio.sleep(0)
    ("sleep", n)             await sleep(n)         / await asyncio.sleep(n)
    ("spawn", helper)        kids.append(spawn(helper))
    ("join", i)              print("joined", await join(kids[i % len(kids)]))
    ("cancel", i)            print("cancel", cancel(kids[i % len(kids)]))
    ("put", x)               await q.put(x)
    ("put_nowait", x)        q.put_nowait(x), printing "full" on QueueFull
    ("get",)                 print("got", await q.get())
    ("get_nowait",)          print("got", q.get_nowait()), printing "empty" on QueueEmpty
    ("set",), ("clear",)     ev.set(), ev.clear()
    ("wait",)                await ev.wait()
    ("lock", n)              acquire lock, cpu(n), pause, release (in a finally)
    ("sem", n)               the same with the semaphore sem
    ("wait_for_get", n)      print("got", await wait_for(q.get(), n)), or "timeout"
    ("wait_for_sleep", n, m) await wait_for(sleep(m), n), printing "slept" or "timeout"
    ("swallow", n)           await sleep(n), catching a cancel and printing "swallowed"
    ("wait_for_join", i, n)  print("joined", await wait_for(join(kids[i % len(kids)]), n))
    ("wait_for_wait", n)     await wait_for(ev.wait(), n), printing "set" or "timeout"
    ("wait_for_put", x, n)   await wait_for(q.put(x), n), printing "timeout" if it timed out

Every task body is wrapped so that a cancel or an error that ends it prints
"end cancelled" / "end error"; a normal end prints nothing. Shared objects: `q =
Queue(maxsize)`, `ev = Event()`, `lock = Lock()`, `sem = Semaphore(sem_value)`, `kids`.

The same generated source runs:

- (a) on the engine, in-process, through `task_api` (as tests/engine/conftest.py does);
- (b) on a real asyncio event loop with a virtual clock: a selector whose `select(t)`
  advances the clock by t instead of waiting, `loop.time()` returning it, and `cpu(n)`
  advancing it without yielding. Task names and spawned copies (`h0`, `h0-2`) are
  named as the engine names them; a `wait_for`'s inner task prints under its owner's
  name (the name is kept in a context variable the inner task inherits).

With `min_slice=True` (the default) the asyncio side is charged the game's one-tick
minimum per step of a program's task (a step of `Task.__step` that burned nothing
costs one tick; the inner task a `wait_for` makes is not charged), so
that this known difference does not hide all the others; `min_slice=False` shows it.

`compare(program)` returns both sides' output as `(tick, task, text)` lines, then
`("end", outcome)`.
"""

from __future__ import annotations

import asyncio
import contextvars
import selectors
import textwrap
from dataclasses import dataclass, field
from typing import Any

from scheduler_game.engine import Kernel, task_api
from scheduler_game.engine.aioloop import AsyncioKernel

Step = tuple
Line = tuple

MAX_TICKS = 400


@dataclass
class Program:
    tasks: list[tuple[str, list[Step]]]
    helpers: list[tuple[str, list[Step]]] = field(default_factory=list)
    maxsize: int = 0
    sem_value: int = 1


# -- the source both sides run -------------------------------------------------------


def _step_code(step: Step) -> list[str]:
    kind = step[0]
    if kind == "print":
        return [f"print({step[1]!r})"]
    if kind == "cpu":
        return [f"cpu({step[1]})"]
    if kind == "pause":
        return ["await pause()"]
    if kind == "sleep":
        return [f"await sleep({step[1]})"]
    if kind == "spawn":
        return [f"kids.append(spawn({step[1]}))"]
    if kind == "join":
        return [
            "if kids:",
            "    try:",
            f"        print('joined', await join(kids[{step[1]} % len(kids)]))",
            "    except Cancelled:",
            "        print('joined a cancelled task')",
            "    except Exception:",
            "        print('joined a crashed task')",
        ]
    if kind == "cancel":
        return ["if kids:", f"    print('cancel', cancel(kids[{step[1]} % len(kids)]))"]
    if kind == "put":
        return [f"await q.put({step[1]})"]
    if kind == "put_nowait":
        return ["try:", f"    q.put_nowait({step[1]})", "except QueueFull:", "    print('full')"]
    if kind == "get":
        return ["print('got', await q.get())"]
    if kind == "get_nowait":
        return [
            "try:",
            "    print('got', q.get_nowait())",
            "except QueueEmpty:",
            "    print('empty')",
        ]
    if kind == "set":
        return ["ev.set()"]
    if kind == "clear":
        return ["ev.clear()"]
    if kind == "wait":
        return ["await ev.wait()"]
    if kind in ("lock", "sem"):
        obj = kind
        return [
            f"await {obj}.acquire()",
            "try:",
            f"    cpu({step[1]})",
            "    await pause()",
            "finally:",
            f"    {obj}.release()",
        ]
    if kind == "wait_for_get":
        return [
            "try:",
            f"    print('got', await wait_for(q.get(), {step[1]}))",
            "except Timeout:",
            "    print('timeout')",
        ]
    if kind == "wait_for_sleep":
        return [
            "try:",
            f"    await wait_for(sleep({step[2]}), {step[1]})",
            "    print('slept')",
            "except Timeout:",
            "    print('timeout')",
        ]
    if kind == "wait_for_join":
        return [
            "if kids:",
            "    try:",
            f"        kid = kids[{step[1]} % len(kids)]",
            f"        print('joined', await wait_for(join(kid), {step[2]}))",
            "    except Timeout:",
            "        print('timeout')",
            "    except Cancelled:",
            "        print('joined a cancelled task')",
            "    except Exception:",
            "        print('joined a crashed task')",
        ]
    if kind in ("wait_for_wait", "wait_for_put"):
        what, n = (
            ("ev.wait()", step[1]) if kind == "wait_for_wait" else (f"q.put({step[1]})", step[2])
        )
        return [
            "try:",
            f"    await wait_for({what}, {n})",
            "    print('done')",
            "except Timeout:",
            "    print('timeout')",
        ]
    if kind == "swallow":
        return [
            "try:",
            f"    await sleep({step[1]})",
            "except Cancelled:",
            "    print('swallowed')",
        ]
    raise ValueError(f"unknown step {step!r}")


def source(program: Program) -> str:
    code = [
        f"q = Queue({program.maxsize})",
        "ev = Event()",
        "lock = Lock()",
        f"sem = Semaphore({program.sem_value})",
        "kids = []",
    ]
    for name, steps in program.tasks + program.helpers:
        code += [f"async def {name}():", "    try:"]
        body = [line for step in steps for line in _step_code(step)] or ["pass"]
        code += ["        " + line for line in body]
        code += [
            "    except Cancelled:",
            "        print('end cancelled')",
            "        raise",
            "    except Exception:",
            "        print('end error')",
        ]
    return "\n".join(code) + "\n"


# -- (a) the engine ------------------------------------------------------------------


def run_engine(program: Program, max_ticks: int = MAX_TICKS, loop: str = "game") -> list[Line]:
    """The program on the engine, under the default rules or (`loop="asyncio"`) the
    asyncio-exact loop (engine/aioloop.py)."""
    kernel = (AsyncioKernel if loop == "asyncio" else Kernel)(max_ticks=max_ticks)
    namespace = task_api(kernel)
    exec(textwrap.dedent(source(program)), namespace)
    kernel.name_objects(namespace)
    for name, _ in program.tasks:
        kernel.add_task(name, namespace[name])
    for name, _ in program.helpers:
        kernel.add_task(name, namespace[name], autostart=False)
    result = kernel.run()
    return [(o.tick, o.task, o.text) for o in result.output] + [("end", result.outcome)]


# -- (b) asyncio with a virtual clock ------------------------------------------------


class _Stop(Exception):
    def __init__(self, outcome: str) -> None:
        self.outcome = outcome


class VirtualClock:
    def __init__(self, max_ticks: int) -> None:
        self.now: float = 0
        self.max_ticks = max_ticks


class VirtualSelector(selectors.BaseSelector):
    """A selector that never waits: select(t) moves the virtual clock on by t."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._keys: dict[Any, selectors.SelectorKey] = {}

    def register(self, fileobj, events, data=None):
        key = selectors.SelectorKey(
            fileobj, fileobj if isinstance(fileobj, int) else fileobj.fileno(), events, data
        )
        self._keys[fileobj] = key
        return key

    def unregister(self, fileobj):
        return self._keys.pop(fileobj)

    def select(self, timeout=None):
        if timeout is None:  # nothing ready, no timer: nobody can ever run again
            raise _Stop("deadlock")
        if self.clock.now + timeout >= self.clock.max_ticks:
            raise _Stop("timeout")
        self.clock.now += timeout
        return []

    def get_map(self):
        return self._keys

    def close(self):
        self._keys.clear()


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(VirtualSelector(clock))
        self.clock = clock

    def time(self) -> float:
        return self.clock.now


_task_name: contextvars.ContextVar[str] = contextvars.ContextVar("task_name")


def run_asyncio(
    program: Program, min_slice: bool = True, max_ticks: int = MAX_TICKS, inner: bool = False
) -> list[Line]:
    """The program on asyncio. `inner=True` treats the task `wait_for` makes as the
    asyncio-exact loop does: charged the minimum like any task, named `OWNER/wait_for`
    (numbered as the engine numbers names), and waited for to the end."""
    clock = VirtualClock(max_ticks)
    loop = VirtualLoop(clock)
    out: list[Line] = []
    recording = [True]
    started: list[asyncio.Task] = []
    spawned: dict[str, int] = {}

    class HarnessTask(asyncio.tasks._PyTask):  # type: ignore[name-defined,misc]
        _log_destroy_pending = False
        charged = False  # a program's task, not asyncio's own (wait_for's inner task)

        def _Task__step(self, exc=None):
            start = clock.now
            super()._Task__step(exc)
            if min_slice and self.charged and clock.now == start:
                clock.now = start + 1

    all_done = loop.create_future()

    def check(_: Any) -> None:  # a done callback: queued with call_soon, runs no task code
        if all(t.done() for t in started) and not all_done.done():
            all_done.set_result(None)

    def factory(lp: Any, coro: Any, **kw: Any) -> HarnessTask:
        task = HarnessTask(coro, loop=lp, **kw)
        if inner and kw.get("context") is None:  # not `start`'s: wait_for's work
            task.charged = True
            task._context.run(_task_name.set, unique(f"{_task_name.get()}/wait_for"))
            started.append(task)
            task.add_done_callback(check)
        return task

    loop.set_task_factory(factory)

    def start(fn, name: str) -> asyncio.Task:
        ctx = contextvars.copy_context()
        ctx.run(_task_name.set, name)
        task = loop.create_task(fn(), name=name, context=ctx)
        task.charged = True
        started.append(task)
        task.add_done_callback(check)
        return task

    def unique(name: str) -> str:
        count = spawned[name] = spawned.get(name, 0) + 1
        return name if count == 1 else f"{name}-{count}"

    def spawn(fn):
        return start(fn, unique(fn.__name__))

    def cpu(n: int = 1) -> None:
        clock.now += n

    def harness_print(*args: Any) -> None:
        if recording[0]:
            out.append((int(clock.now), _task_name.get(), " ".join(str(a) for a in args)))

    namespace: dict[str, Any] = {
        "cpu": cpu,
        "now": lambda: clock.now,
        "print": harness_print,
        "pause": lambda: asyncio.sleep(0),
        "sleep": asyncio.sleep,
        "spawn": spawn,
        "join": lambda t: t,
        "cancel": lambda t: t.cancel(),
        "wait_for": asyncio.wait_for,
        "Queue": asyncio.Queue,
        "Event": asyncio.Event,
        "Lock": asyncio.Lock,
        "Semaphore": asyncio.Semaphore,
        "Cancelled": asyncio.CancelledError,
        "Timeout": asyncio.TimeoutError,
        "QueueFull": asyncio.QueueFull,
        "QueueEmpty": asyncio.QueueEmpty,
    }
    asyncio.set_event_loop(loop)
    try:
        exec(source(program), namespace)
        for name, _ in program.tasks:
            start(namespace[name], name)
        outcome = "finished"
        try:
            loop.run_until_complete(all_done)
        except _Stop as stop:
            outcome = stop.outcome
        recording[0] = False
        for task in started:
            if not task.done():
                task._coro.close()
        return [*out, ("end", outcome)]
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def compare(program: Program, min_slice: bool = True) -> tuple[list[Line], list[Line]]:
    """The default rules against asyncio."""
    return run_engine(program), run_asyncio(program, min_slice=min_slice)


def compare_exact(program: Program) -> tuple[list[Line], list[Line]]:
    """`loop: asyncio` against asyncio: these must be equal. What is printed from
    MAX_TICKS on is left out: the engine stops the clock there, in the middle of a
    slice, where the harness's loop looks at its clock only as an iteration begins."""

    def before_the_end(lines: list[Line]) -> list[Line]:
        return [line for line in lines if line[0] == "end" or line[0] < MAX_TICKS]

    engine = run_engine(program, loop="asyncio")
    return before_the_end(engine), before_the_end(run_asyncio(program, inner=True))
