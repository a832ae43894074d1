"""Who held the CPU, bucket by bucket: each task's ticks of CPU in each bucket of 2**k
ticks of a streamed run, counted chunk by chunk as the trace arrives (`count`), and each
task's ticks of CPU before any tick read back from them (`held_before`), for the CPU row
of an overview (scheduler_game/overview.py).

There are at most `buckets` buckets: when the run outgrows them, they merge in pairs. A
bucket also keeps the log index of the first slice to end after its start, so the CPU
held before a tick inside a bucket is the buckets before it plus the slices read off the
log from there (or the whole bucket less those after the tick, read backwards from the
next bucket's first slice): about half a bucket's slices at most.
"""

from __future__ import annotations

from array import array
from collections import Counter
from itertools import compress, repeat
from operator import add
from typing import Any

from scheduler_game.engine.trace import BLOCKED, RUNNING, SLEEPING, TraceRecorder
from scheduler_game.packedlog import (
    FIELD,
    IS_ONE,
    IS_ZERO,
    LAYOUT,
    TICKS,
    Chunk,
    as_bytes,
    entry,
    flags,
    positions,
    records,
)
from scheduler_game.packedlog import repeat as records_of

BUCKET_BITS = 11  # a bucket's number in a place in `cpu` (so at most 1024 buckets)


