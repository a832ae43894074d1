"""A run's timeline as an SVG picture, to share: `check --svg FILE` and `ctrl+s` in the
game. It draws the same cells as the terminal (scheduler_game.timeline decides every
cell), with the same glyph under each colour, so it reads in print too."""

from __future__ import annotations

from html import escape

from scheduler_game.timeline import (
    GLYPHS,
    IDLE,
    LOOP_GLYPH,
    PAST_END,
    CellState,
    Timeline,
    fit,
    task_letter,
)

CELL_W, CELL_H = 8, 18
LABEL_W = 130
MAX_CELLS = 400  # a long run is bucketed: many ticks a cell, as on screen

COLOURS = {
    CellState.RUNNING: "#2e9d4f",
    CellState.READY: "#e0b33a",
    CellState.STARVING: "#d0342c",
    CellState.BLOCKED: "#8a56c2",
    CellState.SLEEPING: "#3b7dd8",
    CellState.DONE: "#ffffff",
    CellState.ABSENT: "#ffffff",
}
LOOP_COLOUR = "#1a8a9a"
LEGEND = [
    CellState.RUNNING, CellState.READY, CellState.STARVING, CellState.BLOCKED,
    CellState.SLEEPING,
]  # fmt: skip


def timeline_svg(timeline: Timeline, title: str, *, max_cells: int = MAX_CELLS) -> str:
    """The whole run, fitted into at most `max_cells` columns."""
    per, cells = fit(max(timeline.end, 1), max_cells)
    loop = 1 if timeline.iterations else 0  # asyncio's loop: where its iterations began
    rows = len(timeline) + 1 + loop  # the CPU row, the loop row, then one per task
    width = LABEL_W + cells * CELL_W + 20
    height = 60 + rows * CELL_H + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<text x="10" y="38" fill="#555">{timeline.end} ticks, {per} tick'
        f"{'s' if per > 1 else ''} a column</text>",
    ]
    top = 50
    for cell in range(0, cells, 10):  # the tick ruler
        x = LABEL_W + cell * CELL_W
        out.append(f'<text x="{x}" y="{top}" fill="#555" font-size="10">{cell * per}</text>')
    y = top + 6
    out.append(f'<text x="10" y="{y + 13}">CPU</text>')
    for c, who in enumerate(timeline.cpu_row(0, per, cells)):
        if who in (IDLE, PAST_END):
            continue
        x = LABEL_W + c * CELL_W
        out.append(f'<text x="{x + 1}" y="{y + 13}" fill="#2e9d4f">{task_letter(who)}</text>')
    if loop:
        y += CELL_H
        out.append(f'<text x="10" y="{y + 13}">loop</text>')
        for c, begins in enumerate(timeline.loop_row(0, per, cells)):
            if begins:
                x = LABEL_W + c * CELL_W
                out.append(
                    f'<text x="{x + 1}" y="{y + 13}" fill="{LOOP_COLOUR}">{LOOP_GLYPH}'
                    "<title>a loop iteration begins</title></text>"
                )
    for task, name in enumerate(timeline.names):
        y = top + 6 + (task + 1 + loop) * CELL_H
        label = f"{task_letter(task)} {name}"[:18]
        out.append(f'<text x="10" y="{y + 13}">{escape(label)}</text>')
        for c, state in enumerate(timeline.row(task, 0, per, cells)):
            if state in (CellState.DONE, CellState.ABSENT):
                continue
            x = LABEL_W + c * CELL_W
            out.append(
                f'<rect x="{x}" y="{y + 2}" width="{CELL_W}" height="{CELL_H - 4}" '
                f'fill="{COLOURS[state]}"><title>{escape(name)}: {state.word}</title></rect>'
            )
            if state is CellState.STARVING:  # the glyph too, for print and colour-blindness
                out.append(
                    f'<text x="{x + 1}" y="{y + 13}" fill="#ffffff" font-size="10">'
                    f"{GLYPHS[state]}</text>"
                )
    y = top + 6 + rows * CELL_H + 16
    x = 10
    for state in LEGEND:
        out.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{COLOURS[state]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}">{state.word}</text>')
        x += 14 + 8 * len(state.word) + 16
    if loop:
        out.append(f'<text x="{x}" y="{y}" fill="{LOOP_COLOUR}">{LOOP_GLYPH}</text>')
        out.append(f'<text x="{x + 14}" y="{y}">loop iteration begins</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
