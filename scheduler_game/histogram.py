"""A histogram drawn in text: how a player's attempts at a level spread, with their best
and the level's par marked (the Zachtronics histograms, offline, of one's own attempts).

Plain strings, so the screen, a test and a terminal all read the same drawing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Histogram:
    lines: list[str]  # the bars, top row first, then the axis, then the marks
    bins: list[tuple[int, int, int]]  # (low, high, count): values low..high inclusive


def histogram(
    values: Sequence[int],
    *,
    width: int = 40,
    height: int = 6,
    par: int | None = None,
    best: int | None = None,
) -> Histogram:
    """`values` in at most `width` columns (each a bin of equal width), `height` rows of
    eighth-block bars; under the axis, `★` marks the bin of `best` and `▲` the bin of
    `par`, with their numbers. Lower is better, so the good end is on the left."""
    if not values:
        return Histogram(["(no attempts yet)"], [])
    marks = [v for v in (par, best) if v is not None]
    lo = min([*values, *marks])
    hi = max([*values, *marks])
    span = hi - lo + 1
    columns = max(1, min(width, span))
    size = -(-span // columns)  # values per column
    columns = -(-span // size)
    counts = [0] * columns
    for v in values:
        counts[(v - lo) // size] += 1
    top = max(counts)
    rows = []
    for row in range(height, 0, -1):  # top row first
        line = []
        for c in counts:
            eighths = round(c / top * height * 8) - (row - 1) * 8
            line.append(BLOCKS[max(0, min(8, eighths))])
        rows.append("".join(line).rstrip())
    rows.append("─" * columns)
    marker = [" "] * columns
    notes = []
    if par is not None:
        marker[(par - lo) // size] = "▲"
        notes.append(f"▲ par {par}")
    if best is not None:
        marker[(best - lo) // size] = "★"
        notes.append(f"★ your best {best}")
    rows.append("".join(marker).rstrip())
    rows.append(f"{lo} … {hi}" + ("   " + "   ".join(notes) if notes else ""))
    bins = [(lo + i * size, lo + (i + 1) * size - 1, n) for i, n in enumerate(counts)]
    return Histogram(rows, bins)