class CpuBuckets:
    """Each task's ticks of CPU per bucket: `cpu[bucket << wide | task]`."""

    def __init__(self, trace: TraceRecorder, buckets: int = 1024) -> None:
        if not 2 <= buckets <= 1 << (BUCKET_BITS - 1):
            raise ValueError(f"buckets must be 2 to {1 << (BUCKET_BITS - 1)}, not {buckets}")
        self.trace = trace
        self.buckets = buckets
        self.shift = 0  # a bucket is 2**shift ticks
        self.wide = 6  # a bucket holds 2**wide tasks (more as more are spawned)
        self.cpu: array[int] = array("q")
        self.first: list[int] = []  # per bucket: the first closed slice to end after its start
        self.open: list[int] = []  # RUNNING entries of slices the machine stopped in
        self.broken = False  # more tasks than this counts: the report draws from the marks

    # -- counting, chunk by chunk

    def count(self, chunk: Chunk) -> None:
        """Add up the CPU of the chunk's slices into their buckets, by task: a `Counter`
        of each one-tick slice's place in `cpu`, one of the longer ones' places and
        lengths, and the few that run over a bucket's start spread one by one."""
        self.open.extend(chunk.opened)  # read at the end, not counted
        closed = chunk.closed
        if not closed.count(1) or self._widen():
            return
        n, ticks, tick_of = chunk.n, chunk.ticks, chunk.tick_of
        end = tick_of[closed.rfind(1) + 1]  # slices end in order: the last one ends last
        self._grow(end)
        shift, wide = self.shift, self.wide
        self._bucket(end - 1 >> shift)
        crossing = self._firsts(closed, tick_of, chunk.lo)
        length = ((ticks >> 64) + records_of(1 << 40, n) - ticks) & records_of(TICKS, n)
        raw = length.to_bytes(8 * n, "little")
        short = flags(raw[1::8].translate(IS_ZERO))  # under 256 ticks
        for byte in range(2, 5):
            short &= flags(raw[byte::8].translate(IS_ZERO))
        one = short & flags(raw[::8].translate(IS_ONE))
        zero = short & flags(raw[::8].translate(IS_ZERO))
        del raw
        held = flags(closed) & ~crossing & ~zero
        place = (ticks >> shift & records_of((1 << BUCKET_BITS) - 1, n)) << wide | chunk.fields
        place &= records_of((1 << (BUCKET_BITS + wide)) - 1, n)
        start = tick_of[closed.find(1)] >> shift << wide
        self._add(start, Counter(compress(records(place, n), as_bytes(held & one, n))))
        if held & ~one:  # longer slices: by place and length
            longer = as_bytes(held & ~one, n)
            cpu = self.cpu
            for key, times in Counter(compress(records(place << 40 | length, n), longer)).items():
                cpu[key >> 40] += (key & TICKS) * times
        for k in positions(as_bytes(crossing, n)):
            self._spread(chunk.field_of[k], tick_of[k], tick_of[k + 1])

    def _firsts(self, closed: bytes, tick_of: array[int], lo: int) -> int:
        """Give each new bucket the first slice to end after its start, and flag the
        slices that run over a bucket's start (binary searches: slices end in order)."""
        shift, n = self.shift, len(closed)
        start, end = tick_of[closed.find(1)], tick_of[closed.rfind(1) + 1]

        def first_ending_after(since: int, low: int) -> int:
            high = n - 1
            while low < high:
                middle = (low + high) // 2
                k = closed.rfind(1, 0, middle + 1)
                if k >= 0 and tick_of[k + 1] > since:
                    high = middle
                else:
                    low = middle + 1
            return closed.rfind(1, 0, low + 1)

        crossing, k = 0, 0
        for bucket in range((start >> shift) + 1, ((end - 1) >> shift) + 1):
            k = first_ending_after(bucket << shift, k)
            if tick_of[k] < bucket << shift:
                crossing |= 1 << 8 * k
        while (len(self.first) << shift) < end:
            self.first.append(lo + first_ending_after(len(self.first) << shift, 0))
        return crossing

    def _add(self, start: int, counts: Counter[int]) -> None:
        """Add `counts` (place in `cpu` -> ticks, all from `start` on) to `cpu` at C
        speed: the places they cover are read through `counts.get` in one pass."""
        if counts:
            stop, cpu = max(counts) + 1, self.cpu
            more = map(counts.get, range(start, stop), repeat(0))
            cpu[start:stop] = array("q", map(add, cpu[start:stop], more))

    def _bucket(self, j: int) -> None:
        """Make room in `cpu` for buckets up to `j`."""
        size = (j + 1) << self.wide
        if len(self.cpu) < size:
            self.cpu.frombytes(bytes(8 * (size - len(self.cpu))))

    def _spread(self, task: int, start: int, end: int) -> None:
        """Add a slice that runs over several buckets."""
        shift, wide = self.shift, self.wide
        self._bucket((end - 1) >> shift)
        for j in range(start >> shift, ((end - 1) >> shift) + 1):
            self.cpu[j << wide | task] += min(end, (j + 1) << shift) - max(start, j << shift)

    def _grow(self, end: int) -> None:
        """Make the buckets wide enough to hold ticks up to `end`: merge them in pairs."""
        while (end - 1) >> self.shift >= self.buckets:
            cpu, width = self.cpu, 1 << self.wide
            merged = array("q")
            for at in range(0, len(cpu), 2 * width):
                one, other = cpu[at : at + width], cpu[at + width : at + 2 * width]
                merged.extend(array("q", map(add, one, other)) if other else one)
            self.cpu = merged
            self.first = self.first[::2]
            self.shift += 1

    def _widen(self) -> bool:
        """Give each bucket room for every task spawned so far (True: too many to count)."""
        tasks = len(self.trace.names)
        if self.broken or tasks <= 1 << self.wide:
            return self.broken
        wide = max(self.wide, (tasks - 1).bit_length())
        if wide + BUCKET_BITS > 24:  # a place must fit beside a length (`count`)
            self.broken = True
            return True
        cpu, width = self.cpu, 1 << self.wide
        spread = array("q")
        pad = bytes(8 * ((1 << wide) - width))
        for at in range(0, len(cpu), width):
            spread.extend(cpu[at : at + width])
            spread.frombytes(pad)
        self.cpu, self.wide = spread, wide
        return False

    # -- reading back

    def held_before(self, ticks: list[int]) -> list[array[int]]:
        """For each tick of `ticks` (in order), each task's ticks of CPU before it."""
        log, shift, width = self.trace.log, self.shift, 1 << self.wide
        stopped = []  # the slices the machine stopped in: (task, start, end or None)
        for k in self.open:
            _, task, start = entry(log, k)
            stopped.append((task, start, _open_end(log, k)))
        counted = len(self.cpu) >> self.wide
        acc = array("q", bytes(8 * width))
        summed = 0  # buckets added to acc
        out = []
        for tick in ticks:
            bucket = tick >> shift
            while summed < min(bucket, counted):
                acc = array("q", map(add, acc, self.cpu[summed * width : (summed + 1) * width]))
                summed += 1
            held = array("q", acc)
            since = bucket << shift
            if tick == since:
                pass
            elif tick - since <= (since + (1 << shift)) - tick or bucket >= counted:
                for task, more in self._from_start(bucket, tick).items():
                    held[task % width] += more  # (a task id past `width`: a garbled log)
            else:  # nearer the bucket's end: all of it, less what follows `tick`
                held = array("q", map(add, held, self.cpu[bucket * width : (bucket + 1) * width]))
                for task, less in self._to_end(bucket, tick).items():
                    held[task % width] -= less
            for task, start, end in stopped:
                if tick > start:
                    held[task % width] += (tick if end is None else min(end, tick)) - start
            out.append(held[: len(self.trace.names)])
        return out

    def _from_start(self, bucket: int, tick: int) -> dict[int, int]:
        """Each task's ticks of CPU from the start of `bucket` to `tick` (inside it), read
        off the log: the closed slices from the first to end after the bucket's start."""
        if bucket >= len(self.first):
            return {}
        group, tick_at, mask = LAYOUT  # type: ignore[misc]
        log, size, stopped = self.trace.log, len(self.trace.log), self.open
        since = bucket << self.shift
        part: dict[int, int] = {}
        k = self.first[bucket]
        while k < size:
            event = log[k]
            if event >> group & 7 != RUNNING or (stopped and k in stopped):
                k += 1
                continue
            start = event >> tick_at & mask
            if start >= tick:
                break
            lo = start if start > since else since
            hi = min(log[k + 1] >> tick_at & mask, tick)
            if hi > lo:
                task = event >> group + 3 & FIELD
                part[task] = part.get(task, 0) + hi - lo
            k += 2
        return part

    def _to_end(self, bucket: int, tick: int) -> dict[int, int]:
        """Each task's ticks of CPU from `tick` to the end of `bucket` (`tick` inside it),
        read off the log backwards: from the first slice to end after the next bucket's
        start (or the last slice) down to the last that ends by `tick`."""
        group, tick_at, mask = LAYOUT  # type: ignore[misc]
        log, stopped = self.trace.log, self.open
        until = (bucket + 1) << self.shift
        part: dict[int, int] = {}
        k = self.first[bucket + 1] if bucket + 1 < len(self.first) else len(log) - 1
        while k >= 0:
            event = log[k]
            if event >> group & 7 != RUNNING or (stopped and k in stopped):
                k -= 1
                continue
            end = log[k + 1] >> tick_at & mask
            if end <= tick:
                break
            start = event >> tick_at & mask
            lo = start if start > tick else tick
            hi = end if end < until else until
            if hi > lo:
                task = event >> group + 3 & FIELD
                part[task] = part.get(task, 0) + hi - lo
            k -= 1
        return part


def _open_end(log: Any, k: int) -> int | None:
    """Where the slice the machine stopped in (RUNNING entry `k`) ends, as a mark does:
    at its task's next entry of another state (None: never; it runs to the end)."""
    task = entry(log, k)[1]
    for j in range(k + 1, len(log)):
        state, field, tick = entry(log, j)
        who = entry(log, j - 1)[1] if state in (SLEEPING, BLOCKED) else field
        if who == task and state != RUNNING:
            return tick
    return None
