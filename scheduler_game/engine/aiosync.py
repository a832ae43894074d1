"""Queue, Event, Lock and Semaphore as CPython 3.11's asyncio has them, for the
`loop: asyncio` mode (aioloop.py). The default rules' objects are in sync.py.

The difference a player meets: these wake a waiter and hand it nothing. A put wakes
the first waiting getter, but the item stays in the queue until the getter runs and
takes it, and a task that gets there first (`get_nowait()`, or a `get()` that need not
wait) takes it instead: the woken getter finds the queue empty and waits again. The
same for a freed place in a full queue. Lock and Semaphore keep a woken waiter's turn
(3.11 counts it as waiting until it runs), but take the lock only when it runs.

Each method ports its 3.11 namesake line by line (queues.py, locks.py); what is added is
what the game's reports need: names, and who holds a lock or a semaphore's places.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.aiofuture import AsyncOp, Future
from scheduler_game.engine.errors import Cancelled, QueueEmpty, QueueFull
from scheduler_game.engine.sync import AcquirableBase, EventBase, QueueBase, whole_number

if TYPE_CHECKING:
    from scheduler_game.engine.aioloop import AsyncioKernel
    from scheduler_game.engine.task import Task


class Queue(QueueBase):
    """asyncio.Queue; `maxsize=0` means unbounded."""

    __slots__ = ("_getters", "_putters")
    _kernel: AsyncioKernel

    def __init__(self, kernel: AsyncioKernel, maxsize: int = 0, name: str | None = None) -> None:
        super().__init__(kernel, maxsize, name)
        self._getters: deque[Future] = deque()
        self._putters: deque[Future] = deque()

    def get(self) -> AsyncOp:
        """Take the oldest item; wait while the queue is empty."""
        return AsyncOp(self._get(), "Queue.get()")

    def put(self, item: Any) -> AsyncOp:
        """Add an item; wait while the queue is full."""
        return AsyncOp(self._put(item), "Queue.put()")

    def get_nowait(self) -> Any:
        if not self._items:
            raise QueueEmpty(f"{self._label()} is empty")
        item = self._items.popleft()
        _wakeup_next(self._putters)
        return item

    def put_nowait(self, item: Any) -> None:
        if self.full():
            raise QueueFull(f"{self._label()} is full")
        self._items.append(item)
        _wakeup_next(self._getters)

    def _get(self) -> Generator[Any, Any, Any]:
        while not self._items:
            getter = Future(self._kernel, self._get_on)
            self._getters.append(getter)
            try:
                yield from getter
            except BaseException:
                getter._cancel()
                if getter in self._getters:
                    self._getters.remove(getter)
                if self._items and not getter._cancelled():
                    _wakeup_next(self._getters)
                raise
        return self.get_nowait()

    def _put(self, item: Any) -> Generator[Any, Any, None]:
        while self.full():
            putter = Future(self._kernel, self._put_on)
            self._putters.append(putter)
            try:
                yield from putter
            except BaseException:
                putter._cancel()
                if putter in self._putters:
                    self._putters.remove(putter)
                if not self.full() and not putter._cancelled():
                    _wakeup_next(self._putters)
                raise
        self.put_nowait(item)


def _wakeup_next(waiters: deque[Future]) -> None:
    """Queue._wakeup_next: wake the first waiter not done yet, and drop it from the line."""
    while waiters:
        waiter = waiters.popleft()
        if not waiter._done():
            waiter._set_result(None)
            break


class Event(EventBase):
    """asyncio.Event: a flag tasks can wait for; `set()` wakes every waiter."""

    __slots__ = ("_waiters",)
    _kernel: AsyncioKernel

    def __init__(self, kernel: AsyncioKernel, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._waiters: deque[Future] = deque()

    def set(self) -> None:
        if not self._flag:
            self._flag = True
            for fut in self._waiters:
                if not fut._done():
                    fut._set_result(True)

    def wait(self) -> AsyncOp:
        """Wait until the event is set (no wait if it already is)."""
        return AsyncOp(self._wait(), "Event.wait()")

    def _wait(self) -> Generator[Any, Any, bool]:
        if self._flag:
            return True
        fut = Future(self._kernel, self._on)
        self._waiters.append(fut)
        try:
            yield from fut
            return True
        finally:
            self._waiters.remove(fut)


class _Acquirable(AcquirableBase):
    """What Lock and Semaphore share: a line of waiter futures, and who holds it."""

    __slots__ = ("_holding", "_waiters")
    _kernel: AsyncioKernel

    def __init__(self, kernel: AsyncioKernel, name: str | None) -> None:
        super().__init__(kernel, name)
        self._waiters: deque[Future] = deque()
        self._holding: list[Task] = []  # who took it and has not given it back: reports only

    def acquire(self) -> AsyncOp:
        """Take it; wait while it is not free."""
        return AsyncOp(self._acquire(), f"{type(self).__name__}.acquire()")

    def _acquire(self) -> Generator[Any, Any, bool]:
        raise NotImplementedError

    def _took(self) -> None:
        current = self._kernel.current
        if current is not None:  # a `wait_for`'s work takes it for the task that waits
            self._holding.append(current.owner or current)

    def _gave_back(self) -> None:
        current = self._kernel.current
        if current is not None:
            current = current.owner or current
        if current in self._holding:
            self._holding.remove(current)
        elif self._holding:
            del self._holding[0]

    def _holders(self) -> str | None:
        return ", ".join(t.name for t in self._holding) or None


class Lock(_Acquirable):
    """asyncio.Lock. A release wakes the first waiter, which takes the lock when it runs;
    until then a newcomer must still wait behind it."""

    __slots__ = ("_locked",)
    _kind = "lock"

    def __init__(self, kernel: AsyncioKernel, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._locked = False

    def locked(self) -> bool:
        return self._locked

    def _acquire(self) -> Generator[Any, Any, bool]:
        if not self._locked and all(w._cancelled() for w in self._waiters):
            self._locked = True
            self._took()
            return True
        fut = Future(self._kernel, self._on)
        self._waiters.append(fut)
        try:
            try:
                yield from fut
            finally:
                self._waiters.remove(fut)
        except Cancelled:
            if not self._locked:
                self._wake_up_first()
            raise
        self._locked = True
        self._took()
        return True

    def release(self) -> None:
        if not self._locked:
            raise RuntimeError(f"release of {self._label()}, which is not locked")
        self._locked = False
        self._gave_back()
        self._wake_up_first()

    def _wake_up_first(self) -> None:
        if self._waiters and not self._waiters[0]._done():
            self._waiters[0]._set_result(True)


class Semaphore(_Acquirable):
    """asyncio.Semaphore: a counter of free places; `acquire()` waits while it is 0, or
    while others wait."""

    __slots__ = ("_value",)
    _kind = "semaphore"

    def __init__(self, kernel: AsyncioKernel, value: int = 1, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._value = whole_number(value, "Semaphore(value)")

    @property
    def value(self) -> int:
        return self._value

    def locked(self) -> bool:
        return self._value == 0 or any(not w._cancelled() for w in self._waiters)

    def _acquire(self) -> Generator[Any, Any, bool]:
        if not self.locked():
            self._value -= 1
            self._took()
            return True
        fut = Future(self._kernel, self._on)
        self._waiters.append(fut)
        try:
            try:
                yield from fut
            finally:
                self._waiters.remove(fut)
        except Cancelled:
            if not fut._cancelled():
                self._value += 1
                self._wake_up_next()
            raise
        if self._value > 0:
            self._wake_up_next()
        self._took()
        return True

    def release(self) -> None:
        self._value += 1
        self._gave_back()
        self._wake_up_next()

    def _wake_up_next(self) -> None:
        for fut in self._waiters:
            if not fut._done():
                self._value -= 1
                fut._set_result(True)
                return
