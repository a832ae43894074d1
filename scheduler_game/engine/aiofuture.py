"""The pieces of asyncio's machinery the `loop: asyncio` mode is built of, ported from
CPython 3.11: the future, the callback handle, and the coroutines behind `sleep()`,
`join()` and `wait_for()`.

Each is the 3.11 code, cut down to what the game's API can reach and written as
generator-based coroutines, so that both native and generator tasks can await them
(aioloop.py explains how a generator task's `yield q.get()` delegates to one). Nothing
here gives up the CPU but a future's `yield self`; every wake-up goes through the
loop's ready queue, as a callback: that is where asyncio's extra loop iterations come
from, and they are the lesson.

The docstring of each function names the asyncio function it ports. Task code reaches
none of the machinery: it is behind underscore names, which the code rules refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.errors import Cancelled, Timeout
from scheduler_game.engine.task import CANCELLED, DONE, FINISHED

if TYPE_CHECKING:
    from scheduler_game.engine.aioloop import AsyncioKernel
    from scheduler_game.engine.task import Task

_PENDING, _CANCELLED, _FINISHED = 0, 1, 2


class Future:
    """asyncio.Future: a result to come. `_on` says what a task awaiting it waits on, in
    the game's words: ("sleep", None, wake tick), or a `WaitOn` of a shared object."""

    __slots__ = ("_blocking", "_callbacks", "_exc", "_kernel", "_on", "_result", "_state")

    def __init__(self, kernel: AsyncioKernel, on: Any = None) -> None:
        self._kernel = kernel
        # asyncio's `_asyncio_future_blocking`: set by `__iter__` as it yields, taken by
        # the loop. A future yielded any other way is refused, as asyncio refuses it.
        self._blocking = False
        self._on = on
        self._state = _PENDING
        self._result: Any = None
        self._exc: BaseException | None = None
        self._callbacks: list[Any] = []  # a Task (its wake-up) or a callable(future)

    def _done(self) -> bool:
        return self._state != _PENDING

    def _cancelled(self) -> bool:
        return self._state == _CANCELLED

    def _set_result(self, value: Any) -> None:
        self._state = _FINISHED
        self._result = value
        self._schedule_callbacks()

    def _cancel(self) -> bool:
        """Future.cancel: False if it is done already."""
        if self._state != _PENDING:
            return False
        self._state = _CANCELLED
        self._schedule_callbacks()
        return True

    def _schedule_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            self._kernel._call_soon_callback(callback, self)

    def _add_done_callback(self, callback: Any) -> None:
        if self._state != _PENDING:
            self._kernel._call_soon_callback(callback, self)
        else:
            self._callbacks.append(callback)

    def _remove_done_callback(self, callback: Any) -> None:
        self._callbacks = [c for c in self._callbacks if c is not callback]

    def _outcome(self) -> Any:
        """Future.result: the result, or the error raised."""
        if self._state == _CANCELLED:
            raise Cancelled()
        if self._exc is not None:
            raise self._exc
        return self._result

    def __iter__(self) -> Generator[Any, Any, Any]:
        """Future.__await__: give up the CPU until done (the loop wakes the task)."""
        if self._state == _PENDING:
            self._blocking = True
            yield self
        if self._state == _PENDING:
            raise RuntimeError("await wasn't used with future")
        return self._outcome()

    __await__ = __iter__

    def __repr__(self) -> str:
        return f"<future {('pending', 'cancelled', 'finished')[self._state]}>"


class Handle:
    """asyncio.Handle / TimerHandle: a callback in the ready queue or the timer heap.

    Timer handles compare by their tick alone, as asyncio's do: timers due at the same
    tick come out of the heap in the order heapq happens to give, not the order they
    were made, and asyncio-exact means that order too."""

    __slots__ = ("_args", "_callback", "_cancelled", "_kernel", "_scheduled", "_when")

    def __init__(
        self, kernel: AsyncioKernel, callback: Callable[..., Any], args: tuple, when: int = 0
    ) -> None:
        self._kernel = kernel
        self._callback = callback
        self._args = args
        self._cancelled = False
        self._when = when
        self._scheduled = False  # in the timer heap

    def __lt__(self, other: Handle) -> bool:
        return self._when < other._when

    def _cancel(self) -> None:
        """TimerHandle.cancel: it stays in the heap, counted, until the loop drops it."""
        if not self._cancelled:
            self._cancelled = True
            if self._scheduled:
                self._kernel.timers_cancelled += 1

    def _run(self) -> None:
        if not self._cancelled:
            self._callback(*self._args)


class AsyncOp:
    """A coroutine of the asyncio mode (`q.get()`, `sleep(3)`, `wait_for(...)`): native
    code awaits it, generator code yields it (or `yield from`s it). Awaited once."""

    __slots__ = ("_gen", "_label")

    def __init__(self, gen: Generator[Any, Any, Any], label: str) -> None:
        self._gen: Generator[Any, Any, Any] | None = gen
        self._label = label

    def __iter__(self) -> Generator[Any, Any, Any]:
        gen = self._gen
        if gen is None:
            raise RuntimeError(f"cannot reuse already awaited coroutine {self._label}")
        self._gen = None
        return gen

    __await__ = __iter__

    def _close(self) -> None:
        if self._gen is not None:
            self._gen.close()

    def __repr__(self) -> str:
        return f"<coroutine {self._label}>"


