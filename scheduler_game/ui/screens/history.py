"""A level's history: the player's attempts drawn as histograms of ticks and of lines,
their best and the level's par marked, and the last attempts listed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from scheduler_game.histogram import histogram
from scheduler_game.level.judge import counted
from scheduler_game.level.model import Level
from scheduler_game.progress.store import AttemptRecord
from scheduler_game.visible import visible


def history_text(level: Level, attempts: list[AttemptRecord], width: int = 50) -> Text:
    """What the history screen shows (tested without a screen)."""
    text = Text()
    text.append(f"{visible(level.title)}: your attempts\n\n", "bold")
    wins = [a for a in attempts if a.passed]
    if not attempts:
        text.append("No attempts yet: run the level (ctrl+r) and they appear here.\n")
        return text
    text.append(f"{counted(len(attempts), 'attempt')}, ")
    text.append(f"{len(wins)} won\n\n")
    par = level.par
    for what, values, par_value in (
        ("ticks to finish", [a.ticks for a in wins if a.ticks is not None], par and par.ticks),
        ("lines of code", [a.lines for a in wins if a.lines is not None], par and par.lines),
    ):
        text.append(f"Winning runs by {what}\n", "bold")
        if not values:
            text.append("  (no win yet)\n\n")
            continue
        drawing = histogram(values, width=width, height=5, par=par_value, best=min(values))
        for line in drawing.lines:
            text.append(f"  {line}\n")
        text.append("\n")
    text.append("Last attempts\n", "bold")
    for a in attempts[-10:][::-1]:
        when = a.at.astimezone().strftime("%Y-%m-%d %H:%M")
        mark = ("★" * (a.stars or 0)).ljust(3) if a.passed else "✗  "
        ticks = f"{a.ticks} ticks" if a.ticks is not None else ""
        lines = f", {a.lines} lines" if a.lines is not None else ""
        outcome = f" ({a.outcome})" if a.outcome and not a.passed else ""
        text.append(f"  {when}  {mark} {ticks}{lines}{outcome}\n")
    return text


class HistoryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,h,f8", "dismiss(None)", "Close")]

    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen > VerticalScroll {
        width: 80%; max-width: 80; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, level: Level, attempts: list[AttemptRecord]) -> None:
        super().__init__()
        self.level = level
        self.attempts = attempts

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(history_text(self.level, self.attempts))
        yield Footer()
