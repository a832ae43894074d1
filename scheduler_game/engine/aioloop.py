"""`settings.loop: asyncio`: the loop as CPython 3.11's asyncio runs it.

The default rules (kernel.py) make one promise a player can apply by hand: a task
that becomes ready joins the queue at once, a sleeper at the end of the slice in
which it became due. asyncio's loop is not so simple, and a learner who will write
asyncio should be able to see exactly how it is not. This kernel runs task code the
way `BaseEventLoop._run_once` does:

- One **loop iteration** runs the callbacks that were ready when it began, no more.
  A task's step is one callback; what a step schedules (a task it spawns, a waiter it
  wakes, itself after `pause()`) runs in a later iteration.
- **Timers** are read once per iteration, at its start: the due ones join the ready
  queue behind what is already there. A timer's callback only completes a future; the
  task awaiting it is scheduled then, and runs one iteration later. So a sleeper that
  became due waits for the rest of the iteration that was running, then the one its
  timer runs in.
- **Futures** wake their awaiters through the ready queue (a callback each), and
  Queue, Event, Lock and Semaphore are asyncio's own (aiosync.py): a woken getter is
  handed nothing.
- **Cancelling** is `Task.cancel`: the future the task waits on is cancelled (and a
  task it awaits, `join`, is cancelled with it), or the cancel is kept for its next
  step. `wait_for` runs its work in a task of its own, named `OWNER/wait_for`.

What stays the game's: a step costs a tick at least (a task that runs shows on the
timeline), and the clock moves only by `cpu()`, `line_cost` and that minimum. The
differential test (tests/engine/test_asyncio_loop.py) runs generated programs here and
on the real asyncio loop with a virtual clock charged the same minimum, and compares
every printed line and its tick.

Observers hear `loop_iteration(tick)` where each iteration begins: the timeline marks
it. Policies: FIFO (asyncio's), or a seeded shuffle of the tasks of an iteration
(`check --shuffle`); not preemptive.
"""

from __future__ import annotations

import inspect
from collections import deque
from heapq import heapify, heappop, heappush
from itertools import islice
from typing import Any

from scheduler_game.engine import traps
from scheduler_game.engine.aiofuture import (
    AsyncOp,
    Future,
    Handle,
    JoinOp,
    TaskWait,
    bare_yield,
)
from scheduler_game.engine.errors import Cancelled
from scheduler_game.engine.kernel import Kernel
from scheduler_game.engine.lines import innermost_line
from scheduler_game.engine.policy import Fifo
from scheduler_game.engine.task import (
    BLOCKED,
    CANCELLED,
    DONE,
    FINISHED,
    NEW,
    READY,
    RUNNING,
    SLEEPING,
    Task,
    TaskConfig,
    TaskHandle,
)
from scheduler_game.engine.trace import LAST_TICK
from scheduler_game.engine.traps import PAUSE_TRAP


