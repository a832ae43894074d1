"""The levels the game can open, in chapters, with the player's progress: what level
select lists. A level file that fails to load is listed with its error, never hidden."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from scheduler_game.level.discover import level_dirs, level_files, pack_dir
from scheduler_game.level.load import LevelErrors, LoadedLevel, load_level
from scheduler_game.progress import SaveStore
from scheduler_game.progress.store import LevelProgress


@dataclass(frozen=True)
class Entry:
    path: Path
    chapter: str
    loaded: LoadedLevel | None
    error: str | None  # PATH:LINE:COL: message, for a file that failed to load
    progress: LevelProgress | None

    @property
    def status(self) -> str:
        """new, tried or solved."""
        if self.progress is None or self.progress.attempts == 0:
            return "new"
        return "solved" if self.progress.solved else "tried"

    @property
    def title(self) -> str:
        return self.loaded.level.title if self.loaded else self.path.name


@dataclass(frozen=True)
class Catalog:
    entries: list[Entry]

    def chapters(self) -> list[tuple[str, list[Entry]]]:
        out: dict[str, list[Entry]] = {}
        for entry in self.entries:
            out.setdefault(entry.chapter, []).append(entry)
        return list(out.items())

    def next_up(self) -> Entry | None:
        """The recommended next level: the first one, in order, not yet solved."""
        for entry in self.entries:
            if entry.loaded is not None and entry.status != "solved":
                return entry
        return None

    def practice_pick(self, rng: random.Random | None = None) -> Entry | None:
        """An interview problem for practice: a random unsolved one (any, once all are)."""
        problems = [
            e for e in self.entries
            if e.loaded is not None and "interview" in e.loaded.level.concepts
        ]  # fmt: skip
        unsolved = [e for e in problems if e.status != "solved"] or problems
        return (rng or random.Random()).choice(unsolved) if unsolved else None


def load_catalog(
    extra: list[str] | None = None, store: SaveStore | None = None, *, pack: bool = True
) -> Catalog:
    """Every level: the game's own pack (unless `pack` is False), then the folders of
    SCHEDULER_GAME_LEVELS, then `extra`."""
    progress = (store or SaveStore()).summary()
    own = pack_dir()
    dirs = level_dirs(extra)
    if not pack and own is not None:
        dirs = [d for d in dirs if d.resolve() != own.resolve()]
    loaded_entries: list[tuple[tuple[int, str, int, str], Entry]] = []
    for rank, folder in enumerate(dirs):
        custom = own is None or folder.resolve() != own.resolve()
        for f in level_files([folder]):
            try:
                loaded = load_level(f)
            except LevelErrors as bad:
                chapter = f"{folder.name} (could not load)"
                message = "\n".join(e.format() for e in bad.errors)
                entry = Entry(f, chapter, None, message, None)
                loaded_entries.append(((rank, chapter, 10**9, f.name), entry))
                continue
            level = loaded.level
            chapter = f"{level.chapter} ({folder.name})" if custom else level.chapter
            entry = Entry(f, chapter, loaded, None, progress.get(level.id))
            loaded_entries.append(((rank, _chapter_key(f, folder), level.order, level.id), entry))
    loaded_entries.sort(key=lambda pair: pair[0])
    return Catalog([entry for _, entry in loaded_entries])


def _chapter_key(path: Path, folder: Path) -> str:
    """Chapters in the order of their folders (`01-cooperative`, `02-generators`, ...)."""
    try:
        return str(path.parent.relative_to(folder))
    except ValueError:
        return str(path.parent)
