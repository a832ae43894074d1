"""Help (F1): the keys, and the task API reference rendered in the app."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Markdown

PACKAGE = Path(__file__).resolve().parents[2]

KEYS = """\
# Keys

Everywhere: **ctrl+q** quit, **F1** this help, **ctrl+p** the command palette
(themes, reset a task's code, ...), **tab** / **shift+tab** move between parts.

## Level select

**↑ ↓** choose, **Enter** play, **n** the next unsolved level, **h** the level's history,
**i** interview practice, **F5** reload the levels.

## A level

| key | what it does |
|---|---|
| **ctrl+r** | run your code (also in the editor); in practice, try it on the example |
| **F5** | interview practice: submit your answer (once) |
| **escape** | stop a run that is going on; leave the level when none is |
| **F2** | show the last verdict again |
| **F3** | what if it were preemptive? your code under a preemptive scheduler, both timelines |
| **F4** | the next hint |
| **F8** | your history on this level: your attempts drawn by ticks and by lines |
| **ctrl+t** | move to the timeline |
| **ctrl+s** | save the timeline as an SVG picture (LEVEL-seedN.svg, in the current folder) |

## The editor

**ctrl+z** / **ctrl+y** undo / redo, **F7** select all, **F6** select the line,
**ctrl+x** / **ctrl+c** / **ctrl+v** cut / copy / paste, **ctrl+k** delete to the end of
the line, **tab** indent, **escape** leave the editor. A new line keeps the indentation.

## The timeline

| key | what it does |
|---|---|
| **← →** | move the cursor one cell (**shift** for ten) |
| **Home End** | first and last tick |
| **+ −** | zoom in and out; **0** fits the whole run |
| **n** / **b** | step to the next slice / back to the previous one |
| **space** | play the run slice by slice, or pause it; **<** **>** slower / faster |
| **r** | replay from tick 0 |
| **g** | go to a tick |
| **v** | the next variant of the level |

At the cursor, the line under the timeline says what every task is doing, and each task's
tab shows the line of code it is at.

Glyphs: `#` running, `-` ready, `!` starving (ready for longer than it may wait),
`=` blocked, `.` sleeping, blank done; `▌` where a task gave the CPU up and got it
straight back (a new slice, at one tick a cell). The CPU row shows who held the CPU (`_` idle).
On a level with `loop: asyncio`, the loop row under it marks `^` where each iteration of the
event loop began. asyncio reads its timers only as an iteration begins, and a sleeper whose
timer is read there runs in the iteration after: a sleeper that is due still waits.
"""


def task_api_markdown() -> str:
    for candidate in (PACKAGE / "docs" / "task-api.md", PACKAGE.parent / "docs" / "task-api.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return "# The task API\n\nThe reference (docs/task-api.md) is not installed with this copy."


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss(None)", "Close help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(KEYS + "\n\n" + task_api_markdown())
        yield Footer()
