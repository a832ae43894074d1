"""The levels the game can open, in chapters, with the player's progress: what level
select lists. A level file that fails to load is listed with its error, never hidden.

Level select needs a few facts about each level (its title, chapter, order, concepts,
the brief's first paragraph, par), not the level itself: reading every file in full
(YAML parsed, the model checked) is what made the first screen slow. So those facts are
kept in `catalog-cache.json` in the save folder, for each file by its resolved path and
its stamp (mtime in ns, size): a file whose stamp changed is read again, a file gone is
dropped, and the whole cache is dropped when the game's level code changes (its version
and a hash of `scheduler_game/level/*.py`). A level is loaded in full when the player
opens it (`Entry.load`)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import random
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler_game.level.discover import PACKAGE, level_dirs, level_files, pack_dir
from scheduler_game.level.errors import LevelErrors
from scheduler_game.progress import SaveStore
from scheduler_game.progress.store import LevelProgress

if TYPE_CHECKING:
    from scheduler_game.level.load import LoadedLevel

CACHE_FILE = "catalog-cache.json"
CACHE_FORMAT = 1  # the layout of the cache file: another number is ignored (rebuilt)
# A file changed within this long before it was read may change again with the same
# stamp (a file system that keeps mtimes to the second or two): it is not kept, so the
# next start reads it again.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Summary:
    """What level select shows of a level that loads."""

    id: str
    title: str
    chapter: str
    order: int
    concepts: tuple[str, ...]
    brief: str  # the brief's first paragraph
    par_ticks: int | None

    @classmethod
    def of(cls, loaded: LoadedLevel) -> Summary:
        level = loaded.level
        return cls(
            id=level.id,
            title=level.title,
            chapter=level.chapter,
            order=level.order,
            concepts=tuple(level.concepts),
            brief=level.brief.strip().split("\n\n", 1)[0],
            par_ticks=level.par.ticks if level.par is not None else None,
        )

    @classmethod
    def from_json(cls, data: Any) -> Summary:
        """Raises ValueError for anything this game never writes as a summary."""
        if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
            raise ValueError("not a summary")
        out = cls(
            id=data["id"],
            title=data["title"],
            chapter=data["chapter"],
            order=data["order"],
            concepts=tuple(data["concepts"]),
            brief=data["brief"],
            par_ticks=data["par_ticks"],
        )
        texts = (out.id, out.title, out.chapter, out.brief, *out.concepts)
        numbers = (out.order, out.par_ticks)
        if (
            not all(isinstance(t, str) for t in texts)
            or any(isinstance(n, bool) for n in numbers)
            or not isinstance(out.order, int)
            or not isinstance(out.par_ticks, int | None)
        ):
            raise ValueError("not a summary")
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["concepts"] = list(self.concepts)
        return data


@dataclass(frozen=True)
class Entry:
    path: Path
    chapter: str
    summary: Summary | None  # None for a file that failed to load
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
        return self.summary.title if self.summary else self.path.name

    def load(self) -> LoadedLevel:
        """The level file, loaded in full as it is now (it may have changed since it was
        listed). Raises LevelErrors, as for a broken file, if it does not load."""
        from scheduler_game.level.load import load_level

        return load_level(self.path)


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
            if entry.summary is not None and entry.status != "solved":
                return entry
        return None

    def practice_pick(self, rng: random.Random | None = None) -> Entry | None:
        """An interview problem for practice: a random unsolved one (any, once all are)."""
        problems = [
            e for e in self.entries
            if e.summary is not None and "interview" in e.summary.concepts
        ]  # fmt: skip
        unsolved = [e for e in problems if e.status != "solved"] or problems
        return (rng or random.Random()).choice(unsolved) if unsolved else None


def load_catalog(
    extra: list[str] | None = None, store: SaveStore | None = None, *, pack: bool = True
) -> Catalog:
    """Every level: the game's own pack (unless `pack` is False), then the folders of
    SCHEDULER_GAME_LEVELS, then `extra`. What is known of each file comes from the
    catalog cache in the store's folder while the file is unchanged."""
    store = store or SaveStore()
    progress = store.summary()
    cache = CatalogCache(store.home / CACHE_FILE)
    own = pack_dir()
    dirs = level_dirs(extra)
    if not pack and own is not None:
        dirs = [d for d in dirs if d.resolve() != own.resolve()]
    loaded_entries: list[tuple[tuple[int, str, int, str], Entry]] = []
    for rank, folder in enumerate(dirs):
        custom = own is None or folder.resolve() != own.resolve()
        for f in level_files([folder]):
            summary, error = cache.summary(f)
            if summary is None:
                chapter = f"{folder.name} (could not load)"
                entry = Entry(f, chapter, None, error, None)
                loaded_entries.append(((rank, chapter, 10**9, f.name), entry))
                continue
            chapter = f"{summary.chapter} ({folder.name})" if custom else summary.chapter
            entry = Entry(f, chapter, summary, None, progress.get(summary.id))
            key = (rank, _chapter_key(f, folder), summary.order, summary.id)
            loaded_entries.append((key, entry))
    cache.save()
    loaded_entries.sort(key=lambda pair: pair[0])
    return Catalog([entry for _, entry in loaded_entries])


