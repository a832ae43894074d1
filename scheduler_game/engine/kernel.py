"""The kernel: one CPU, a virtual clock, a FIFO ready queue, and nobody preempts anybody.

A run goes slice by slice. A slice resumes the task at the head of the ready queue and
lets it run, alone, until it asks for something it must wait for (a trap), returns or
raises. What a slice costs is what its `cpu()` calls burned, and at least one tick.
At the end of a slice its own trap takes effect first (a paused task goes to the back),
then every sleeper due by then wakes, in order of wake time and then of falling asleep.

The rules are in GAME.md §2; each of them has a test in tests/engine.

This file is the loop and the kernel's own moves. Around it:

    task.py     Task, TaskHandle and the states a task goes through
    traps.py    what a task yields to ask for something
    calls.py    what task code calls: cpu(), print(), spawn(), cancel(), ...
    sync.py     Queue, Event, Lock, Semaphore: the objects tasks wait on
    waitfor.py  wait_for and its deadlines
    timers.py   the timer heap: sleepers, late arrivals, deadlines
    preempt.py  the preemptive policy: each task on a greenlet
    ending.py   the end of a run: outcome, closing what never finished, the result
    results.py  RunResult and what it holds
"""

from __future__ import annotations

import inspect
import random
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from scheduler_game.engine import traps
from scheduler_game.engine.calls import Stop, TaskCalls
from scheduler_game.engine.ending import RunEnd
from scheduler_game.engine.errors import Cancelled
from scheduler_game.engine.instrument import Instrument, hooks
from scheduler_game.engine.lines import innermost_line
from scheduler_game.engine.policy import Fifo, Policy
from scheduler_game.engine.preempt import Preemption
from scheduler_game.engine.results import OutputLine, RunResult, TaskFigures, task_error
from scheduler_game.engine.stable import AddressNames
from scheduler_game.engine.task import (
    BLOCKED,
    CANCELLED,
    CRASHED,
    DONE,
    FINISHED,
    NEW,
    READY,
    RUNNING,
    SLEEPING,
    Task,
    TaskConfig,
    TaskHandle,
    coroutine_of,
)
from scheduler_game.engine.timers import Timers
from scheduler_game.engine.trace import LAST_TICK, TraceRecorder
from scheduler_game.engine.traps import ACQUIRE, GET, JOIN, PAUSE_TRAP, PUT, SLEEP, WAIT, Trap
from scheduler_game.engine.waitfor import Deadline, DeadlineCancelled, WaitFor

# Names other modules import from here, from before the kernel was split.
__all__ = [
    "BLOCKED", "NEW", "READY", "RUNNING", "SLEEPING", "Kernel", "Task", "TaskFigures",
    "TaskHandle", "WaitFor", "task_error",
]  # fmt: skip

_VERBS = {GET: "get", PUT: "put", WAIT: "wait", ACQUIRE: "acquire"}


