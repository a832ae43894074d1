"""The levels the game can open, in chapters, with the player's progress: what level
select lists. A level file that fails to load is listed with its error, never hidden."""

from __future__ import annotations

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


def load_catalog(extra: list[str] | None = None, store: SaveStore | None = None) -> Catalog:
    progress = (store or SaveStore()).summary()
    pack = pack_dir()
    loaded_entries: list[tuple[tuple[int, str, int, str], Entry]] = []
    for rank, folder in enumerate(level_dirs(extra)):
        custom = pack is None or folder.resolve() != pack.resolve()
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
