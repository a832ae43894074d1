"""The trace's packed log: what an entry holds and where, and the idle spans' array.

The recorder (trace.py) writes the log and reads it back; this is the layout they share,
with the few helpers that read an entry.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any, overload

ABSENT, READY, RUNNING, SLEEPING, BLOCKED, DONE = range(6)
STATE_NAMES = ("absent", "ready", "running", "sleeping", "blocked", "done")
# A log entry is `(field << 3 | state) << _TICK | tick`, 64 bits: the tick at the bottom
# (40 bits), then the state (3), then the field (21): a task id, or for a wait, where to
# find what it waits on (see TraceRecorder). With the tick at the bottom, an entry is the
# task's constant for a state plus the tick: one addition of ints, no shift.
_TICK = 40
_TICKS = LAST_TICK = (1 << _TICK) - 1  # the tick's mask: the last tick the trace holds
_FIELD = (1 << 21) - 1
_SHIFT = _TICK + 3  # where the field starts
_MAX_TASKS = _FIELD + 1
_FAR = _FIELD  # the farthest wake (past the entry's tick) or wait back a field holds
# Unsigned: an array of them takes an int twice as fast as a signed one does (no argument
# parsing), and 64 bits are ample.
_TYPECODE = "L" if array("L").itemsize == 8 else "Q"
# The layout, for readers of the log outside the recorder (scheduler_game/packedlog.py).
TICK_BITS = _TICK
TICK_MASK = _TICKS


def describe_wait(waiting_on: Any) -> str | None:
    if waiting_on is None or isinstance(waiting_on, str):  # a trace absorbed: already words
        return waiting_on
    verb, obj, arg = waiting_on
    if verb == "sleep":
        return f"until {arg}"
    if verb == "join":
        return f"join {obj.name}"
    label = obj._label()
    if verb == "get":
        return f"get from {label}"
    if verb == "put":
        return f"put to {label}"
    return label


def ends_slice(following: int, task: int) -> bool:
    """Whether `following`, the entry right after task `task`'s RUNNING entry, is how
    that slice ended (not so when the machine stopped inside it)."""
    if SLEEPING <= following >> _TICK & 7 <= BLOCKED:  # only ever logged to end a slice
        return True
    return following >> _SHIFT == task


def wait_detail(event: int, index: int, get_detail: Any) -> Any:
    """What the SLEEPING or BLOCKED entry `event`, at log index `index`, waits on: as
    `log_details` holds it (a wait tuple, or words if absorbed), or a sleep's tuple."""
    field = event >> _SHIFT
    if event >> _TICK & 7 == SLEEPING:
        return ("sleep", None, (event & _TICKS) + field - 1) if field else get_detail(index)
    return get_detail(index - field)


class Spans:
    """The CPU's idle spans, `(start, end)` pairs read as a sequence of tuples (compares
    equal to a list of them), kept flat in an array: 16 bytes a span, where a list of
    tuples took about 120."""

    __slots__ = ("_flat",)

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._flat: array[int] = array(_TYPECODE)
        self.extend(spans)

    def add(self, start: int, end: int) -> None:
        self._flat.extend((start, end))  # one call: a reader never sees half a span

    def append(self, span: tuple[int, int]) -> None:
        self.add(*span)

    def extend(self, spans: Iterable[tuple[int, int]]) -> None:
        for start, end in spans:
            self._flat.extend((start, end))

    def __len__(self) -> int:
        return len(self._flat) // 2

    def __iter__(self) -> Iterator[tuple[int, int]]:
        flat = iter(self._flat[: len(self) * 2])
        return zip(flat, flat, strict=True)

    @overload
    def __getitem__(self, k: int) -> tuple[int, int]: ...
    @overload
    def __getitem__(self, k: slice) -> list[tuple[int, int]]: ...
    def __getitem__(self, k: int | slice) -> tuple[int, int] | list[tuple[int, int]]:
        if isinstance(k, slice):
            start, stop, step = k.indices(len(self))
            if step != 1:
                return list(self)[k]
            flat = iter(self._flat[2 * start : 2 * stop])
            return list(zip(flat, flat, strict=True))
        n = len(self)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("span index out of range")
        return self._flat[2 * k], self._flat[2 * k + 1]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spans):
            return self._flat == other._flat
        if isinstance(other, list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spans({list(self)!r})"
