"""Each task's figures after a run: CPU, waits, switches, when it finished."""

from __future__ import annotations

from textual.widgets import DataTable

from scheduler_game.level.verdict import VariantVerdict
from scheduler_game.timeline import task_letter
from scheduler_game.visible import visible


class FiguresTable(DataTable[str]):
    DEFAULT_CSS = """
    FiguresTable { height: auto; max-height: 100%; }
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_columns("task", "state", "cpu", "waited", "longest", "limit", "slices", "done at")

    def show_variant(self, variant: VariantVerdict) -> None:
        self.clear()
        for i, t in enumerate(variant.tasks):
            longest = str(t.longest_wait) + (" starved" if t.starved else "")
            self.add_row(
                f"{task_letter(i)} {visible(t.name)}",
                t.state,
                str(t.cpu),
                str(t.ready_wait),
                longest,
                str(t.max_wait),
                str(t.switches),
                "" if t.finished_at is None else str(t.finished_at),
            )
