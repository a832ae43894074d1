"""Go to a tick: a small prompt over the level screen."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.validation import Integer
from textual.widgets import Input, Static


class GotoScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    DEFAULT_CSS = """
    GotoScreen { align: center middle; }
    GotoScreen > Vertical {
        width: 40; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, end: int) -> None:
        super().__init__()
        self.end = end

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Go to tick (0 to {max(self.end - 1, 0)}):")
            yield Input(
                placeholder="tick",
                type="integer",
                validators=[Integer(minimum=0, maximum=max(self.end - 1, 0))],
                id="tick",
            )

    @on(Input.Submitted, "#tick")
    def _go(self, event: Input.Submitted) -> None:
        if event.validation_result is not None and not event.validation_result.is_valid:
            self.notify("; ".join(event.validation_result.failure_descriptions), severity="error")
            return
        self.dismiss(int(event.value))
