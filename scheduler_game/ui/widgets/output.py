"""What the tasks printed, each line stamped with its tick and task; during a replay,
only what was printed before the cursor."""

from __future__ import annotations

from bisect import bisect_left

from rich.text import Text
from textual.widgets import RichLog

from scheduler_game.visible import visible


class OutputLog(RichLog):
    DEFAULT_CSS = """
    OutputLog { height: 1fr; background: $surface; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, highlight=False, wrap=False, **kwargs)  # type: ignore[arg-type]
        self.entries: list[tuple[int, str, str]] = []
        self.shown = 0

    def set_entries(self, entries: list[tuple[int, str, str]], dropped: int = 0) -> None:
        self.entries = entries
        self.dropped = dropped
        self.shown = -1
        self.show_until(None)

    def show_until(self, tick: int | None) -> None:
        """Show the lines printed before `tick` (every line: None)."""
        ticks = [e[0] for e in self.entries]
        count = len(self.entries) if tick is None else bisect_left(ticks, tick)
        if count == self.shown:
            return
        if count < self.shown or self.shown < 0:
            self.clear()
            self.shown = 0
        for at, task, text in self.entries[self.shown : count]:
            line = Text.assemble(
                (f"{at:>6} ", "dim"), (f"{visible(task)}: ", "bold"), visible(text)
            )
            self.write(line)
        self.shown = count
        if count == len(self.entries) and getattr(self, "dropped", 0):
            self.write(Text(f"… {self.dropped} more lines were not kept", style="italic"))
        if not self.entries:
            self.write(Text("(nothing printed yet)", style="dim"))
