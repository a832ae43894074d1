"""The kernel: one CPU, a virtual clock, a FIFO ready queue, and nobody preempts anybody.

A run goes slice by slice. A slice resumes the task at the head of the ready queue and
lets it run, alone, until it asks for something it must wait for (a trap), returns or
raises. What a slice costs is what its `cpu()` calls burned, and at least one tick.
At the end of a slice its own trap takes effect first (a paused task goes to the back),
then every sleeper due by then wakes, in order of wake time and then of falling asleep.

The rules are in GAME.md §2; each of them has a test in tests/engine.
"""

from __future__ import annotations

import inspect
import random
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from heapq import heappop, heappush
from typing import Any

from scheduler_game.engine.errors import Cancelled, Halt, Timeout
from scheduler_game.engine.instrument import Instrument, hooks
from scheduler_game.engine.policy import Fifo, Policy
from scheduler_game.engine.stable import AddressNames
from scheduler_game.engine.trace import TraceRecorder, figures
from scheduler_game.engine.traps import (
    ACQUIRE,
    GET,
    JOIN,
    PAUSE_TRAP,
    PUT,
    SLEEP,
    WAIT,
    Trap,
)

# What a task is doing. The words are the player's words.
NEW = "new"  # not arrived yet (`at` in the future)
READY = "ready"
RUNNING = "running"
SLEEPING = "sleeping"
BLOCKED = "blocked"
FINISHED = "finished"
CRASHED = "crashed"
CANCELLED = "cancelled"
DONE = frozenset({FINISHED, CRASHED, CANCELLED})

# Outcomes of a run.
OUTCOME_FINISHED = "finished"
OUTCOME_DEADLOCK = "deadlock"
OUTCOME_TIMEOUT = "timeout"
OUTCOME_HUNG = "hung"

_VERBS = {GET: "get", PUT: "put", WAIT: "wait", ACQUIRE: "acquire"}
_EXHAUSTED = -(1 << 62)  # the runaway budget of a halted machine: any count goes below 0
_PREEMPTED = object()  # what a preempted task's slice "yields" to the kernel
_OUR_FILES = __file__.rsplit("/", 2)[0]  # frames of our own .py files are left out of tracebacks