def _chapter_key(path: Path, folder: Path) -> str:
    """Chapters in the order of their folders (`01-cooperative`, `02-generators`, ...)."""
    try:
        return str(path.parent.relative_to(folder))
    except ValueError:
        return str(path.parent)


# -- the cache


@functools.cache
def game_key() -> str:
    """The game's version and a hash of its level code (the model, the loader, their
    messages): a cache written by other level code is not trusted."""
    from scheduler_game import __version__

    digest = hashlib.sha256()
    for source in sorted((PACKAGE / "level").glob("*.py")):
        try:
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
        except OSError:
            digest.update(source.name.encode() + b"\0?\0")
    return f"{__version__}+{digest.hexdigest()[:16]}"


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


class CatalogCache:
    """`catalog-cache.json`: for each level file, by resolved path, its stamp when read
    and what was read: a summary, or the error that stopped it loading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = time.time_ns()
        self.changed = False  # to be written: read anew, or a file read or dropped
        self.files: dict[str, dict[str, Any]] = self._read()
        self.seen: set[str] = set()

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, unreadable, not JSON: rebuilt
            self.changed = True
            return {}
        if (
            not isinstance(data, dict)
            or data.get("format") != CACHE_FORMAT
            or data.get("game") != game_key()
            or not isinstance(data.get("files"), dict)
        ):
            self.changed = True
            return {}
        return data["files"]

    def summary(self, f: Path) -> tuple[Summary | None, str | None]:
        """The file's summary, or None and its error text: from the cache while the
        file's stamp is the one cached, else read now."""
        try:
            key = str(f.resolve())
        except (OSError, RuntimeError):
            key = str(f.absolute())
        self.seen.add(key)
        stamp = _stamp(f)
        hit = self.files.get(key)
        if (
            stamp is not None
            and isinstance(hit, dict)
            and hit.get("stamp") == stamp
            and hit.get("as") == str(f)  # errors name the file as it was found
        ):
            try:
                if hit.get("level") is None:
                    error = hit["error"]
                    if isinstance(error, str):
                        return None, error
                else:
                    return Summary.from_json(hit["level"]), None
            except (KeyError, TypeError, ValueError):
                pass  # not a record this game writes: read the file
        summary, error = self._load(f)
        self.changed = True
        if stamp is None or stamp[0] > self.started - RACY_NS:
            self.files.pop(key, None)  # not kept: it may change again unseen
        else:
            self.files[key] = {
                "as": str(f),
                "stamp": stamp,
                "level": summary.to_json() if summary is not None else None,
                "error": error,
            }
        return summary, error

    @staticmethod
    def _load(f: Path) -> tuple[Summary | None, str | None]:
        from scheduler_game.level.load import load_level

        try:
            return Summary.of(load_level(f)), None
        except LevelErrors as bad:
            return None, "\n".join(e.format() for e in bad.errors)

    def save(self) -> None:
        """Drop the files gone (or changed) that this catalog did not list, then write
        the cache if anything changed: a temp file moved over the old one, so a reader
        never sees half a file. A cache that cannot be written is no error."""
        for key in [k for k in self.files if k not in self.seen]:
            hit = self.files[key]
            if not isinstance(hit, dict) or _stamp(Path(key)) != hit.get("stamp"):
                del self.files[key]
                self.changed = True
        if not self.changed:
            return
        data = {"format": CACHE_FORMAT, "game": game_key(), "files": self.files}
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{CACHE_FILE}.", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(tmp, self.path)
            tmp = None
            self.changed = False
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
