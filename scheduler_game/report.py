"""The text report of `scheduler-game check`: the timeline drawn in the terminal, the
per-task figures and each goal's verdict. Colour on a terminal (rich), plain when piped.

Text from the level file or from task code (title, task names, printed output, errors,
tracebacks, notes, goal details) is data: it goes on screen through `_data` (or
`visible`), so terminal control characters show as escapes, and always inside a
`rich.text.Text`, never a plain string, so `[red]` or `[link=...]` in it is not rich markup.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scheduler_game.level.verdict import TaskTimeline, VariantVerdict, Verdict
from scheduler_game.visible import visible

# What each tick of a task's row shows, and its priority when a column covers many ticks.
SYMBOLS = {
    "starving": "!",
    "running": "#",
    "ready": "-",
    "blocked": "=",
    "sleeping": ".",
    "done": " ",
    "absent": " ",
}
STYLES = {
    "starving": "bold red",
    "running": "bold green",
    "ready": "yellow",
    "blocked": "magenta",
    "sleeping": "blue",
    "done": "",
    "absent": "",
}
PRIORITY = ["starving", "running", "ready", "blocked", "sleeping", "done", "absent"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MAX_ROWS = 24  # task rows drawn; the rest are summed up in a line


def _data(text: object, style: str = "", *, newlines: bool = False) -> Text:
    """Text from a level file or task code, ready for the screen: controls escaped
    (`visible`), and a `Text`, so rich never reads markup in it."""
    return Text(visible(str(text), newlines=newlines), style=style)


def split_starving(timeline: TaskTimeline) -> Iterable[tuple[int, int, str]]:
    """The segments, with the part of each ready-wait past the task's limit as 'starving'."""
    for seg in timeline.segments:
        if seg.state == "ready" and seg.end - seg.start > timeline.max_wait:
            cut = seg.start + timeline.max_wait
            if cut > seg.start:
                yield seg.start, cut, "ready"
            yield cut, seg.end, "starving"
        else:
            yield seg.start, seg.end, seg.state


def columns(timeline: TaskTimeline, ticks: int, per: int, width: int) -> list[str]:
    """The state each column shows: the highest-priority state of its ticks."""
    best = [len(PRIORITY) - 1] * width
    rank = {state: i for i, state in enumerate(PRIORITY)}
    for start, end, state in split_starving(timeline):
        r = rank.get(state, len(PRIORITY) - 1)
        first, last = start // per, min(width - 1, (end - 1) // per)
        for c in range(first, last + 1):
            if r < best[c]:
                best[c] = r
    return [PRIORITY[r] for r in best]


def cpu_row(variant: VariantVerdict, ticks: int, per: int, width: int) -> list[tuple[str, str]]:
    """Who held the CPU in each column (the task that held it most), or idle."""
    use: list[dict[int, int]] = [{} for _ in range(width)]
    for i, tl in enumerate(variant.timeline):
        for seg in tl.segments:
            if seg.state != "running":
                continue
            for c in range(seg.start // per, min(width - 1, (seg.end - 1) // per) + 1):
                lo, hi = max(seg.start, c * per), min(seg.end, (c + 1) * per)
                if hi > lo:
                    use[c][i] = use[c].get(i, 0) + hi - lo
    row = []
    for c in range(width):
        if c * per >= ticks:
            row.append((" ", ""))
        elif use[c]:
            who = max(use[c], key=lambda k: use[c][k])
            row.append((LETTERS[who] if who < len(LETTERS) else "*", "bold"))
        else:
            row.append(("_", "dim"))
    return row


def draw_timeline(variant: VariantVerdict, max_width: int) -> list[Text]:
    ticks = max(variant.ticks, 1)
    names = [visible(tl.name) for tl in variant.timeline]
    label_w = min(max((len(n) for n in names), default=4) + 2, 24)
    room = max(10, max_width - label_w - 3)
    per = max(1, math.ceil(ticks / room))
    width = math.ceil(ticks / per)
    lines: list[Text] = []
    scale = "1 column = 1 tick" if per == 1 else f"1 column = {per} ticks"
    axis = [" "] * (width + 8)
    step = 10 if width >= 10 else width
    for c in range(0, width, step):
        mark = str(c * per)
        for k, ch in enumerate(mark):
            if c + k < len(axis):
                axis[c + k] = ch
    lines.append(Text(" " * (label_w + 1) + "t " + "".join(axis).rstrip(), style="dim"))
    row = Text("cpu".ljust(label_w) + "  |", style="dim")
    for ch, style in cpu_row(variant, ticks, per, width):
        row.append(ch, style=style)
    lines.append(row)
    for i, tl in enumerate(variant.timeline):
        if i == MAX_ROWS and len(variant.timeline) > MAX_ROWS + 1:
            more = len(variant.timeline) - MAX_ROWS
            lines.append(Text(f"  ... and {more} more tasks (--json has them all)", style="dim"))
            break
        letter = LETTERS[i] if i < len(LETTERS) else "*"
        row = Text(f"{letter} {names[i][: label_w - 2]}".ljust(label_w) + " |")
        for state in columns(tl, ticks, per, width):
            row.append(SYMBOLS[state], style=STYLES[state])
        lines.append(row)
    legend = Text("  ")
    for state in ("running", "ready", "starving", "blocked", "sleeping"):
        legend.append(SYMBOLS[state], style=STYLES[state])
        legend.append(f" {state}  ")
    legend.append("_ idle", style="dim")
    lines.append(legend)
    lines.append(Text(f"  {scale}; the cpu row shows who held the CPU", style="dim"))
    return lines


def figures_table(variant: VariantVerdict) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False)
    for col in ("task", "state", "cpu", "waited", "longest wait", "starved", "slices", "done at"):
        table.add_column(col, justify="left" if col in ("task", "state") else "right")
    for t in variant.tasks:
        longest = (
            f"{t.longest_wait} (t={t.longest_wait_from}..{t.longest_wait_from + t.longest_wait})"
            if t.longest_wait
            else "0"
        )
        state_style = {"crashed": "bold red", "finished": "green", "cancelled": "yellow"}
        table.add_row(
            _data(t.name),
            _data(t.state, state_style.get(t.state, "magenta")),
            str(t.cpu),
            str(t.ready_wait),
            longest,
            Text("yes", style="bold red") if t.starved else "no",
            str(t.switches),
            "" if t.finished_at is None else str(t.finished_at),
        )
    return table