class JoinOp(AsyncOp):
    """`join(task)`: awaiting a task, which `wait_for` waits on as it is (a future)."""

    __slots__ = ("_target",)

    def __init__(self, gen: Generator[Any, Any, Any], target: Task) -> None:
        super().__init__(gen, "join()")
        self._target = target


# -- the coroutines ------------------------------------------------------------------


def _set_result_unless_cancelled(fut: Future, result: Any) -> None:
    """futures._set_result_unless_cancelled: what a sleep's timer does when due."""
    if not fut._cancelled():
        fut._set_result(result)


def _release_waiter(waiter: Future, *args: Any) -> None:
    """tasks._release_waiter."""
    if not waiter._done():
        waiter._set_result(None)


def bare_yield() -> Generator[None, Any, None]:
    """tasks.__sleep0: a bare yield, which gives the CPU up for one loop iteration."""
    yield None


def sleep_op(kernel: AsyncioKernel, ticks: int) -> Generator[Any, Any, None]:
    """asyncio.sleep: `sleep(0)` is a bare yield; else a future and a timer."""
    if ticks <= 0:
        yield None
        return None
    wake = kernel.clock + kernel.burned + ticks
    fut = Future(kernel, ("sleep", None, wake))
    handle = kernel._call_at(wake, _set_result_unless_cancelled, fut, None)
    try:
        return (yield from fut)
    finally:
        handle._cancel()


def task_outcome(task: Task) -> Any:
    """A task's result, or its error raised, as `await task` gives it."""
    if task.state == FINISHED:
        return task.result
    if task.state == CANCELLED:
        raise Cancelled(f"{task.name} was cancelled")
    if task.exc_object is None:  # a join's op resumed by hand, before the task ended
        raise RuntimeError(f"{task.name} has not ended: await join() to wait for it")
    raise task.exc_object


class TaskWait:
    """What `await task` yields to the loop: the task, out of task code's reach (task
    code that iterates a `join()` by hand holds this, and can do nothing with it)."""

    __slots__ = ("_blocking", "_task")

    def __init__(self, task: Task) -> None:
        self._task = task
        self._blocking = True  # as a future's: taken by the loop, once

    def __repr__(self) -> str:
        return f"<join {self._task.name}>"


def join_op(target: Task) -> Generator[Any, Any, Any]:
    """`await task`: a task is a future; the loop wakes its awaiters when it ends."""
    if target.state not in DONE:
        yield TaskWait(target)
    return task_outcome(target)


def wait_for_op(kernel: AsyncioKernel, aw: Any, ticks: int) -> Generator[Any, Any, Any]:
    """tasks.wait_for (3.11): the work runs in a task of its own, the caller waits on a
    waiter future that the work's end or the time-out releases."""
    fut = kernel._ensure_task(aw)
    if ticks <= 0:
        if fut.state in DONE:
            return task_outcome(fut)
        yield from _cancel_and_wait(kernel, fut)
        try:
            return task_outcome(fut)
        except Cancelled:
            raise Timeout(f"did not finish within {ticks} ticks") from None
    waiter = Future(kernel, fut.joined_on)
    timeout_handle = kernel._call_at(kernel.now() + ticks, _release_waiter, waiter)
    cb = _Release(waiter)
    kernel._add_task_callback(fut, cb)
    try:
        try:
            yield from waiter
        except Cancelled:
            if fut.state in DONE:
                return task_outcome(fut)
            kernel._remove_task_callback(fut, cb)
            yield from _cancel_and_wait(kernel, fut)
            raise
        if fut.state in DONE:
            return task_outcome(fut)
        kernel._remove_task_callback(fut, cb)
        yield from _cancel_and_wait(kernel, fut)
        try:
            return task_outcome(fut)
        except Cancelled:
            raise Timeout(f"did not finish within {ticks} ticks") from None
    finally:
        timeout_handle._cancel()


def _cancel_and_wait(kernel: AsyncioKernel, fut: Task) -> Generator[Any, Any, None]:
    """tasks._cancel_and_wait: cancel the work's task and wait until it has ended."""
    waiter = Future(kernel, fut.joined_on)
    cb = _Release(waiter)
    kernel._add_task_callback(fut, cb)
    try:
        kernel._cancel_task(fut)
        yield from waiter
    finally:
        kernel._remove_task_callback(fut, cb)


class _Release:
    """functools.partial(_release_waiter, waiter): a done callback, removed by identity."""

    __slots__ = ("waiter",)

    def __init__(self, waiter: Future) -> None:
        self.waiter = waiter

    def __call__(self, _fut: Any) -> None:
        _release_waiter(self.waiter)
