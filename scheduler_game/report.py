"""The text report of `scheduler-game check`: the timeline drawn in the terminal, the
per-task figures and each goal's verdict. Colour on a terminal (rich), plain when piped.

Text from the level file or from task code (title, task names, printed output, errors,
tracebacks, notes, goal details) is data: it goes on screen through `_data` (or
`visible`), so terminal control characters show as escapes, and always inside a
`rich.text.Text`, never a plain string, so `[red]` or `[link=...]` in it is not rich markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scheduler_game.level.verdict import VariantVerdict, Verdict
from scheduler_game.overview import Overview, StreamedTrace
from scheduler_game.timeline import (
    GLYPHS,
    IDLE,
    LOOP_GLYPH,
    PAST_END,
    CellState,
    Timeline,
    cpu_glyph,
    fit,
    ruler,
    task_letter,
)
from scheduler_game.visible import visible

# The colours of the timeline's cells; the glyphs and the arithmetic are the model's
# (scheduler_game/timeline.py), shared with the game's screen.
STYLES = {
    CellState.STARVING: "bold red",
    CellState.RUNNING: "bold green",
    CellState.READY: "yellow",
    CellState.BLOCKED: "magenta",
    CellState.SLEEPING: "blue",
    CellState.DONE: "",
    CellState.ABSENT: "",
}
CPU_STYLES = {IDLE: "dim", PAST_END: ""}  # a task's letter is bold
LOOP_STYLE = "bold cyan"
LEGEND = (
    CellState.RUNNING,
    CellState.READY,
    CellState.STARVING,
    CellState.BLOCKED,
    CellState.SLEEPING,
)
LOOP_WORDS = "the loop row: where each loop iteration began; only then are due timers read"
MAX_ROWS = 24  # task rows drawn; the rest are summed up in a line


def _data(text: object, style: str = "", *, newlines: bool = False) -> Text:
    """Text from a level file or task code, ready for the screen: controls escaped
    (`visible`), and a `Text`, so rich never reads markup in it."""
    return Text(visible(str(text), newlines=newlines), style=style)


def _model(variant: VariantVerdict, ticks: int) -> Timeline | Overview:
    """What draws the variant's timeline: a streamed trace's overview (kept up as the
    trace arrived, when it holds every row drawn), else its marks, else its segments."""
    trace = variant.trace
    if isinstance(trace, StreamedTrace) and trace.overview and not trace.overview.broken:
        drawn = len(trace.names) if len(trace.names) <= MAX_ROWS + 1 else MAX_ROWS
        if drawn <= trace.overview.rows:
            return trace.overview.ending_at(ticks)
    return Timeline.from_variant(variant, end=ticks)  # streamed: from its marks


def draw_timeline(variant: VariantVerdict, max_width: int) -> list[Text]:
    ticks = max(variant.ticks, 1)
    model = _model(variant, ticks)
    names = [visible(name) for name in model.names]
    label_w = min(max((len(n) for n in names), default=4) + 2, 24)
    loop = bool(model.iterations)  # asyncio's loop: a row for where its iterations began
    if loop:
        label_w = max(label_w, len("loop"))
    per, width = fit(ticks, max(10, max_width - label_w - 3))
    lines: list[Text] = []
    scale = "1 column = 1 tick" if per == 1 else f"1 column = {per} ticks"
    axis = ruler(0, per, width, spill=8)
    lines.append(Text(" " * (label_w + 1) + "t " + axis, style="dim"))

    def row_of(label: str, style: str = "") -> Text:
        """A row's label and bar: every row's cells begin in the ruler's first column."""
        return Text(label.ljust(label_w) + "  |", style=style)

    row = row_of("cpu", "dim")
    for who in model.cpu_row(0, per, width):
        row.append(cpu_glyph(who), style=CPU_STYLES.get(who, "bold"))
    lines.append(row)
    if loop:
        row = row_of("loop", "dim")
        for begins in model.loop_row(0, per, width):
            row.append(LOOP_GLYPH if begins else " ", style=LOOP_STYLE)
        lines.append(row)
    for i in range(len(model)):
        if i == MAX_ROWS and len(model) > MAX_ROWS + 1:
            more = len(model) - MAX_ROWS
            lines.append(Text(f"  ... and {more} more tasks (--json has them all)", style="dim"))
            break
        row = row_of(f"{task_letter(i)} {names[i][: label_w - 2]}")
        for cell in model.row(i, 0, per, width):
            row.append(GLYPHS[cell], style=STYLES[cell])
        lines.append(row)
    legend = Text("  ")
    for cell in LEGEND:
        legend.append(GLYPHS[cell], style=STYLES[cell])
        legend.append(f" {cell.word}  ")
    legend.append(f"{cpu_glyph(IDLE)} idle", style="dim")
    if loop:
        legend.append("  ")
        legend.append(LOOP_GLYPH, style=LOOP_STYLE)
        legend.append(" iteration")
    lines.append(legend)
    lines.append(Text(f"  {scale}; the cpu row shows who held the CPU", style="dim"))
    if loop:
        lines.append(Text(f"  {LOOP_WORDS}", style="dim"))
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
    shown = verdict.variants[verdict.shown_index()]
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
