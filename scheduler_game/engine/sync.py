"""The objects tasks share: Queue, Event, Lock, Semaphore.

Each hands out traps (`q.get()`, `lock.acquire()`, ...) that the kernel resolves by
calling back into the object. Waiters are FIFO. A trap that need not wait does not
switch, as in asyncio: a free lock is taken, a non-empty queue read, in the same slice.
A trap without an argument is made once per object and handed out each time: nothing
in it can be changed, and making a new one cost a tenth of a wait.

Waiters are kept in insertion-ordered dicts (task -> what it brings), so that a waiter
that leaves early (cancelled, timed out) is dropped in O(1) wherever it stands in line,
where a list or a deque would be scanned: 50,000 getters timing out took 24 s, and
take 1.2 s (asyncio: 14 s; benchmarks/sync.py). `OrderedDict` where the first waiter is
taken: its `popitem(last=False)` is O(1), where a plain dict's front fills with holes.

Everything task code can reach here is public and harmless; the machinery is behind
underscore names, which task code cannot spell.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any

from scheduler_game.engine.errors import QueueEmpty, QueueFull
from scheduler_game.engine.traps import ACQUIRE, GET, PUT, WAIT, Trap, WaitOn

if TYPE_CHECKING:
    from scheduler_game.engine.kernel import Kernel
    from scheduler_game.engine.task import Task


class SyncObject:
    """What every shared object has: a name for reports, and a way to drop a waiter."""

    __slots__ = ("_kernel", "_name")
    _kind = "object"

    def __init__(self, kernel: Kernel, name: str | None) -> None:
        self._kernel = kernel
        self._name = name

    @property
    def name(self) -> str | None:
        return self._name

    def _label(self) -> str:
        if self._name:
            return f"{self._kind} {self._name}"
        return f"an {self._kind}" if self._kind[0] in "aeiou" else f"a {self._kind}"

    def _forget(self, task: Task) -> None:
        """Drop `task` from the waiters (it was cancelled or timed out)."""

    def _revoke(self, task: Task, verb: str, item: Any) -> None:
        """Undo what was handed to `task`, which is cancelled before it could run."""

    def _holders(self) -> str | None:
        return None

    def __repr__(self) -> str:
        return f"<{self._label()}>"


def whole_number(value: Any, what: str) -> int:
    """`value`, if it is a whole number >= 0; else the ValueError task code is told."""
    if type(value) is not int or value < 0:
        raise ValueError(f"{what} takes a whole number >= 0, not {value!r}")
    return value


class QueueBase(SyncObject):
    """What a queue is under either loop (this one's and asyncio's, aiosync.py): its
    items, its size, and what a getter or a putter that must wait waits on."""

    __slots__ = ("_get_on", "_items", "_maxsize", "_put_on")
    _kind = "queue"

    def __init__(self, kernel: Any, maxsize: int = 0, name: str | None = None) -> None:
        self._maxsize = whole_number(maxsize, "Queue(maxsize)")
        super().__init__(kernel, name)
        self._items: deque[Any] = deque()
        self._get_on = WaitOn(("get", self, None))
        self._put_on = WaitOn(("put", self, None))

    @property
    def maxsize(self) -> int:
        return self._maxsize

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self._maxsize <= len(self._items)


class Queue(QueueBase):
    """A FIFO queue; `maxsize=0` means unbounded."""

    __slots__ = ("_get_trap", "_getters", "_putters")

    def __init__(self, kernel: Kernel, maxsize: int = 0, name: str | None = None) -> None:
        super().__init__(kernel, maxsize, name)
        self._getters: OrderedDict[Task, None] = OrderedDict()
        self._putters: OrderedDict[Task, Any] = OrderedDict()  # putter -> its item
        self._get_trap = Trap(GET, self, None, self._get_on)

    def get(self) -> Trap:
        """Take the oldest item; wait while the queue is empty."""
        return self._get_trap

    def put(self, item: Any) -> Trap:
        """Add an item; wait while the queue is full."""
        return Trap(PUT, self, item, self._put_on)

    def get_nowait(self) -> Any:
        if not self._items:
            raise QueueEmpty(f"{self._label()} is empty")
        return self._take()

    def put_nowait(self, item: Any) -> None:
        if not self._offer(item):
            raise QueueFull(f"{self._label()} is full")

    # -- the kernel's side

    def _take(self) -> Any:
        item = self._items.popleft()
        if self._putters:  # the first waiting putter's item goes straight into the freed place
            putter, waiting_item = self._putters.popitem(last=False)
            self._items.append(waiting_item)
            putter.handoff = (self, "put", waiting_item)
            self._kernel._wake(putter, None)
        return item

    def _offer(self, item: Any) -> bool:
        """Put without waiting; False when full."""
        if self._getters:  # straight into the hands of the first waiting getter
            getter, _ = self._getters.popitem(last=False)
            getter.handoff = (self, "get", item)
            self._kernel._wake(getter, item)
            return True
        if self.full():
            return False
        self._items.append(item)
        return True

    def _get(self, task: Task) -> bool:
        if self._items:
            task.value = self._take()
            return False
        self._getters[task] = None
        return True

    def _put(self, task: Task, item: Any) -> bool:
        if self._offer(item):
            return False
        self._putters[task] = item
        return True

    def _forget(self, task: Task) -> None:
        self._getters.pop(task, None)
        self._putters.pop(task, None)

    def _revoke(self, task: Task, verb: str, item: Any) -> None:
        if verb == "put":
            # a putter whose item went in: take it back out, if nobody has taken it yet
            for i, queued in enumerate(self._items):
                if queued is item:
                    del self._items[i]
                    if self._putters:
                        putter, waiting_item = self._putters.popitem(last=False)
                        self._items.append(waiting_item)
                        putter.handoff = (self, "put", waiting_item)
                        self._kernel._wake(putter, None)
                    return
            return
        # a getter handed an item: it goes to the next getter, or back to the front
        if self._getters:
            getter, _ = self._getters.popitem(last=False)
            getter.handoff = (self, "get", item)
            self._kernel._wake(getter, item)
        else:
            self._items.appendleft(item)

    def _holders(self) -> str | None:
        return None


class EventBase(SyncObject):
    """What an event is under either loop: a flag, and what a task waiting for it
    waits on."""

    __slots__ = ("_flag", "_on")
    _kind = "event"

    def __init__(self, kernel: Any, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._flag = False
        self._on = WaitOn(("wait", self, None))

    def is_set(self) -> bool:
        return self._flag

    def clear(self) -> None:
        self._flag = False


class Event(EventBase):
    """A flag tasks can wait for; `set()` wakes every waiter."""

    __slots__ = ("_wait_trap", "_waiters")

    def __init__(self, kernel: Kernel, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._waiters: dict[Task, None] = {}  # all of them are woken at once: no front to take
        self._wait_trap = Trap(WAIT, self, None, self._on)

    def set(self) -> None:
        if self._flag:
            return
        self._flag = True
        waiters, self._waiters = self._waiters, {}
        kernel = self._kernel  # `kernel._wake` for each, one call less: a crowd wakes
        make_ready, now = kernel._make_ready, kernel.clock + kernel.burned
        for task in waiters:
            task.value = True
            make_ready(task, now)

    def wait(self) -> Trap:
        """Wait until the event is set (no wait if it already is)."""
        return self._wait_trap

    def _wait(self, task: Task) -> bool:
        if self._flag:
            task.value = True
            return False
        self._waiters[task] = None
        return True

    def _forget(self, task: Task) -> None:
        self._waiters.pop(task, None)


class AcquirableBase(SyncObject):
    """What a lock and a semaphore are under either loop: what a task waiting to take
    one waits on, and `async with`."""

    __slots__ = ("_on",)

    def __init__(self, kernel: Any, name: str | None) -> None:
        super().__init__(kernel, name)
        self._on = WaitOn(("acquire", self, None))

    def acquire(self) -> Any:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def __aenter__(self) -> Any:
        return self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()


class _Acquirable(AcquirableBase):
    """What Lock and Semaphore share: FIFO waiters, handed the freed place at once."""

    __slots__ = ("_acquire_trap", "_waiters")

    def __init__(self, kernel: Kernel, name: str | None) -> None:
        super().__init__(kernel, name)
        self._waiters: OrderedDict[Task, None] = OrderedDict()
        self._acquire_trap = Trap(ACQUIRE, self, None, self._on)

    def acquire(self) -> Trap:
        """Take it; wait while it is not free."""
        return self._acquire_trap

    def _pass_on(self) -> None:
        """Hand the freed place to the first waiter, at once, or keep it free."""
        if self._waiters:
            task, _ = self._waiters.popitem(last=False)
            self._handed(task)
            task.handoff = (self, "acquire", None)
            self._kernel._wake(task, True)
        else:
            self._freed()

    def _handed(self, task: Task) -> None:
        raise NotImplementedError

    def _freed(self) -> None:
        raise NotImplementedError

    def _forget(self, task: Task) -> None:
        self._waiters.pop(task, None)


class Lock(_Acquirable):
    """A mutex. A released lock goes straight to its first waiter."""

    __slots__ = ("_owner",)
    _kind = "lock"

    def __init__(self, kernel: Kernel, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._owner: Task | None = None

    def locked(self) -> bool:
        return self._owner is not None

    def release(self) -> None:
        if self._owner is None:
            raise RuntimeError(f"release of {self._label()}, which is not locked")
        self._pass_on()

    def _handed(self, task: Task) -> None:
        self._owner = task

    def _freed(self) -> None:
        self._owner = None

    def _acquire(self, task: Task) -> bool:
        if self._owner is None:
            self._owner = task
            task.value = True
            return False
        self._waiters[task] = None
        return True

    def _revoke(self, task: Task, verb: str, item: Any) -> None:
        if self._owner is task:
            self._pass_on()

    def _holders(self) -> str | None:
        return self._owner.name if self._owner is not None else None


class Semaphore(_Acquirable):
    """A counter of free places; `acquire()` waits while it is 0.

    It remembers who holds its places, for deadlock reports, as holds numbered in the
    order they were taken: a task may hold several. `release()` gives back the oldest
    hold of the releasing task, or the oldest of all if that task holds none.
    """

    __slots__ = ("_held", "_holds", "_next_hold", "_value")
    _kind = "semaphore"

    def __init__(self, kernel: Kernel, value: int = 1, name: str | None = None) -> None:
        super().__init__(kernel, name)
        self._value = whole_number(value, "Semaphore(value)")
        self._holds: OrderedDict[int, Task] = OrderedDict()  # hold -> holder, oldest first
        self._held: dict[Task, list[int]] = {}  # holder -> its holds, oldest first
        self._next_hold = 0

    @property
    def value(self) -> int:
        return self._value

    def locked(self) -> bool:
        return self._value == 0

    def release(self) -> None:
        current = self._kernel.current
        if current in self._held:
            self._unhold(current)
        elif self._holds:
            self._unhold(next(iter(self._holds.values())))
        self._pass_on()

    def _handed(self, task: Task) -> None:
        self._hold(task)

    def _freed(self) -> None:
        self._value += 1

    def _acquire(self, task: Task) -> bool:
        if self._value > 0 and not self._waiters:
            self._value -= 1
            self._hold(task)
            task.value = True
            return False
        self._waiters[task] = None
        return True

    def _hold(self, task: Task) -> None:
        hold = self._next_hold
        self._next_hold = hold + 1
        self._holds[hold] = task
        held = self._held.get(task)
        if held is None:
            self._held[task] = [hold]
        else:
            held.append(hold)

    def _unhold(self, task: Task) -> None:
        """Drop the oldest hold of `task`, which holds one at least."""
        held = self._held[task]
        del self._holds[held.pop(0)]
        if not held:
            del self._held[task]

    def _revoke(self, task: Task, verb: str, item: Any) -> None:
        if task in self._held:
            self._unhold(task)
            self._pass_on()

    def _holders(self) -> str | None:
        return ", ".join(t.name for t in self._holds.values()) or None
