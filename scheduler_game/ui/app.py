"""Yield on screen: the Textual app.

`scheduler-game` opens level select; `scheduler-game play LEVEL` opens one level over
it. The player's drafts live in the app for the whole session, across levels."""

from __future__ import annotations

import contextlib
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
    from scheduler_game.level.model import Level
    from scheduler_game.level.verdict import Verdict
    from scheduler_game.progress import SaveStore
    from scheduler_game.ui.catalog import Catalog, Entry
    from scheduler_game.ui.session import Score


SAVE_AFTER = 1.0  # seconds of quiet typing before a draft is written to the save store


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
        self.practice_minutes = practice or 30  # the clock for every practice this session
        self.levels = levels or []
        self.drafts = Drafts()
        if store is None:
            from scheduler_game.progress import SaveStore

            store = SaveStore()
        self.store = store  # one store: its notice (a save file moved aside) is shown once
        self._unsaved: dict[tuple[str, str], str] = {}  # drafts typed, not yet written
        self._first_level = open_level
        if open_level is not None and solution is not None:  # its code, in the editors
            from scheduler_game.ui.session import split_solution

            level = open_level.level
            editable = [t.name for t in level.tasks if t.editable]
            if editable:
                for name, source in split_solution(solution.source, editable).items():
                    self.drafts.code[(level.id, name)] = source

    def on_mount(self) -> None:
        self.select = LevelSelectScreen()
        self.push_screen(self.select)
        self.load_levels()
        if self._first_level is not None:
            self.open_level(self._first_level)

    def on_unmount(self) -> None:
        from scheduler_game.sandbox.process import discard_warm

        self.save_drafts()
        discard_warm()  # the spare sandbox child goes with the game

    # -- the player's code, kept in the save store

    def load_drafts(self, level: str) -> None:
        """The drafts saved for a level, unless this session already has its own."""
        try:
            saved = self.store.drafts(level)
        except OSError:
            saved = {}
        for task, source in saved.items():
            self.drafts.code.setdefault((level, task), source)
        self._notice()

    def draft_changed(self, level: str, task: str, source: str) -> None:
        """Saved a moment after the typing stops: a kill loses the last keystrokes only."""
        self._unsaved[(level, task)] = source
        if getattr(self, "_save_timer", None) is None:
            self._save_timer = self.set_timer(SAVE_AFTER, self.save_drafts)

    def save_drafts(self) -> None:
        self._save_timer = None
        pending, self._unsaved = self._unsaved, {}
        for (level, task), source in pending.items():
            try:
                self.store.save_draft(level, task, source)
            except OSError as err:
                self.notify(f"Your code is not saved: {err}", severity="warning")
                return

    def clear_draft(self, level: str, task: str) -> None:
        self._unsaved.pop((level, task), None)
        with contextlib.suppress(OSError):  # the starter is back on screen either way
            self.store.clear_draft(level, task)

    def _notice(self) -> None:
        notice = self.store.take_notice()
        if notice:
            self.notify(notice, title="Save data", severity="warning", timeout=15)

    def open_level(self, loaded: LoadedLevel) -> None:
        from scheduler_game.ui.screens.level import LevelScreen  # not needed by level select

        self.load_drafts(loaded.level.id)
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
        self._notice()
        if self.practice is not None:
            minutes, self.practice = self.practice, None
            self.start_practice(minutes)
        if not quiet:
            self.notify("Levels reloaded")

    def open_next(self, after: str) -> None:
        """The level after `after` (a level file's path) in the catalog's order, in place
        of the level on screen; back to level select after the last one."""
        from pathlib import Path

        catalog = self.select.catalog
        entries = [e for e in catalog.entries if e.summary is not None] if catalog else []
        paths = [e.path.resolve() for e in entries]
        here = Path(after).resolve()
        following = entries[paths.index(here) + 1 :] if here in paths else []
        self.pop_screen()
        if not following:
            self.notify("That was the last level.", title="Well done")
            return
        loaded = self.load_entry(following[0])
        if loaded is not None:
            self.open_level(loaded)

    def load_entry(self, entry: Entry) -> LoadedLevel | None:
        """A listed level, loaded in full as its file is now (it may have changed since
        it was listed). If it does not load: None, its errors said, and the list read
        again if what it says changed."""
        from scheduler_game.level.errors import LevelErrors

        try:
            return entry.load()
        except LevelErrors as bad:
            error = "\n".join(e.format() for e in bad.errors)
            self.notify(error, title="This level could not be loaded", severity="error")
            if entry.summary is not None or error != entry.error:
                self.reload_catalog(quiet=True)
            return None

    def start_practice(self, minutes: int | None = None) -> None:
        """Interview practice on an unsolved problem of the interview track."""
        minutes = minutes or self.practice_minutes
        from scheduler_game.ui.screens.practice import PracticeScreen

        catalog = self.select.catalog
        entry = catalog.practice_pick() if catalog is not None else None
        if entry is None:
            self.notify("No interview problems found (levels tagged interview).")
            return
        loaded = self.load_entry(entry)
        if loaded is not None:
            self.push_screen(PracticeScreen(loaded, self.drafts, minutes))

    def reload_catalog(self, quiet: bool = False) -> None:
        self.load_levels(quiet=quiet)

    def record_attempt(self, verdict: Verdict, score: Score | None, code: dict[str, str]) -> None:
        """Keep the attempt with the player's progress (level select shows it)."""
        from scheduler_game.progress import hash_code

        try:
            self.store.record_verdict(
                verdict,
                stars=score.stars if score is not None else None,
                code_hash=hash_code(code) if code else None,
            )
        except OSError as err:  # save data is a comfort, never a reason to stop the game
            self.notify(f"Progress not saved: {err}", severity="warning")
            return
        self._notice()
        self.select.stale = True  # re-read when the player goes back to it

    def show_history(self, level: Level) -> None:
        from scheduler_game.ui.screens.history import HistoryScreen

        try:
            attempts = self.store.history(level.id)
        except OSError:
            attempts = []
        self.push_screen(HistoryScreen(level, attempts))

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