def render(verdict: Verdict, console: Console, *, show_output: int = 12) -> None:
    """Print the whole report of a check."""
    title = f"{verdict.title} ({verdict.level})" if verdict.title else verdict.level
    console.print(_data(title, "bold"))
    if verdict.error is not None:
        console.print(_data(verdict.error.format(), "bold red", newlines=True))
        return
    shown = next((v for v in verdict.variants if not v.passed), verdict.variants[0])
    for v in verdict.variants:
        if v.error is not None:
            console.print(_data(v.error.format(), "bold red", newlines=True))
            return
    for v in verdict.variants:
        mark = Text("PASS", style="bold green") if v.passed else Text("FAIL", style="bold red")
        line = Text("variant seed ")
        line.append(str(v.seed))
        line.append(visible(f": {v.outcome} at tick {v.ticks} ({v.policy})  "))
        line.append_text(mark)
        console.print(line)
        if v.hung:
            where = f" at line {v.hung['line']}" if v.hung.get("line") else ""
            if v.hung.get("line") and v.hung.get("path"):
                where = f" at {v.hung['path']}:{v.hung['line']}"
            who = v.hung.get("task") or "a task"
            console.print(
                _data(f"  hung: {who} ran{where} without ever giving up the CPU", "bold red"),
                soft_wrap=True,
            )
        for note in v.notes if v.outcome in ("hung", "crashed") and not v.tasks else []:
            console.print(_data(f"  {note}", "bold red", newlines=True), soft_wrap=True)
    console.print()
    if len(verdict.variants) > 1:
        console.print(Text(f"Timeline of variant seed {shown.seed}:", style="bold"))
    for line in draw_timeline(shown, console.width):
        console.print(line, overflow="crop", no_wrap=True)
    console.print()
    console.print(figures_table(shown))
    for t in shown.tasks:
        if t.traceback:
            console.print()
            console.print(_data(f"{t.name} crashed:", "bold red"))
            console.print(_data(t.traceback, newlines=True))
    if shown.output:
        console.print()
        console.print(Text("Output:", style="bold"))
        for o in shown.output[:show_output]:
            line = _data(f"  t={o.tick:<4} {o.task:<12} ", "dim") + _data(o.text)
            console.print(line, soft_wrap=True)
        more = len(shown.output) - show_output + shown.dropped_output
        if more > 0:
            console.print(Text(f"  ... {more} more lines", style="dim"))
    for note in shown.notes:
        console.print(_data(f"note: {note}", "yellow", newlines=True))
    console.print()
    console.print(Text("Goals:", style="bold"))
    for g in shown.goals:
        mark = (
            Text("  ok   ", style="bold green") if g.passed else Text("  FAIL ", style="bold red")
        )
        detail = _data(f"  {g.detail}", newlines=True)
        console.print(mark + _data(g.goal, "bold") + detail, soft_wrap=True)
    if verdict.losing_order is not None:
        lo = verdict.losing_order
        console.print()
        console.print(
            _data(
                f"Random order {lo.shuffle} loses on variant seed {lo.seed}: "
                + "; ".join(f"{g.goal}: {g.detail}" for g in lo.failed),
                "bold red",
                newlines=True,
            )
        )
        console.print(_data(f"Replay it with: --order {','.join(lo.order)}"))
    if verdict.shuffled:
        judged = ", ".join(verdict.shuffle_goals) or "none of this level's goals"
        console.print()
        console.print(
            _data(
                f"Random orders judge only the goals about order and correctness: {judged}. "
                "The goals about time are promises of the FIFO loop, judged above.",
                "dim",
            )
        )
    if verdict.stopped:
        console.print()
        console.print(_data(f"The check was stopped by {verdict.stopped}.", "bold red"))
    console.print()
    if verdict.passed:
        extra = f" and {verdict.shuffled} random orders" if verdict.shuffled else ""
        console.print(
            Text(f"Level won: every goal held on every variant{extra}.", style="bold green")
        )
    else:
        console.print(Text("Not yet: some goal failed.", style="bold red"))