class AsyncioKernel(Kernel):
    """The machine under `loop: asyncio`. Built and used as `Kernel` is."""

    __slots__ = ("live", "scheduled", "timers_cancelled")

    def __init__(self, **settings: Any) -> None:
        if settings.get("quantum") is not None:
            raise ValueError("the asyncio loop is cooperative: it has no preemptive policy")
        super().__init__(**settings)
        self.live = 0  # tasks made and not ended: the loop stops when none is left
        # asyncio's own timer heap (`_scheduled`), not `self.timers`: see Handle
        self.scheduled: list[Handle] = []
        self.timers_cancelled = 0

    # ------------------------------------------------------------------ building

    def add_task(
        self,
        name: str,
        fn: Any,
        args: Any = (),
        *,
        at: int = 0,
        autostart: bool = True,
        max_wait: int | None = None,
    ) -> TaskHandle | None:
        """As `Kernel.add_task`; a task that arrives later is started by a timer."""
        if at <= 0 or not autostart:
            return super().add_task(name, fn, args, at=at, autostart=autostart, max_wait=max_wait)
        handle = super().add_task(name, fn, args, at=0, autostart=False, max_wait=max_wait)
        task = self._new_task(fn, tuple(args), name)
        self._call_at(at, self._arrive, task, at)
        return handle or task.handle

    def _arrive(self, task: Task, at: int) -> None:
        if task.state == NEW:
            self._make_ready(task, at)

    def _new_task(
        self,
        fn: Any,
        args: tuple[Any, ...],
        name: str,
        coro: Any = None,
        config: TaskConfig | None = None,
    ) -> Task:
        task = super()._new_task(fn, args, name, coro, config)
        self.live += 1
        return task

    def _ensure_task(self, aw: Any) -> Task:
        """tasks.ensure_future, for `wait_for`: the task a join waits on, or a new task
        that runs the awaitable (named after the task that made it)."""
        if type(aw) is JoinOp:
            aw._close()
            return aw._target
        if aw is PAUSE_TRAP:
            coro: Any = bare_yield()
        elif type(aw) is AsyncOp:
            coro = iter(aw)
        elif inspect.iscoroutine(aw) or inspect.isgenerator(aw):
            coro = aw
        else:
            raise TypeError(f"wait_for() takes a trap or a coroutine, not {type(aw).__name__}")
        caller = self.current
        if caller is None:
            raise RuntimeError("wait_for() can only run inside a task, not before the clock starts")
        # The work is its caller's: named after it, held to its caller's limit on waits (a
        # task cannot hide a wait in a `wait_for`), and not counted against `max_tasks`.
        owner = caller.owner or caller
        config = TaskConfig(f"{caller.name}/wait_for", caller.max_wait)
        self.max_tasks += 1
        task = self._new_task(_work, (), config.name, coro, config)
        task.owner = owner
        self._make_ready(task, self.now())
        return task

    # ------------------------------------------------------------------ the loop

    def run(self) -> Any:
        """`BaseEventLoop.run_forever`: `_run_once` until nothing is left to run."""
        ready = self.ready
        heap = self.scheduled
        max_ticks = self.max_ticks
        fifo = type(self.policy) is Fifo
        iteration_begun = self._on.loop_iteration
        while self.halted is None and self.asked is None and self.live:
            self._drop_cancelled_timers()
            if not ready:
                if not heap:
                    break
                when = heap[0]._when
                if when >= max_ticks:
                    self._idle(max_ticks)
                    break
                self._idle(when)
            now = self.clock
            if now >= max_ticks:
                break
            while heap and heap[0]._when <= now:  # the due timers, behind what is ready
                handle = heappop(heap)
                handle._scheduled = False
                ready.append(handle)
            for hook in iteration_begun:
                hook(now)
            todo = len(ready)  # what is ready now; what it schedules waits for the next
            while todo:
                entry = ready.popleft() if fifo else self._pick_entry(todo)
                if entry is None:  # the player is to pick
                    break
                todo -= 1
                if type(entry) is Handle:
                    entry._run()
                    continue
                self._step(entry)
                if self.halted is not None or self.clock >= max_ticks:
                    break
        return self._finish()

    def _drop_cancelled_timers(self) -> None:
        """As `_run_once` begins: drop the cancelled timers at the top of the heap, or
        rebuild it without any once they are over half of more than 100."""
        heap = self.scheduled
        if len(heap) > 100 and self.timers_cancelled / len(heap) > 0.5:
            for handle in heap:
                if handle._cancelled:
                    handle._scheduled = False
            heap[:] = [h for h in heap if not h._cancelled]
            heapify(heap)
            self.timers_cancelled = 0
            return
        while heap and heap[0]._cancelled:
            self.timers_cancelled -= 1
            heappop(heap)._scheduled = False

    def _pick_entry(self, todo: int) -> Any:
        """The next entry of this iteration under a policy other than FIFO: callbacks
        in order, a task as the policy picks among the tasks of the iteration."""
        ready = self.ready
        if type(ready[0]) is Handle:
            return ready.popleft()
        tasks = deque(e for e in islice(ready, todo) if type(e) is not Handle)
        if len(tasks) == 1:
            return ready.popleft()
        task = self.policy.pick(tasks)
        if task is None:
            self.asked = [(t.name, innermost_line(t)) for t in tasks]
            return None
        ready.remove(task)
        self.picks.append(task.name)
        return task

    def _step(self, task: Task) -> None:
        """Task.__step: one slice. A bare yield (pause) goes to the back of the queue
        as the slice ends; a future awaited gets the task's wake-up as its callback."""
        exc = task.exc
        task.exc = task.value = None
        if task.must_cancel:
            if not isinstance(exc, Cancelled):
                exc = Cancelled()
            task.must_cancel = False
        task.fut_waiter = None
        start = self.clock
        task.state = RUNNING
        self.current = task
        self.lines_left = self.runaway_lines
        for hook in self._on.slice_started:
            hook(task, start)
        self._drive_step(task, exc)
        burned = self.burned
        if burned > 0:
            end = min(start + burned, self.max_ticks)
            if end > LAST_TICK:
                raise OverflowError(f"the trace holds ticks up to {LAST_TICK}, not {end}")
            self.burned = 0
        else:
            end = start + 1
        self.clock = end
        self.current = None
        if task.state is READY:
            self.ready.append(task)
        elif task.state is SLEEPING and task.waiting_on[2] < end:  # type: ignore[index]
            # a sleep begun early (its op iterated by hand, then cpu): already due
            task.waiting_on = ("sleep", None, end)
        for hook in self._on.slice_ended:
            hook(task, start, end)

    def _drive_step(self, task: Task, exc: BaseException | None) -> None:
        value = None
        while True:
            try:
                result = task.coro.send(value) if exc is None else task.coro.throw(exc)
            except BaseException as err:
                went_on = self._raised(task, err)
                if went_on is None:
                    return
                value, exc = went_on
                continue
            if self.halted is not None:  # it caught the stop and went on: stopped
                self._halt_in(task)
                return
            kind = type(result)
            if result is None or result is PAUSE_TRAP:
                task.state = READY
                return
            if kind is Future or kind is TaskWait:
                if not result._blocking:  # not yielded by its own await
                    task.exc = RuntimeError(
                        f"yield was used instead of await (or yield from) with {result!r}"
                    )
                    task.state = READY
                    return
                result._blocking = False
                if kind is Future:
                    self._block(task, result, result._on)
                    return
                target = result._task  # `await task` (join_op)
                if target is task:  # asyncio throws this in at its next step
                    task.exc = RuntimeError("a task cannot join itself: it would wait forever")
                    task.state = READY
                    return
                self._block(task, target, target.joined_on)
                return
            if kind is AsyncOp or kind is JoinOp:  # a generator task's `yield q.get()`
                task.stack.append(task.coro)
                try:
                    task.coro = iter(result)
                except RuntimeError as err:
                    task.coro = task.stack.pop()
                    value, exc = None, err
                    continue
                value = exc = None
                continue
            # asyncio throws its error in at the task's next step, an iteration later
            task.exc = TypeError(traps.junk_message(result))
            task.state = READY
            return

    def _block(self, task: Task, fut: Any, on: Any) -> None:
        """The task awaits `fut` (a future or a task): its wake-up is the future's done
        callback (scheduled at once if it is done already), and a cancel kept for it
        cancels the future."""
        task.fut_waiter = fut
        task.state = SLEEPING if type(on) is tuple else BLOCKED  # ("sleep", None, wake)
        task.waiting_on = on
        if type(fut) is Task:
            self._add_task_callback(fut, task)
        else:
            fut._add_done_callback(task)
        if task.must_cancel and self._cancel_future(fut):
            task.must_cancel = False

    # ------------------------------------------------------------------ callbacks

    def _call_at(self, when: int, callback: Any, *args: Any) -> Handle:
        """loop.call_at: a timer handle."""
        handle = Handle(self, callback, args, when)
        handle._scheduled = True
        heappush(self.scheduled, handle)
        return handle

    def _call_soon_callback(self, callback: Any, fut: Any) -> None:
        """A done future schedules its callback: a task's wake-up, or a function."""
        if type(callback) is not Task:
            self.ready.append(Handle(self, callback, (fut,)))
            return
        if callback is self.current:  # its own wait, cancelled as it began: back of the queue
            callback.state = READY
            callback.waiting_on = None
            return
        since = self.now()
        on = callback.waiting_on
        if type(on) is tuple and on[2] < since:  # a sleeper is ready from its wake tick
            since = on[2]
        self._make_ready(callback, since)

    def _add_task_callback(self, task: Task, callback: Any) -> None:
        if task.state in DONE:
            self._call_soon_callback(callback, task)
        else:
            task.callbacks.append(callback)

    def _remove_task_callback(self, task: Task, callback: Any) -> None:
        task.callbacks = [c for c in task.callbacks if c is not callback]

    # ------------------------------------------------------------------ cancelling

    def _cancel(self, task: Task, exc: Cancelled | None = None) -> bool:
        """`cancel(t)` is Task.cancel."""
        return self._cancel_task(task)

    def _cancel_task(self, task: Task) -> bool:
        """Task.cancel: cancel what it waits on (which wakes it), else cancel its next step."""
        if task.state in DONE:
            return False
        if task.fut_waiter is not None and self._cancel_future(task.fut_waiter):
            return True
        task.must_cancel = True
        return True

    def _cancel_future(self, fut: Any) -> bool:
        if type(fut) is Task:
            return self._cancel_task(fut)
        return fut._cancel()

    def _exit(
        self, task: Task, state: str, err: BaseException | None = None, result: Any = None
    ) -> None:
        """A task ended: its awaiters and done callbacks are scheduled, in their order."""
        if state == FINISHED and task.must_cancel:  # cancelled right before it returned
            state, result = CANCELLED, None
        task.must_cancel = False
        task.fut_waiter = None
        callbacks, task.callbacks = task.callbacks, []
        self.live -= 1
        super()._exit(task, state, err, result)
        for callback in callbacks:
            self._call_soon_callback(callback, task)


def _work() -> None:
    """Stands for `wait_for`'s work, whose coroutine is made already (`_new_task`)."""


_work.__name__ = "<wait_for>"  # never a level task's name: no task config applies


__all__ = ["BLOCKED", "RUNNING", "SLEEPING", "AsyncioKernel"]
