"""Level select: the chapters in order with their levels, the player's progress on each,
and the recommended next level highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from scheduler_game.visible import visible

if TYPE_CHECKING:
    from scheduler_game.ui.catalog import Catalog, Entry

MARKS = {"new": ("○", "new"), "tried": ("◐", "tried"), "solved": ("●", "solved")}


def stars(n: int) -> str:
    """A level's best stars, out of three."""
    n = max(1, min(n, 3))
    return "★" * n + "☆" * (3 - n)


def _describe(entry: Entry, next_up: Entry | None) -> str:
    """The detail pane's markdown for a level."""
    level = entry.summary
    if level is None:
        name = visible(entry.path.name)
        error = visible(entry.error or "")
        return f"## {name}\n\nThis level file could not be loaded:\n\n```\n{error}\n```\n"
    mark, word = MARKS[entry.status]
    lines = [f"## {visible(level.title)}", ""]
    status = f"{mark} **{word}**"
    if entry.progress is not None:
        n = entry.progress.attempts
        status += f" · {n} attempt{'s' if n != 1 else ''}"
        if entry.progress.solved:
            status += f" · {stars(entry.progress.stars)}"
        if entry.progress.best is not None:
            status += f" · best {entry.progress.best} ticks"
    if level.par_ticks is not None:
        status += f" · par {level.par_ticks} ticks"
    if entry is next_up:
        status += " · **recommended next**"
    lines += [status, ""]
    if level.concepts:
        lines += ["*" + ", ".join(visible(c) for c in level.concepts) + "*", ""]
    lines += [level.brief, "", "Press **Enter** to play, **h** for your history here."]
    return "\n".join(lines)


class LevelSelectScreen(Screen[None]):
    """The first screen of `scheduler-game`."""

    BINDINGS = [
        Binding("enter", "open", "Play", show=True),
        Binding("n", "next_up", "Next unsolved"),
        Binding("i", "practice", "Interview practice"),
        Binding("h", "history", "History"),
        Binding("f5", "reload", "Reload levels"),
    ]

    def __init__(self, catalog: Catalog | None = None) -> None:
        super().__init__()
        self.catalog = catalog  # None until the level files are read
        self._entries: dict[str, Entry] = {}
        self.stale = False  # progress changed since the list was drawn

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.app.reload_catalog(quiet=True)  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="select"):
            yield OptionList(id="levels")
            with VerticalScroll(id="detail"):
                yield Markdown(id="about")
        yield Static(id="select-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "choose a level"
        self._fill()

    def _fill(self) -> None:
        options = self.query_one("#levels", OptionList)
        options.clear_options()
        if self.catalog is None:
            options.add_option(Option("Reading the levels…", disabled=True))
            return
        next_up = self.catalog.next_up()
        self._entries = {}
        highlight = None
        if not self.catalog.entries:
            options.add_option(
                Option("No levels found: add a folder with --levels DIR", disabled=True)
            )
        for chapter, entries in self.catalog.chapters():
            options.add_option(Option(Text(visible(chapter), style="bold"), disabled=True))
            for entry in entries:
                key = str(entry.path)
                self._entries[key] = entry
                if entry.summary is None:
                    label = Text.assemble(("  ✗ ", "red"), (visible(entry.path.name), "red"))
                else:
                    mark, _ = MARKS[entry.status]
                    label = Text.assemble(
                        f"  {mark} ",
                        (visible(entry.summary.title), "bold" if entry is next_up else ""),
                    )
                    if entry.progress is not None and entry.progress.solved:
                        label.append(f"  {stars(entry.progress.stars)}", style="yellow")
                    if entry is next_up:
                        label.append("  ◀ next", style="italic")
                options.add_option(Option(label, id=key))
                if entry is next_up:
                    highlight = key
        if highlight is not None:
            options.highlighted = options.get_option_index(highlight)
        elif self._entries:
            options.highlighted = options.get_option_index(next(iter(self._entries)))
        options.focus()
        solved = sum(1 for e in self.catalog.entries if e.status == "solved")
        total = sum(1 for e in self.catalog.entries if e.summary is not None)
        self.query_one("#select-hint", Static).update(f" {solved} of {total} levels solved")

    @on(OptionList.OptionHighlighted, "#levels")
    def _show(self, event: OptionList.OptionHighlighted) -> None:
        entry = self._entries.get(event.option.id or "")
        if entry is not None and self.catalog is not None:
            self.query_one("#about", Markdown).update(_describe(entry, self.catalog.next_up()))

    @on(OptionList.OptionSelected, "#levels")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._open(self._entries.get(event.option.id or ""))

    def action_open(self) -> None:
        options = self.query_one("#levels", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self._open(self._entries.get(option.id or ""))

    def action_next_up(self) -> None:
        if self.catalog is not None:
            self._open(self.catalog.next_up())

    def action_history(self) -> None:
        options = self.query_one("#levels", OptionList)
        if options.highlighted is None:
            return
        entry = self._entries.get(options.get_option_at_index(options.highlighted).id or "")
        if entry is None or entry.summary is None:
            return
        loaded = self.app.load_entry(entry)  # type: ignore[attr-defined]
        if loaded is not None:
            self.app.show_history(loaded.level)  # type: ignore[attr-defined]

    def action_practice(self) -> None:
        self.app.start_practice()  # type: ignore[attr-defined]

    def action_reload(self) -> None:
        self.app.reload_catalog()  # type: ignore[attr-defined]

    def refresh_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._fill()

    def _open(self, entry: Entry | None) -> None:
        if entry is None:
            self.notify("Every level is solved. Well done!", title="Level select")
            return
        loaded = self.app.load_entry(entry)  # type: ignore[attr-defined]
        if loaded is None:
            return
        if entry.summary is None:  # listed as broken, mended since: list it anew on return
            self.stale = True
        self.app.open_level(loaded)  # type: ignore[attr-defined]