@dataclass(frozen=True, slots=True)
class TaskError:
    """A task's uncaught exception, as the player should see it."""

    type: str
    message: str
    # (filename, line, function, source text) for each frame of the player's code
    frames: tuple[tuple[str, int, str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    def format(self) -> str:
        lines = ["Traceback (most recent call last):"]
        for filename, line, name, text in self.frames:
            lines.append(f'  File "{filename}", line {line}, in {name}')
            if text:
                lines.append(f"    {text}")
        lines.append(str(self))
        return "\n".join(lines)


MAX_MESSAGE = 2_000  # characters of an error message a player reads
MAX_FRAMES = 40  # frames of a traceback: the innermost ones, where the error is


def bounded_text(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters, saying how much was cut: task code chooses its
    error messages, and a 150 MB one must not become a 150 MB verdict."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def task_error(err: BaseException, addresses: AddressNames | None = None) -> TaskError:
    frames = tuple(
        (f.filename, f.lineno or 0, f.name, bounded_text((f.line or "").strip(), 200))
        for f in traceback.extract_tb(err.__traceback__)
        if not (f.filename.startswith(_OUR_FILES) and f.filename.endswith(".py"))
    )
    try:
        message = str(err)
    except Exception as failed:  # a task's own exception class may fail to print
        message = f"(the message could not be shown: {type(failed).__name__})"
    if addresses is not None:  # before the cut, so no address is cut in half
        message = addresses.scrub(message)
    return TaskError(type(err).__name__, bounded_text(message), frames[-MAX_FRAMES:])


class TaskHandle:
    """What `spawn()` gives task code: something to `join` or `cancel`, and a name."""

    __slots__ = ("_task",)

    def __init__(self, task: Task) -> None:
        self._task = task

    @property
    def name(self) -> str:
        return self._task.name

    def done(self) -> bool:
        return self._task.state in DONE

    def __repr__(self) -> str:
        return f"<task {self._task.name} {self._task.state}>"


class Task:
    """One coroutine and everything the kernel knows about it. Never handed to task code."""

    __slots__ = (
        "coro",
        "error",
        "exc",
        "exc_object",
        "glet",
        "handle",
        "handoff",
        "id",
        "joiners",
        "limit",
        "name",
        "preempted",
        "result",
        "stack",
        "state",
        "timer_seq",
        "value",
        "waiting_on",
    )

    def __init__(self, tid: int, name: str, coro: Any, limit: int) -> None:
        self.id = tid
        self.name = name
        self.coro = coro
        self.limit = limit  # longest ready-wait before it starves
        self.state = NEW
        self.value: Any = None  # what the next resume sends in
        self.exc: BaseException | None = None  # ... or throws in
        self.waiting_on: tuple[str, Any, Any] | None = None
        self.handoff: tuple[Any, str, Any] | None = None
        self.timer_seq = -1
        self.joiners: list[Task] = []
        self.stack: list[Any] = []  # outer coroutines while a `yield wait_for(...)` runs
        self.glet: Any = None
        self.preempted = False
        self.handle = TaskHandle(self)
        self.result: Any = None
        self.error: TaskError | None = None
        self.exc_object: BaseException | None = None


class Deadline:
    """A `wait_for` time limit: when it fires, Cancelled is thrown into its task."""

    __slots__ = ("active", "fired", "task", "ticks")

    def __init__(self, task: Task, ticks: int) -> None:
        self.task = task
        self.ticks = ticks
        self.active = True
        self.fired = False


class DeadlineCancelled(Cancelled):
    """The Cancelled a deadline throws; `wait_for` turns its own into Timeout.

    It carries nothing of the deadline (which holds the kernel's Task record): task code
    catches this object, and everything it can reach must be harmless.
    """

    def __init__(self, ticks: int) -> None:
        super().__init__(f"timed out after {ticks} ticks")


@dataclass(frozen=True, slots=True)
class Stop:
    """Why the machine stopped inside a slice: `hung` (at `line`) or `timeout`.

    Kept by the kernel alone. Task code that catches the `Halt` raised for it holds a
    fresh copy, so editing or re-raising that copy changes nothing the judge reads.
    """

    reason: str
    line: int | None

    def exception(self) -> Halt:
        return Halt(self.reason, self.line)


@dataclass(frozen=True, slots=True)
class OutputLine:
    tick: int
    task: str
    text: str


@dataclass(frozen=True, slots=True)
class Wait:
    """After a deadlock: who waits for what, and who holds it."""

    task: str
    on: str
    held_by: str | None


@dataclass(frozen=True, slots=True)
class TaskFigures:
    name: str
    state: str
    cpu: int
    ready_wait: int
    longest_wait: int
    longest_wait_from: int  # the longest ready-wait ran from this tick ...
    limit: int  # ... and the task starves past this many ticks of waiting
    starved: bool
    starved_ticks: int
    switches: int  # slices it ran
    finished_at: int | None
    result: Any = None
    error: TaskError | None = None


@dataclass(slots=True)
class RunResult:
    outcome: str
    ticks: int
    tasks: list[TaskFigures]
    output: list[OutputLine]
    waits: list[Wait] = field(default_factory=list)
    hung_task: str | None = None
    hung_line: int | None = None
    picks: list[str] = field(default_factory=list)  # the choices made where >1 was ready
    dropped_output: int = 0
    notes: list[str] = field(default_factory=list)

    def task(self, name: str) -> TaskFigures:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)


@dataclass(slots=True)
class TaskConfig:
    """What the level says of a task function, so that `spawn(fn)` honours it too."""

    name: str
    limit: int | None = None


def _subroutine(fn: Callable[..., Any], args: tuple[Any, ...]) -> Generator[None, Any, Any]:
    """A plain function as a task: the coroutine that runs to its end in one slice."""
    return fn(*args)
    yield  # makes this a generator


class Kernel:
    """The machine. Build one per run: its state is the run's state.

    Typical use::

        kernel = Kernel(max_ticks=300)
        namespace = task_api(kernel)      # what task code sees
        exec(code, namespace)             # the level's module
        kernel.add_task("worker", namespace["worker"])
        result = kernel.run()
    """

    # Slots: the run loop and the counter touch these attributes millions of times.
    __slots__ = (
        "_greenlet",
        "_kernel_glet",
        "_on",
        "addresses",
        "burned",
        "clock",
        "closing",
        "configs",
        "current",
        "dropped_output",
        "halted",
        "hung_task",
        "line_cost",
        "lines_left",
        "max_line_length",
        "max_output_lines",
        "max_tasks",
        "max_ticks",
        "names",
        "notes",
        "observers",
        "output",
        "picks",
        "policy",
        "quantum",
        "ready",
        "rng",
        "runaway_lines",
        "seq",
        "starve_after",
        "tasks",
        "timers",
        "trace",
    )

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
        self.timers: list[tuple[int, int, Any]] = []  # (when, seq, Task | Deadline)
        self.seq = 0
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
            self.seq += 1
            task.timer_seq = self.seq
            heappush(self.timers, (at, self.seq, task))
        return task.handle

    def _new_task(self, fn: Callable[..., Any], args: tuple[Any, ...], name: str) -> Task:
        if not callable(fn):
            raise TypeError(f"a task must be a function, not {type(fn).__name__}")
        if len(self.tasks) >= self.max_tasks:
            raise RuntimeError(f"too many tasks: a level may have {self.max_tasks} at most")
        if inspect.isasyncgenfunction(fn):
            raise TypeError(f"{name}() is an async generator (async def with yield): not a task")
        config = self.configs.get(getattr(fn, "__name__", ""))
        if config is not None:
            name = config.name
        count = self.names.get(name, 0) + 1
        self.names[name] = count
        if count > 1:
            name = f"{name}-{count}"
        if inspect.isgeneratorfunction(fn) or inspect.iscoroutinefunction(fn):
            coro = fn(*args)
        else:
            coro = _subroutine(fn, args)
        limit = config.limit if config is not None and config.limit is not None else None
        task = Task(len(self.tasks), name, coro, self.starve_after if limit is None else limit)
        self.tasks.append(task)
        for hook in self._on.task_spawned:
            hook(task, self.clock + self.burned)
        return task

    # ------------------------------------------------------------------ the loop

    def run(self) -> RunResult:
        ready = self.ready
        timers = self.timers
        max_ticks = self.max_ticks
        fifo = type(self.policy) is Fifo
        preemptive = self.quantum is not None
        slice_started = self._on.slice_started
        slice_ended = self._on.slice_ended
        budget = self.runaway_lines
        run_slice = self._run_slice
        if preemptive:
            self._kernel_glet = self._greenlet.getcurrent()
            run_slice = self._run_slice_preemptive

        while self.halted is None:
            if not ready:
                while timers and not self._timer_live(timers[0]):
                    heappop(timers)
                if not timers:
                    break
                when = timers[0][0]
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

            task.state = RUNNING
            self.current = task
            self.lines_left = budget
            if slice_started:
                for hook in slice_started:
                    hook(task, start)
            if task.exc is None and not preemptive:
                # The first resume of the slice, inlined: most slices end at a pause.
                value = task.value
                task.value = None
                try:
                    trap = task.coro.send(value)
                except BaseException as err:
                    went_on = self._raised(task, err)
                    if went_on is not None:
                        self._drive(task, *went_on)
                else:
                    if (trap is PAUSE_TRAP or trap is None) and task.exc is None:
                        if self.halted is None:
                            task.state = READY
                        else:
                            self._halt_in(task)
                    elif not self._serve(task, trap):
                        value, exc = task.value, task.exc
                        task.value = task.exc = None
                        self._drive(task, value, exc)
            else:
                run_slice(task)

            burned = self.burned
            end = start + burned if burned > 0 else start + 1
            if end > max_ticks:
                end = max_ticks
            self.clock = end
            self.burned = 0
            self.current = None
            if task.state is READY:  # paused or preempted: to the back of the queue
                ready.append(task)
            for hook in slice_ended:
                hook(task, start, end)
            if timers and timers[0][0] <= end:
                self._wake_due(end)
        return self._finish()

    def _pick(self, ready: deque[Task]) -> Task:
        task = self.policy.pick(ready)
        ready.remove(task)
        self.picks.append(task.name)
        return task

    def _run_slice(self, task: Task) -> None:
        """Resume `task` and serve its traps until one makes it give up the CPU."""
        value, exc = task.value, task.exc
        task.value = task.exc = None
        self._drive(task, value, exc)

    def _drive(self, task: Task, value: Any, exc: BaseException | None) -> None:
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
        """The task's coroutine returned or raised. None when the task has ended; else,
        when an inner `yield wait_for(...)` ended, what to send or throw into the outer."""
        if self.halted is not None:
            # The machine stopped inside this slice. Whatever the task did since (caught
            # the stop, returned, raised something else), the stop is final.
            self._halt_in(task)
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
        if trap is PAUSE_TRAP or trap is None:
            task.state = READY
            return True
        if trap is _PREEMPTED:
            task.state = READY
            task.preempted = True
            return True
        if type(trap) is not Trap and trap is not PAUSE_TRAP:
            if type(trap) is WaitFor:
                task.stack.append(task.coro)
                task.coro = trap.__iter__()
                task.value = None
                return False
            task.exc = TypeError(_junk_message(trap))
            return False
        if task.exc is not None:  # it was cancelled while running: give up the CPU, then raise
            task.state = READY
            return True
        kind = trap._kind
        if kind == SLEEP:
            wake = self.clock + self.burned + trap._arg
            if wake <= self.clock:  # a slice lasts a tick at least, so it cannot wake within it
                wake = self.clock + 1
            self.seq += 1
            task.timer_seq = self.seq
            task.state = SLEEPING
            task.waiting_on = ("sleep", None, wake)
            heappush(self.timers, (wake, self.seq, task))
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
            task.waiting_on = (_VERBS[kind], obj, trap._arg)
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
        other.joiners.append(task)
        task.state = BLOCKED
        task.waiting_on = ("join", other, None)
        return True

    def _deliver_end(self, joiner: Task, ended: Task) -> None:
        if ended.state == FINISHED:
            joiner.value = ended.result
        elif ended.state == CANCELLED:
            joiner.exc = Cancelled(f"{ended.name} was cancelled")
        else:
            joiner.exc = ended.exc_object

    # ------------------------------------------------------------------ the preemptive policy

    def _run_slice_preemptive(self, task: Task) -> None:
        """As `_run_slice`, but the task runs on its own greenlet so cpu() can stop it."""
        if task.glet is None:
            task.glet = self._greenlet(self._task_main)
            task.glet.task = task
        if task.preempted:  # it continues from exactly where it was, inside cpu()
            task.preempted = False
            outcome = task.glet.switch(None, None)
        else:
            value, exc = task.value, task.exc
            task.value = task.exc = None
            outcome = task.glet.switch(value, exc)
        while True:
            kind, payload = outcome
            if kind == "raised":
                went_on = self._raised(task, payload)
                if went_on is None:
                    return
                outcome = task.glet.switch(*went_on)
                continue
            if self._serve(task, payload):
                return
            value, exc = task.value, task.exc
            task.value = task.exc = None
            outcome = task.glet.switch(value, exc)

    def _task_main(self, value: Any, exc: BaseException | None) -> None:
        task = self._greenlet.getcurrent().task
        kernel = self._kernel_glet
        while True:
            try:
                trap = task.coro.send(value) if exc is None else task.coro.throw(exc)
            except BaseException as err:
                value, exc = kernel.switch(("raised", err))
                continue
            value, exc = kernel.switch(("trap", trap))

    def _preempt(self) -> None:
        self._kernel_glet.switch(("trap", _PREEMPTED))

    # ------------------------------------------------------------------ what task code calls

    def burn(self, n: int) -> None:
        """`cpu(n)`: the running task uses n ticks of CPU, now."""
        if type(n) is not int or n < 0:
            raise ValueError(f"cpu() takes a whole number of ticks >= 0, not {n!r}")
        if self.halted is not None:
            raise self.halted.exception()
        if self.current is None or self.closing:
            return  # setup code and `finally` blocks at the end run before/after the clock
        if self.quantum is not None:
            while self.burned + n > self.quantum:
                n -= self.quantum - self.burned
                self.burned = self.quantum
                self._check_max_ticks()
                self._preempt()  # back here in a later slice, with burned == 0
        self.burned += n
        self._check_max_ticks()

    def _check_max_ticks(self) -> None:
        if self.clock + self.burned > self.max_ticks:
            self.burned = self.max_ticks - self.clock
            self.halted = Stop("timeout", None)
            self.lines_left = _EXHAUSTED
            raise self.halted.exception()

    def count(self, lines: int, line: int) -> None:
        """The runaway guard: code instrumented by the sandbox calls this as it runs.

        `lines` statements are about to run at `line`. A slice that runs more than
        `runaway_lines` of them has hung the machine.
        """
        self.lines_left -= lines
        if self.lines_left < 0:
            if self.halted is None:
                self.halted = Stop("hung", line)
            self.lines_left = _EXHAUSTED  # and every later count raises again
            raise self.halted.exception()
        if self.line_cost and self.current is not None:
            self.burn(lines * self.line_cost)

    def now(self) -> int:
        return self.clock + self.burned

    def emit(self, text: str) -> None:
        """`print()`: a line of output, stamped with the tick and the task."""
        who = self.current.name if self.current is not None else "setup"
        tick = self.clock + self.burned
        for line in text.split("\n"):
            if len(self.output) >= self.max_output_lines:
                self.dropped_output += 1
                continue
            line = self.addresses.scrub(line)
            if len(line) > self.max_line_length:
                cut = len(line) - self.max_line_length
                line = f"{line[: self.max_line_length]}... ({cut} more characters)"
            self.output.append(OutputLine(tick, who, line))

    def spawn(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> TaskHandle:
        task = self._new_task(fn, args, getattr(fn, "__name__", "task"))
        self._make_ready(task, self.clock + self.burned)
        return task.handle

    def cancel(self, handle: Any) -> bool:
        if type(handle) is not TaskHandle:
            raise TypeError(f"cancel() takes a task from spawn(), not {type(handle).__name__}")
        return self._cancel(handle._task, Cancelled())

    def _cancel(self, task: Task, exc: Cancelled) -> bool:
        if task.state in DONE:
            return False
        if task is self.current:  # raised when it next gives up the CPU
            task.exc = exc
            return True
        if task.handoff is not None:  # it was handed a lock or an item it never used
            obj, verb, item = task.handoff
            task.handoff = None
            obj._revoke(task, verb, item)
        if not task.preempted:
            task.value = None
        task.exc = exc
        if task.state in (SLEEPING, NEW):
            task.timer_seq = -1
            self._make_ready(task, self.clock + self.burned)
        elif task.state == BLOCKED:
            verb, obj, _ = task.waiting_on  # type: ignore[misc]
            if verb == "join":
                obj.joiners.remove(task)
            else:
                obj._forget(task)
            self._make_ready(task, self.clock + self.burned)
        return True

    def arm(self, ticks: int) -> Deadline:
        """Start a `wait_for` time limit for the running task."""
        if type(ticks) is not int or ticks < 0:
            raise ValueError(f"wait_for() takes a whole number of ticks >= 0, not {ticks!r}")
        assert self.current is not None, "wait_for outside a task"
        deadline = Deadline(self.current, ticks)
        self.seq += 1
        heappush(self.timers, (self.clock + self.burned + ticks, self.seq, deadline))
        return deadline

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

    def _timer_live(self, entry: tuple[int, int, Any]) -> bool:
        obj = entry[2]
        if type(obj) is Task:
            return obj.timer_seq == entry[1]
        return obj.active and obj.task.state not in DONE

    def _wake_due(self, now: int) -> None:
        timers = self.timers
        while timers and timers[0][0] <= now:
            when, seq, obj = heappop(timers)
            if type(obj) is Task:
                if obj.timer_seq == seq:
                    obj.timer_seq = -1
                    self._make_ready(obj, when)
            elif obj.active and obj.task.state not in DONE:
                obj.active = False
                obj.fired = True
                self._cancel(obj.task, DeadlineCancelled(obj.ticks))

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
        if task.glet is not None:
            task.glet = None
        for joiner in task.joiners:
            self._deliver_end(joiner, task)
            self._make_ready(joiner, self.clock + self.burned)
        task.joiners = []
        for hook in self._on.task_exited:
            hook(task, self.clock + max(1, self.burned))

    def _halt_in(self, task: Task) -> None:
        self.hung_task = task
        task.state = RUNNING

    # ------------------------------------------------------------------ the end of a run

    def _finish(self) -> RunResult:
        unfinished = [t for t in self.tasks if t.state not in DONE]
        waits: list[Wait] = []
        hung_line = None
        if self.halted is not None:
            outcome = OUTCOME_HUNG if self.halted.reason == "hung" else OUTCOME_TIMEOUT
            hung_line = self.halted.line
            if outcome == OUTCOME_TIMEOUT:
                self.clock = self.max_ticks
        elif not unfinished:
            outcome = OUTCOME_FINISHED
        elif self.clock >= self.max_ticks or self.ready or self.timers:
            outcome = OUTCOME_TIMEOUT
        else:
            outcome = OUTCOME_DEADLOCK
            waits = [self._describe_wait(t) for t in unfinished if t.state == BLOCKED]
        self._close_all(unfinished)
        for hook in self._on.run_ended:
            hook(self.clock, outcome)
        return RunResult(
            outcome=outcome,
            ticks=self.clock,
            tasks=[
                replace(traced, result=task.result, error=task.error)
                for traced, task in zip(figures(self.trace), self.tasks, strict=True)
            ],
            output=self.output,
            waits=waits,
            hung_task=self.hung_task.name if self.hung_task and outcome == OUTCOME_HUNG else None,
            hung_line=hung_line if outcome == OUTCOME_HUNG else None,
            picks=self.picks,
            dropped_output=self.dropped_output,
            notes=self.notes,
        )

    def _close_all(self, unfinished: list[Task]) -> None:
        """Close what never finished, so that its `finally` blocks run."""
        self.closing = True
        for task in unfinished:
            self.halted = None
            self.lines_left = self.runaway_lines
            self.current = task
            self.burned = 0
            try:
                if task.glet is not None and task.preempted:
                    kind, payload = task.glet.throw(GeneratorExit)
                    if kind == "raised" and not isinstance(payload, GeneratorExit | StopIteration):
                        raise payload
                    if kind == "trap":
                        raise RuntimeError("coroutine ignored GeneratorExit")
                for coro in [task.coro, *reversed(task.stack)]:
                    coro.close()
            except Halt:
                self.notes.append(f"{task.name}: a finally block never ended; it was stopped")
            except BaseException as err:
                task.state = CRASHED
                task.error = task_error(err, self.addresses)
                _force_end(task.coro)
                for hook in self._on.task_closed:
                    hook(task, self.clock)
            task.glet = None
        self.current = None
        self.halted = None
        self.closing = False

    def _describe_wait(self, task: Task) -> Wait:
        verb, obj, _arg = task.waiting_on  # type: ignore[misc]
        if verb == "join":
            return Wait(task.name, f"join {obj.name}", None)
        label = obj._label()
        if verb == "get":
            return Wait(task.name, f"get from {label}", None)
        if verb == "put":
            return Wait(task.name, f"put to {label}", None)
        return Wait(task.name, label, obj._holders())

    def name_objects(self, namespace: dict[str, Any]) -> None:
        """Name the shared objects after the globals that hold them, for reports."""
        from scheduler_game.engine.sync import SyncObject

        for key, value in namespace.items():
            if isinstance(value, SyncObject) and value._name is None:
                value._name = key


class WaitFor:
    """`wait_for(aw, ticks)`: an awaitable a task can also `yield` or `yield from`."""

    __slots__ = ("_aw", "_kernel", "_ticks")

    def __init__(self, kernel: Kernel, aw: Any, ticks: int) -> None:
        if type(ticks) is not int or ticks < 0:
            raise ValueError(f"wait_for() takes a whole number of ticks >= 0, not {ticks!r}")
        self._kernel = kernel
        self._aw = aw
        self._ticks = ticks

    def __iter__(self) -> Generator[Any, Any, Any]:
        return _wait_for(self._kernel, self._aw, self._ticks)

    __await__ = __iter__


def _wait_for(kernel: Kernel, aw: Any, ticks: int) -> Generator[Any, Any, Any]:
    if inspect.iscoroutine(aw):
        inner = aw.__await__()
    elif isinstance(aw, Trap) or type(aw) is WaitFor or inspect.isgenerator(aw):
        inner = iter(aw)
    else:
        raise TypeError(f"wait_for() takes a trap or a coroutine, not {type(aw).__name__}")
    deadline = kernel.arm(ticks)
    try:
        result = yield from inner
    except Cancelled as err:
        if deadline.fired:
            raise Timeout(f"did not finish within {ticks} ticks") from None
        raise err
    finally:
        deadline.active = False
    if deadline.fired:
        raise Timeout(f"did not finish within {ticks} ticks")
    return result


def _force_end(coro: Any) -> None:
    """A coroutine that ignored GeneratorExit: end it with an exception it does not
    expect, so that Python does not try (and fail) to close it again when it is freed."""
    for _ in range(3):
        try:
            coro.throw(Halt("closing"))
        except BaseException:
            return


def _junk_message(value: Any) -> str:
    if inspect.isgenerator(value) or inspect.iscoroutine(value):
        return (
            f"a task yielded {type(value).__name__} object {_short(value)}: to run a helper "
            "coroutine, use `yield from helper()` (or `await helper()` in async def)"
        )
    return (
        f"a task may only yield a trap (pause(), sleep(n), q.get(), ...) or nothing, "
        f"not {_short(value)}"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
