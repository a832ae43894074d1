"""Hot reload for authors: the level screen watches its level file and, when it changes,
reads it again and rebuilds itself, keeping the player's drafts. A file that no longer
loads is shown at its line and column, and the screen stays as it was until the file is
fixed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler_game.level.load import LevelErrors, LoadedLevel

CHECK_EVERY = 1.0  # seconds between looks at the file's size and modification time


def stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class Reloading:
    """The level screen's file watch (a mixin: the screen has the level and its drafts)."""

    watch_file = True  # practice turns it off: an interview's problem does not change

    def _watch(self) -> None:
        self._stamp = stamp(self.session.loaded.path)
        self.set_interval(CHECK_EVERY, self._look)

    def _look(self) -> None:
        now = stamp(self.session.loaded.path)
        if now == self._stamp or now is None:
            return
        self._stamp = now
        self.run_worker(self._read_again, thread=True, exclusive=True, group="reload")

    def _read_again(self) -> None:
        from scheduler_game.level.load import LevelErrors, load_level

        try:
            loaded = load_level(Path(self.session.loaded.path))
        except LevelErrors as bad:
            self.app.call_from_thread(self._broken, bad)
        else:
            self.app.call_from_thread(self._reloaded, loaded)

    def _broken(self, bad: LevelErrors) -> None:
        first = bad.errors[0].format()
        self._say(f"✗ {first} (the level comes back when the file loads again)", error=True)
        self.notify(first, title="The level file does not load", severity="error")

    def _reloaded(self, loaded: LoadedLevel) -> None:
        old = self.session.level
        drafts = self.session.drafts
        for task in loaded.level.tasks:  # an untouched starter follows the file
            key = (old.id, task.name)
            before = next((t for t in old.tasks if t.name == task.name), None)
            if task.editable and before is not None and drafts.code.get(key) == before.code:
                drafts.code[key] = task.code or ""
        for run in (self.run, self.compare_run):
            if run is not None:
                run.cancel()
        self.reset(loaded)
        self.run_worker(self._recompose(Path(loaded.path).name), group="reload")

    async def _recompose(self, name: str) -> None:
        await self.recompose()
        self._filled()
        self.notify(f"{name} changed: reloaded", title="Level reloaded")
