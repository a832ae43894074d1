"""Yield on screen: the Textual app.

`scheduler-game` opens level select; `scheduler-game play LEVEL` opens one level over
it. The player's drafts live in the app for the whole session, across levels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from scheduler_game.ui.drafts import Drafts
from scheduler_game.ui.screens.select import LevelSelectScreen

if TYPE_CHECKING:
    from scheduler_game.level.load import LoadedLevel, SolutionFile
    from scheduler_game.level.verdict import Verdict
    from scheduler_game.progress import SaveStore
    from scheduler_game.ui.catalog import Catalog


class YieldApp(App[None]):
    TITLE = "Yield"
    SUB_TITLE = "a game about cooperative multitasking"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
    ]

    def __init__(
        self,
        *,
        levels: list[str] | None = None,
        open_level: LoadedLevel | None = None,
        solution: SolutionFile | None = None,
        store: SaveStore | None = None,
        practice: int | None = None,
        pack: bool = True,
    ) -> None:
        super().__init__()
        self.pack = pack  # False: only the given folders (tests, a pack under review)
        self.practice = practice  # minutes: start in interview practice once levels are read
        self.levels = levels or []
        self.drafts = Drafts()
        self.store = store
        self._first_level = open_level
        if open_level is not None and solution is not None:
            for task in open_level.level.tasks:
                if task.editable:  # a solution file's code starts in the first editor
                    self.drafts.code[(open_level.level.id, task.name)] = solution.source
                    break

    def on_mount(self) -> None:
        self.select = LevelSelectScreen()
        self.push_screen(self.select)
        self.load_levels()
        if self._first_level is not None:
            self.open_level(self._first_level)

    def on_unmount(self) -> None:
        from scheduler_game.sandbox.process import discard_warm

        discard_warm()  # the spare sandbox child goes with the game

    def open_level(self, loaded: LoadedLevel) -> None:
        from scheduler_game.ui.screens.level import LevelScreen  # not needed by level select

        self.push_screen(LevelScreen(loaded, self.drafts))

    @work(thread=True, exclusive=True, group="catalog")
    def load_levels(self, quiet: bool = True) -> None:
        """Read every level file and the progress, off the screen's thread: level select
        is drawn at once and fills in when they are read."""
        from scheduler_game.ui.catalog import load_catalog

        catalog = load_catalog(self.levels, self.store, pack=self.pack)
        self.call_from_thread(self._levels_loaded, catalog, quiet)

    def _levels_loaded(self, catalog: Catalog, quiet: bool) -> None:
        self.select.refresh_catalog(catalog)
        if self.practice is not None:
            minutes, self.practice = self.practice, None
            self.start_practice(minutes)
        if not quiet:
            self.notify("Levels reloaded")

    def start_practice(self, minutes: int = 30) -> None:
        """Interview practice on an unsolved problem of the interview track."""
        from scheduler_game.ui.screens.practice import PracticeScreen

        catalog = self.select.catalog
        entry = catalog.practice_pick() if catalog is not None else None
        if entry is None or entry.loaded is None:
            self.notify("No interview problems found (levels tagged interview).")
            return
        self.push_screen(PracticeScreen(entry.loaded, self.drafts, minutes))

    def reload_catalog(self, quiet: bool = False) -> None:
        self.load_levels(quiet=quiet)

    def record_attempt(self, verdict: Verdict) -> None:
        """Keep the attempt with the player's progress (level select shows it)."""
        from scheduler_game.progress import SaveStore

        ticks = max((v.ticks for v in verdict.variants), default=None)
        try:
            (self.store or SaveStore()).record(verdict.level, verdict.passed, ticks, verdict.lines)
        except OSError as err:  # save data is a comfort, never a reason to stop the game
            self.notify(f"Progress not saved: {err}", severity="warning")
            return
        self.select.stale = True  # re-read when the player goes back to it

    def action_help(self) -> None:
        from scheduler_game.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        from scheduler_game.ui.screens.level import LevelScreen

        yield from super().get_system_commands(screen)
        if isinstance(screen, LevelScreen):
            for task in screen.level.tasks:
                if task.editable:
                    yield SystemCommand(
                        f"Reset {task.name}",
                        f"Put {task.name}'s starter code back (ctrl+z undoes it)",
                        lambda name=task.name: screen.reset_code(name),
                    )
            yield SystemCommand(
                "Level select", "Back to the list of levels", lambda: self.pop_screen()
            )
