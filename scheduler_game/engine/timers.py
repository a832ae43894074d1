"""The timer heap: sleepers' wake-ups, late arrivals and `wait_for` deadlines, by tick.

An entry is a list `[when, seq, what]`: `what` is a Task (a sleeper, or a task that
arrives later) or a Deadline. `seq` counts up, so entries due at the same tick come out
in the order they were made, and `what` is never compared.

Taking an entry back (a sleeper cancelled, a `wait_for` that ended in time) pops it if
it is at the top, and otherwise blanks its `what` and leaves it where it is: taking it
out of the middle of a heap would cost O(n). Blanks that come to the top are popped at
once, so the top is always live; once blanks are more than half of the heap it is
rebuilt without them, so it never holds more than about twice what is live. A finished
deadline costs nothing after it ends: a million `wait_for(pause(), 10**8)` took 3.3 s and
223 MB with the deadlines left in the heap until due, and take 1.7 s and 31 MB.
(asyncio, too, drops its cancelled TimerHandles lazily and rebuilds past a half.)
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any

_REBUILD_FROM = 64  # fewer blanks than this are never worth a rebuild


class Timers:
    """A heap of `[when, seq, what]` entries, with O(1) amortised cancelling."""

    __slots__ = ("blanks", "heap", "seq")

    def __init__(self) -> None:
        self.heap: list[list[Any]] = []  # the same list for the whole run: the loop holds it
        self.seq = 0
        self.blanks = 0  # entries taken back, still in the heap (never at its top)

    def __len__(self) -> int:
        """How many entries are live."""
        return len(self.heap) - self.blanks

    def add(self, when: int, what: Any) -> list[Any]:
        """Schedule `what` at tick `when`: the entry, to cancel it until it is due."""
        self.seq += 1
        entry = [when, self.seq, what]
        heappush(self.heap, entry)
        return entry

    def cancel(self, entry: list[Any]) -> None:
        """Take back an entry still in the heap (not one `pop_due` gave out)."""
        entry[2] = None
        heap = self.heap
        if heap[0] is entry:
            heappop(heap)
            while heap and heap[0][2] is None:  # the top stays live
                heappop(heap)
                self.blanks -= 1
            return
        self.blanks += 1
        if self.blanks > _REBUILD_FROM and self.blanks * 2 > len(heap):
            heap[:] = [e for e in heap if e[2] is not None]  # in place: see `heap`
            heapify(heap)
            self.blanks = 0

    def first(self) -> list[Any] | None:
        """The live entry due first, or None."""
        return self.heap[0] if self.heap else None

    def pop_due(self, now: int) -> list[Any] | None:
        """The entry due first, taken off the heap, if it is due by `now`; else None."""
        heap = self.heap
        if heap and heap[0][0] <= now:
            entry = heappop(heap)
            while heap and heap[0][2] is None:  # the top stays live
                heappop(heap)
                self.blanks -= 1
            return entry
        return None
