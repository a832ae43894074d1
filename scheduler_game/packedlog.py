"""Reading the engine's packed trace log (`TraceRecorder.log`) a chunk at a time, at C
speed: the 64-bit entries of a chunk are the records of one big int, worked on all at once
(shifts, masks, sums), and flags are one byte per entry, in bytes or in another big int.
Nothing here makes a Python object per entry.

The layout is the engine's, from engine/packed.py (`LAYOUT`); were it ever None, nothing
would read the log this way (the report draws from the marks).
"""

from __future__ import annotations

import functools
import sys
from array import array
from collections.abc import Iterable
from itertools import compress
from typing import Any, Final, NamedTuple

from scheduler_game.engine import packed
from scheduler_game.engine.packed import BLOCKED, RUNNING, SLEEPING

FIELD: Final = (1 << 21) - 1  # a log entry's field: a task id, or (in a wait) what it waits on
TICKS: Final = (1 << 40) - 1  # a tick's bits
CHUNK = 1 << 15  # entries read at a time: what a chunk holds in passing stays small


class Layout(NamedTuple):
    """Where a log entry keeps its parts: the 24 bits `field << 3 | state` from bit
    `group`, the tick from bit `tick` under `mask` (-1: all the bits above). The field is
    the task's id, except in a SLEEPING or BLOCKED entry, which always ends a slice, right
    after the slice's RUNNING entry (which names the task)."""

    group: int
    tick: int
    mask: int


# The engine's own layout (engine/packed.py): the group above the tick, the tick at the
# bottom.
LAYOUT: Final[Layout | None] = Layout(packed.TICK_BITS, 0, packed.TICK_MASK)

# Per byte holding the lowest 8 bits of an entry's `field << 3 | state`: is it ...
IS_RUNNING = bytes(b & 7 == RUNNING for b in range(256))
IS_WAIT = bytes(b & 7 in (SLEEPING, BLOCKED) for b in range(256))
IS_ZERO = bytes(b == 0 for b in range(256))
IS_ONE = bytes(b == 1 for b in range(256))
STATE = bytes(b & 7 for b in range(256))
_FIELD_BITS = bytes(b >> 3 for b in range(256))
_LITTLE = sys.byteorder == "little"


class Chunk(NamedTuple):
    """Log entries [lo + skip, lo + n), with the one before them (a wait's task is its
    slice's RUNNING entry's): per entry its tick and field (as big ints of 64-bit records
    and as arrays), the low byte of `field << 3 | state` (the state in its 3 low bits),
    which are the RUNNING entries of slices that ended (`closed`, flags) and the log
    indices of those the machine stopped in (`opened`: their end is not the next entry)."""

    lo: int
    skip: int
    low: bytes
    ticks: int
    fields: int
    tick_of: array[int]
    field_of: array[int]
    closed: bytes
    opened: list[int]
    drawn: bytes  # per entry, 1 if of one of the first `rows` tasks (`read_chunk`)

    @property
    def n(self) -> int:
        return len(self.low)


def read_chunk(log: Any, a: int, c: int, rows: int) -> Chunk:
    """Read the entries [a, c) of `log` (which never ends a chunk with a RUNNING entry
    whose end follows), flagging those of the tasks with ids under `rows` (at most 31)."""
    group, tick_at, _ = LAYOUT  # type: ignore[misc]
    lo = a - 1 if a else 0
    n, skip = c - lo, a - lo
    with memoryview(log) as view:
        raw = view[lo:c].tobytes()
    if not _LITTLE:
        swapped = array(log.typecode, raw)
        swapped.byteswap()
        raw = swapped.tobytes()
    at = group // 8  # `field << 3 | state`, byte by byte
    low, mid, high = raw[at::8], raw[at + 1 :: 8], raw[at + 2 :: 8]
    entries = int.from_bytes(raw, "little")
    del raw
    ticks = entries >> tick_at & repeat(TICKS, n)
    fields = entries >> group + 3 & repeat(FIELD, n)
    del entries
    ones = flags(b"\1" * n)
    body = ones >> 8 * skip << 8 * skip  # the entries [a, c)
    waits = flags(low.translate(IS_WAIT))
    named = (
        flags(low.translate(bytes((b >> 3) < rows for b in range(256))))
        & flags(mid.translate(IS_ZERO))
        & flags(high.translate(IS_ZERO))
    )
    drawn = ((named & (waits ^ ones)) | (waits & named << 8)) & body
    # A RUNNING entry's slice ends with the next entry: a wait, or one naming its task.
    running = flags(low.translate(IS_RUNNING)) & body
    differ = 0  # per entry: the next one's field differs, in any of its three bytes
    for lane in (low.translate(_FIELD_BITS), mid, high):
        bits = flags(lane)
        differ |= bits ^ bits >> 8
    same = flags(as_bytes(differ, n).translate(IS_ZERO))
    ended = (same | waits >> 8) & (ones >> 8)  # the last entry's next is not here
    opened = [lo + k for k in positions(as_bytes(running & ~ended, n))]
    return Chunk(
        lo,
        skip,
        low,
        ticks,
        fields,
        records(ticks, n),
        records(fields, n),
        as_bytes(running & ended, n),
        opened,
        as_bytes(drawn, n),
    )


def picked(chunk: Chunk, everyone: bool) -> Iterable[int]:
    """The chunk's entries of drawn tasks (of every task if `everyone`), by position."""
    if everyone:
        return range(chunk.skip, chunk.n)
    return compress(range(chunk.n), chunk.drawn)


def entry(log: Any, k: int) -> tuple[int, int, int]:
    """Entry `k`'s state, field and tick."""
    group, tick_at, mask = LAYOUT  # type: ignore[misc]
    event = log[k]
    return event >> group & 7, event >> group + 3 & FIELD, event >> tick_at & mask


def repeat(value: int, n: int) -> int:
    """`value` in each of `n` 64-bit records of a big int."""
    if n > CHUNK + 8:
        return int.from_bytes(value.to_bytes(8, "little") * n, "little")
    return _repeat_chunk(value, CHUNK + 8) & _all_records(n)


@functools.lru_cache(maxsize=4)
def _all_records(n: int) -> int:
    return (1 << 64 * n) - 1


@functools.lru_cache(maxsize=8)
def _repeat_chunk(value: int, n: int) -> int:
    return int.from_bytes(value.to_bytes(8, "little") * n, "little")


def records(value: int, n: int, order: str = "little") -> array[int]:
    """A big int's `n` 64-bit records (in `order`), as an array."""
    out = array("Q")
    out.frombytes(value.to_bytes(8 * n, order))  # type: ignore[arg-type]
    if order != sys.byteorder:
        out.byteswap()
    return out


def flags(per_entry: bytes) -> int:
    """One byte per entry (0 or 1) as a big int, entry k in byte k."""
    return int.from_bytes(per_entry, "little")


def as_bytes(bits: int, n: int) -> bytes:
    """Flags as a big int, back to one byte per entry."""
    return bits.to_bytes(n, "little")


def positions(per_entry: bytes) -> Iterable[int]:
    """Where `per_entry` holds a 1 (for flags seldom set)."""
    k = per_entry.find(1)
    while k >= 0:
        yield k
        k = per_entry.find(1, k + 1)
