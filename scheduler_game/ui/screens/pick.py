"""You are the scheduler: at a tick where more than one task is ready, the player picks
which runs next. Each ready task is shown with the line it would go on from."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from scheduler_game.timeline import task_letter
from scheduler_game.visible import visible


@dataclass(frozen=True)
class Ready:
    task: str
    index: int  # the task's row in the timeline (its letter)
    line: int | None  # in the task's code on screen
    code: str  # that line's text


class PickScreen(ModalScreen[str | None]):
    """Dismissed with the task picked, `FIFO` to let the rest run first come, first
    served, or None to stop."""

    FIFO = ""
    UNDO = "\0undo"
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Stop picking"),
        Binding("f", "fifo", "Run the rest FIFO", priority=True),
        Binding("u,backspace", "undo", "Undo the last pick", priority=True),
    ]

    DEFAULT_CSS = """
    PickScreen { align: center top; background: $background 30%; }
    PickScreen > Vertical {
        width: 90%; max-width: 90; height: auto; max-height: 50%;
        border: thick $accent; background: $surface; padding: 0 1; margin-top: 3;
    }
    PickScreen OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, tick: int, ready: list[Ready], picks: int) -> None:
        super().__init__()
        self.tick = tick
        self.ready = ready
        self.picks = picks

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text.assemble(
                    ("You are the scheduler. ", "bold"),
                    f"Tick {self.tick}, pick {self.picks + 1}: who runs next?",
                )
            )
            options = []
            for r in self.ready:
                code = r.code.strip()
                fresh = r.line is None or code.startswith(("def ", "async def "))
                where = "its start (not run yet)" if fresh else f"line {r.line}: {code}"
                label = Text.assemble(
                    (f"{task_letter(r.index)} {visible(r.task)}", "bold"), "  at ", visible(where)
                )
                options.append(Option(label, id=r.task))
            yield OptionList(*options, id="ready")
        yield Footer()

    def action_fifo(self) -> None:
        self.dismiss(self.FIFO)

    def action_undo(self) -> None:
        if self.picks:
            self.dismiss(self.UNDO)
        else:
            self.notify("This is the first pick: nothing to undo.")

    def on_key(self, event: events.Key) -> None:
        """A task's letter picks it, as the timeline names it."""
        for r in self.ready:
            if event.character is not None and event.character == task_letter(r.index):
                event.stop()
                self.dismiss(r.task)
                return

    @on(OptionList.OptionSelected, "#ready")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