class Kernel(TaskCalls, Preemption, RunEnd):
    """The machine. Build one per run: its state is the run's state.

    Typical use::

        kernel = Kernel(max_ticks=300)
        namespace = task_api(kernel)      # what task code sees
        exec(code, namespace)             # the level's module
        kernel.add_task("worker", namespace["worker"])
        result = kernel.run()

    Its methods are in four places: here, the loop and the kernel's own moves;
    `TaskCalls` (calls.py), what task code calls; `Preemption` (preempt.py), the
    greenlets; `RunEnd` (ending.py), the outcome, the closing and the result.
    """

    # Slots: the run loop and the counter touch these attributes millions of times.
    __slots__ = (
        "_greenlet", "_kernel_glet", "_on", "addresses", "asked", "burned", "clock",
        "closing", "configs", "current", "dropped_output", "halted", "hung_task", "line_cost",
        "lines_left", "max_line_length", "max_output_lines", "max_tasks", "max_ticks", "names",
        "notes", "observers", "output", "picks", "policy", "quantum", "ready", "rng",
        "runaway_lines", "starve_after", "tasks", "timers", "trace",
    )  # fmt: skip

    def __init__(
        self,
        *,
        max_ticks: int = 500,
        starve_after: int = 10,
        line_cost: int = 0,
        runaway_lines: int = 100_000,
        seed: int = 0,
        policy: Policy | None = None,
        quantum: int | None = None,
        max_tasks: int = 10_000,
        max_output_lines: int = 10_000,
        max_line_length: int = 2_000,
        observers: Iterable[Instrument] = (),
    ) -> None:
        if quantum is not None and quantum < 1:
            raise ValueError("quantum must be at least 1")
        self.max_ticks = max_ticks
        self.starve_after = starve_after
        self.line_cost = line_cost
        self.runaway_lines = runaway_lines
        self.policy = policy or Fifo()
        self.asked: list[tuple[str, tuple[str, int] | None]] | None = None  # see AskPlayer
        self.quantum = quantum
        self.max_tasks = max_tasks
        self.max_output_lines = max_output_lines
        self.max_line_length = max_line_length
        self.rng = random.Random(seed)
        self.addresses = AddressNames()  # memory addresses in text, numbered per run

        self.clock = 0  # the start of the running slice, or the time between slices
        self.burned = 0  # CPU burned so far in the running slice
        self.lines_left = runaway_lines
        self.current: Task | None = None
        self.halted: Stop | None = None  # the kernel's own record: task code never holds it
        self.closing = False

        self.tasks: list[Task] = []
        self.configs: dict[str, TaskConfig] = {}
        self.names: dict[str, int] = {}
        self.ready: deque[Task] = deque()
        self.timers = Timers()
        self.output: list[OutputLine] = []
        self.dropped_output = 0
        self.picks: list[str] = []
        self.notes: list[str] = []
        self.hung_task: Task | None = None

        self.observers = list(observers)
        # The figures of a run are the trace's (trace.figures): the kernel keeps none of
        # its own, so they are counted once, by an observer task code cannot reach.
        trace = next((o for o in self.observers if isinstance(o, TraceRecorder)), None)
        if trace is None:
            trace = TraceRecorder()
            self.observers.insert(0, trace)
        self.trace = trace
        self._on = hooks(self.observers)
        self._kernel_glet: Any = None
        if quantum is not None:
            import greenlet  # only the preemptive policy needs a stack per task

            self._greenlet = greenlet.greenlet

    # ------------------------------------------------------------------ building

    def add_task(
        self,
        name: str,
        fn: Callable[..., Any],
        args: Iterable[Any] = (),
        *,
        at: int = 0,
        autostart: bool = True,
        max_wait: int | None = None,
    ) -> TaskHandle | None:
        """Declare a level task. Autostarted tasks arrive at tick `at`."""
        self.configs[getattr(fn, "__name__", name)] = TaskConfig(name, max_wait)
        if not autostart:
            return None
        task = self._new_task(fn, tuple(args), name)
        if at <= 0:
            self._make_ready(task, 0)
        else:
            task.timer = self.timers.add(at, task)
        return task.handle

    def _new_task(
        self, fn: Callable[..., Any], args: tuple[Any, ...], name: str, coro: Any = None,
        config: TaskConfig | None = None,
    ) -> Task:  # fmt: skip
        if not callable(fn):
            raise TypeError(f"a task must be a function, not {type(fn).__name__}")
        if len(self.tasks) >= self.max_tasks:
            raise RuntimeError(f"too many tasks: a level may have {self.max_tasks} at most")
        if inspect.isasyncgenfunction(fn):
            raise TypeError(f"{name}() is an async generator (async def with yield): not a task")
        config = config or self.configs.get(getattr(fn, "__name__", ""))
        if config is not None:
            name = config.name
        count = self.names.get(name, 0) + 1
        self.names[name] = count
        if count > 1:
            name = f"{name}-{count}"
        coro = coroutine_of(fn, args) if coro is None else coro  # made already (wait_for's)
        max_wait = config.max_wait if config is not None else None
        task = Task(
            len(self.tasks), name, coro, self.starve_after if max_wait is None else max_wait
        )
        self.tasks.append(task)
        for hook in self._on.task_spawned:
            hook(task, self.clock + self.burned)
        return task

    # ------------------------------------------------------------------ the loop

    def run(self) -> RunResult:
        ready = self.ready
        heap = self.timers.heap
        max_ticks = self.max_ticks
        fifo = type(self.policy) is Fifo
        slice_started = self._on.slice_started
        slice_ended = self._on.slice_ended
        ended = slice_ended[0] if len(slice_ended) == 1 else None
        budget = self.runaway_lines
        preemptive = self.quantum is not None
        if preemptive:
            self._kernel_glet = self._greenlet.getcurrent()

        # `while True` and a test inside, not `while self.halted is None`: CPython 3.11
        # specializes a function's bytecode once it has taken enough unconditional jumps
        # back, and `run` is entered once. A `while` test compiles to a conditional jump
        # back: the loop then ran unspecialized, 40% slower (benchmarks/engine.py).
        while True:
            if self.halted is not None:
                break
            if not ready:
                when = self._next_wake()
                if when is None:
                    break
                if when >= max_ticks:
                    self._idle(max_ticks)
                    break
                self._idle(when)
                self._wake_due(when)
                continue
            start = self.clock
            if start >= max_ticks:
                break
            task = ready.popleft() if fifo or len(ready) == 1 else self._pick(ready)
            if task is None:  # the player is to pick: stop here, to go on with one more
                break

            task.state = RUNNING
            self.current = task
            task.handoff = None  # a lock or an item handed over while it waited: its own now
            self.lines_left = budget
            if slice_started:
                for hook in slice_started:
                    hook(task, start)
            if task.exc is None and not preemptive:
                # `_drive`'s first turn, inlined: most slices end at their first pause, and
                # the call this saves is 5% of a switch (benchmarks/engine.py --quick).
                value = task.value
                task.value = None
                try:
                    trap = task.coro.send(value)
                except BaseException as err:
                    went_on = self._raised(task, err)
                    if went_on is not None:
                        self._drive(task, *went_on)
                else:
                    if (
                        (trap is PAUSE_TRAP or trap is None)
                        and task.exc is None
                        and self.halted is None
                    ):
                        task.state = READY
                    elif not self._serve(task, trap):
                        value, exc = task.value, task.exc
                        task.value = task.exc = None
                        self._drive(task, value, exc)
            elif preemptive:
                self._run_slice_preemptive(task)
            else:  # an error to throw in
                exc = task.exc
                task.value = task.exc = None
                self._drive(task, None, exc)

            burned = self.burned
            if burned > 0:
                end = start + burned
                if end > max_ticks:
                    end = max_ticks
                if end > LAST_TICK:
                    raise OverflowError(f"the trace holds ticks up to {LAST_TICK}, not {end}")
                self.burned = 0
            else:  # start < max_ticks: a tick fits
                end = start + 1
            self.clock = end
            self.current = None
            if task.state is READY:  # paused or preempted: to the back of the queue
                ready.append(task)
            if ended is not None:  # the trace alone: a call, not a loop (4% of a switch)
                ended(task, start, end)
            else:
                for hook in slice_ended:
                    hook(task, start, end)
            if heap and heap[0][0] <= end:
                self._wake_due(end)
        return self._finish()

    def _pick(self, ready: deque[Task]) -> Task | None:
        task = self.policy.pick(ready)
        if task is None:  # each ready task, and the line it would go on from
            self.asked = [(t.name, innermost_line(t)) for t in ready]
            return None
        ready.remove(task)
        self.picks.append(task.name)
        return task

    def _drive(self, task: Task, value: Any, exc: BaseException | None) -> None:
        """Resume `task` (send `value` in, or throw `exc`), and serve its traps, until it
        gives up the CPU or ends.

        The one place a task's coroutine is resumed: on the kernel's stack, or under the
        preemptive policy on the task's own greenlet (preempt.py).
        """
        while True:
            try:
                trap = task.coro.send(value) if exc is None else task.coro.throw(exc)
            except BaseException as err:
                went_on = self._raised(task, err)
                if went_on is None:
                    return
                value, exc = went_on
                continue
            if (trap is PAUSE_TRAP or trap is None) and task.exc is None and self.halted is None:
                task.state = READY  # the common case, kept off the slower path below
                return
            if self._serve(task, trap):
                return
            value, exc = task.value, task.exc
            task.value = task.exc = None

    def _raised(self, task: Task, err: BaseException) -> tuple[Any, BaseException | None] | None:
        """The task's coroutine returned or raised: the one place a task's end is handled.

        None when the task has ended; else, when an inner `yield wait_for(...)` ended,
        what to send or throw into the outer coroutine.
        """
        if self.closing:  # `_close_preempted` threw GeneratorExit in: it reads the outcome
            raise err
        if self.halted is not None:
            # The machine stopped inside this slice. Whatever the task did since (caught
            # the stop, returned, raised something else), the stop is final.
            self._halt_in(task, err)
            return None
        if task.stack:  # back to the outer coroutine of a `yield wait_for(...)`
            task.coro = task.stack.pop()
            if type(err) is StopIteration:
                return err.value, None
            return None, err
        if type(err) is StopIteration:
            self._exit(task, FINISHED, result=err.value)
        else:
            self._exit(task, CANCELLED if isinstance(err, Cancelled) else CRASHED, err)
        return None

    def _serve(self, task: Task, trap: Any) -> bool:
        """Act on what the task yielded. True when it gave up the CPU."""
        if self.halted is not None:  # it caught Halt and went on: the machine is stopped
            self._halt_in(task)
            return True
        if self.closing:  # it ignored `_close_preempted`'s GeneratorExit: serve nothing
            return True
        if trap is PAUSE_TRAP or trap is None:
            task.state = READY
            return True
        if type(trap) is not Trap:
            if type(trap) is WaitFor:
                task.stack.append(task.coro)
                task.coro = trap.__iter__()
                task.value = None
                return False
            task.exc = TypeError(traps.junk_message(trap))
            return False
        if task.exc is not None:  # it was cancelled while running: give up the CPU, then raise
            task.state = READY
            return True
        kind = trap._kind
        if kind == SLEEP:
            wake = self.clock + self.burned + trap._arg
            if wake <= self.clock:  # a slice lasts a tick at least, so it cannot wake within it
                wake = self.clock + 1
            task.state = SLEEPING
            task.waiting_on = ("sleep", None, wake)
            task.timer = self.timers.add(wake, task)
            return True
        if kind == JOIN:
            return self._join(task, trap._target)
        obj = trap._target
        if kind == GET:
            parked = obj._get(task)
        elif kind == PUT:
            parked = obj._put(task, trap._arg)
        elif kind == WAIT:
            parked = obj._wait(task)
        elif kind == ACQUIRE:
            parked = obj._acquire(task)
        else:  # a pause built by hand
            task.state = READY
            return True
        if parked:
            task.state = BLOCKED
            task.waiting_on = trap._on or traps.WaitOn((_VERBS[kind], obj, None))
        return parked

    def _join(self, task: Task, target: Any) -> bool:
        if type(target) is not TaskHandle:
            task.exc = TypeError(f"join() takes a task from spawn(), not {type(target).__name__}")
            return False
        other = target._task
        if other is task:
            task.exc = RuntimeError("a task cannot join itself: it would wait forever")
            return False
        if other.state in DONE:
            self._deliver_end(task, other)
            return False
        other.joiners[task] = None
        task.state = BLOCKED
        task.waiting_on = other.joined_on
        return True

    def _deliver_end(self, joiner: Task, ended: Task) -> None:
        if ended.state == FINISHED:
            joiner.value = ended.result
        elif ended.state == CANCELLED:
            joiner.exc = Cancelled(f"{ended.name} was cancelled")
        else:
            joiner.exc = ended.exc_object

    # ------------------------------------------------------------------ the kernel's own moves

    def _wake(self, task: Task, value: Any) -> None:
        """A waiter got what it waited for: it joins the ready queue at once."""
        task.value = value
        self._make_ready(task, self.clock + self.burned)

    def _make_ready(self, task: Task, since: int) -> None:
        if self.closing:  # the run is over: a `finally` that frees a lock wakes no one
            return
        task.state = READY
        task.waiting_on = None
        self.ready.append(task)
        for hook in self._on.task_ready:
            hook(task, since)

    def _next_wake(self) -> int | None:
        """The tick of the first timer that will do something when due, or None."""
        timers = self.timers
        while (entry := timers.first()) is not None:
            what = entry[2]
            if type(what) is not Deadline or what.task.state not in DONE:
                return entry[0]
            timers.cancel(entry)  # a deadline that outlived its task: nothing to fire
            what.entry = None
        return None

    def _wake_due(self, now: int) -> None:
        timers = self.timers
        while (entry := timers.pop_due(now)) is not None:
            when, _, what = entry
            if type(what) is Task:
                what.timer = None
                self._make_ready(what, when)
                continue
            what.entry = None
            if what.task.state not in DONE:
                what.fired = True
                self._cancel(what.task, DeadlineCancelled(what.ticks))

    def _idle(self, until: int) -> None:
        if until > self.clock:
            for hook in self._on.idle:
                hook(self.clock, until)
            self.clock = until

    def _exit(
        self, task: Task, state: str, err: BaseException | None = None, result: Any = None
    ) -> None:
        task.state = state
        task.result = result
        task.waiting_on = None
        task.handoff = None
        if err is not None:
            task.error = task_error(err, self.addresses)
            task.exc_object = err
        task.glet = None  # a greenlet ends with its task (preempt.py)
        for joiner in task.joiners:
            self._deliver_end(joiner, task)
            self._make_ready(joiner, self.clock + self.burned)
        task.joiners = {}
        for hook in self._on.task_exited:
            hook(task, self.clock + max(1, self.burned))
