"""Save data: every attempt at a level, interview practices and the player's drafts, in
one SQLite file.

It lives in the user data dir (platformdirs), or in `$SCHEDULER_GAME_HOME` when set.

Nothing is ever lost:

- Every save is one transaction in a write-ahead log (WAL), synced on commit: a game
  killed in the middle of a save loses that save and nothing else.
- Two games open at once take turns: a save waits for the other's (busy_timeout) rather
  than failing, and readers never block writers.
- A file that is no save file we can read (not a database, truncated or damaged, or
  written by a newer version of the game) is moved aside, to
  `progress.sqlite3.broken-<time>`, never deleted; the game starts with fresh save data
  and `SaveStore.notice` says where the old file went, for the screen to show once.
- Anything else that stops a save (a locked or read-only disk, a full one) raises
  `SaveError`, an OSError: save data is a comfort, never a reason to stop the game.
  Reads in that case find nothing and leave a notice.

The file is checked (and brought up to date, see `schema`) the first time a SaveStore
reads or writes it; opening the store itself touches nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from scheduler_game.progress import schema

FILE_NAME = "progress.sqlite3"
BUSY_SECONDS = 10.0  # how long a save waits for another game's save before giving up
_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's own files beside the save file

T = TypeVar("T")


def data_home() -> Path:
    env = os.environ.get("SCHEDULER_GAME_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("scheduler-game", appauthor=False))


class SaveError(OSError):
    """Save data could not be written (or read) just now; the file itself is fine."""


@dataclass(frozen=True)
class LevelProgress:
    solved: bool
    best: int | None  # the fewest ticks of a winning run
    attempts: int
    best_lines: int | None = None  # the fewest lines of code of a winning run
    stars: int = 0  # the most stars of a winning run (a win is worth at least one)


@dataclass(frozen=True)
class AttemptRecord:
    """One attempt at a level, as it was saved. Fields a caller did not give are None
    (and every attempt saved by the first release has only at, passed, ticks, lines)."""

    at: datetime  # UTC
    passed: bool
    ticks: int | None
    lines: int | None
    stars: int | None
    outcome: str | None = None
    switches: int | None = None
    worst_wait: int | None = None
    code_hash: str | None = None
    variants: list[dict[str, Any]] | None = None


def hash_code(code: Mapping[str, str] | str) -> str:
    """A fingerprint of the player's code (one source, or task name -> source): two
    attempts with the same code have the same hash."""
    text = code if isinstance(code, str) else json.dumps(sorted(code.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class _Broken(Exception):
    """The file is no save file we can use: why, in words for the player."""


class SaveStore:
    """The player's save data: every attempt at a level and what they add up to,
    interview practices, and the code the player is writing."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or data_home()
        self.path = self.home / FILE_NAME
        # What the player should hear about the save data, once (a broken file moved
        # aside, a read that failed); take_notice() hands it over.
        self.notice: str | None = None
        self._checked = False
        self._lock = threading.Lock()

    def take_notice(self) -> str | None:
        """The notice, if any, cleared: so it is shown once."""
        notice, self.notice = self.notice, None
        return notice

    # ----------------------------------------------------------------------- writes

    def record(
        self,
        level: str,
        passed: bool,
        ticks: int | None,
        lines: int | None,
        *,
        outcome: str | None = None,
        switches: int | None = None,
        worst_wait: int | None = None,
        stars: int | None = None,
        code_hash: str | None = None,
        variants: list[dict[str, Any]] | None = None,
    ) -> None:
        """One attempt at a level. `variants`: each variant's results, kept as JSON."""
        blob = None if variants is None else json.dumps(variants, default=str)
        row = (level, _now(), int(passed), ticks, lines, outcome, switches, worst_wait)
        self._write(
            lambda db: db.execute(
                "INSERT INTO attempts(level, at, passed, ticks, lines, outcome, switches, "
                "worst_wait, stars, code_hash, variants) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row, stars, code_hash, blob),
            )
        )

    def record_verdict(
        self, verdict: Any, *, stars: int | None = None, code_hash: str | None = None
    ) -> None:
        """One attempt, from a check's verdict (`level.verdict.Verdict`): its worst
        figures over the variants, the outcome of the variant shown, each variant's
        result. What `check` and the game keep alike."""
        variants = verdict.variants
        shown = variants[verdict.shown_index()] if variants else None
        self.record(
            verdict.level,
            verdict.passed,
            max((v.ticks for v in variants), default=None),
            verdict.lines,
            outcome=shown.outcome if shown is not None else None,
            switches=max((sum(t.switches for t in v.tasks) for v in variants), default=None),
            worst_wait=max((t.longest_wait for v in variants for t in v.tasks), default=None),
            stars=stars,
            code_hash=code_hash,
            variants=[
                {"seed": v.seed, "passed": v.passed, "outcome": v.outcome, "ticks": v.ticks}
                for v in variants
            ],
        )

    def record_practice(self, level: str, seconds: float, minutes: int, passed: bool) -> None:
        """An interview practice: the first submission's result and the time it took."""
        self._write(
            lambda db: db.execute(
                "INSERT INTO practice(level, at, seconds, minutes, passed) VALUES (?, ?, ?, ?, ?)",
                (level, _now(), seconds, minutes, int(passed)),
            )
        )

    def save_draft(self, level: str, task: str, source: str) -> None:
        """The player's code for one task of a level, replacing what was kept."""
        self._write(
            lambda db: db.execute(
                "INSERT INTO drafts(level, task, source, saved_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(level, task) DO UPDATE SET "
                "source = excluded.source, saved_at = excluded.saved_at",
                (level, task, source, _now()),
            )
        )

    def clear_draft(self, level: str, task: str) -> None:
        if self.path.exists():
            self._write(
                lambda db: db.execute(
                    "DELETE FROM drafts WHERE level = ? AND task = ?", (level, task)
                )
            )

    # ------------------------------------------------------------------------ reads

    def summary(self) -> dict[str, LevelProgress]:
        """Every level attempted: solved or not, its bests, how many attempts."""
        rows = self._read(
            lambda db: db.execute(
                "SELECT a.level, a.n, s.level IS NOT NULL, s.ticks, s.lines, s.stars "
                "FROM (SELECT level, COUNT(*) AS n FROM attempts GROUP BY level) AS a "
                "LEFT JOIN solved AS s ON s.level = a.level"
            ).fetchall(),
            [],
        )
        return {
            level: LevelProgress(bool(won), ticks, n, lines, max(stars or 0, int(bool(won))))
            for level, n, won, ticks, lines, stars in rows
        }

    def history(self, level: str) -> list[AttemptRecord]:
        """Every attempt at a level, oldest first."""
        rows = self._read(
            lambda db: db.execute(
                "SELECT at, passed, ticks, lines, stars, outcome, switches, worst_wait, "
                "code_hash, variants FROM attempts WHERE level = ? ORDER BY id",
                (level,),
            ).fetchall(),
            [],
        )
        return [
            AttemptRecord(
                datetime.fromisoformat(at),
                bool(passed),
                *figures,
                None if variants is None else json.loads(variants),
            )
            for at, passed, *figures, variants in rows
        ]

    def practices(self, level: str | None = None) -> list[tuple[str, float, int, bool]]:
        """Every practice (of one level, if given), oldest first: (level, seconds,
        minutes, passed)."""
        rows = self._read(
            lambda db: db.execute(
                "SELECT level, seconds, minutes, passed FROM practice "
                "WHERE ? IS NULL OR level = ? ORDER BY id",
                (level, level),
            ).fetchall(),
            [],
        )
        return [(lvl, secs, mins, bool(ok)) for lvl, secs, mins, ok in rows]

    def drafts(self, level: str) -> dict[str, str]:
        """The player's kept code for a level: task name -> source."""
        rows = self._read(
            lambda db: db.execute(
                "SELECT task, source FROM drafts WHERE level = ? ORDER BY task", (level,)
            ).fetchall(),
            [],
        )
        return dict(rows)

    # -------------------------------------------------------------------- machinery

    def _write(self, work: Callable[[sqlite3.Connection], object]) -> None:
        """Run `work` in one write transaction. The write lock is taken at BEGIN, so a
        second game waits there for the first one's save to end."""
        for first_try in (True, False):
            try:
                self._ensure(create=True, thorough=not first_try)
                with closing(self._connect()) as db:
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        work(db)
                        db.execute("COMMIT")
                    finally:
                        if db.in_transaction:
                            with suppress(sqlite3.Error):
                                db.execute("ROLLBACK")
                return
            except _Broken as broken:  # even a fresh file is refused: nothing more to try
                raise SaveError(f"progress not saved: {broken}") from None
            except sqlite3.DatabaseError as err:
                if first_try and _damaged(err):
                    self._checked = False  # look again, thoroughly; move it aside if bad
                    continue
                raise SaveError(f"{self.path}: {err}") from err

    def _read(self, work: Callable[[sqlite3.Connection], T], empty: T) -> T:
        """What `work` reads, or `empty` when there is no save file, or no readable one."""
        for first_try in (True, False):
            try:
                if not self._ensure(create=False, thorough=not first_try):
                    return empty
                with closing(self._connect()) as db:
                    return work(db)
            except sqlite3.DatabaseError as err:
                if first_try and _damaged(err):
                    self._checked = False
                    continue
                self._tell(f"Your save data could not be read just now ({err}).")
                return empty
            except (OSError, _Broken) as err:
                self._tell(f"Your save data could not be read just now ({err}).")
                return empty
        return empty

    def _connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode: transactions are begun by hand."""
        db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            db.execute("PRAGMA synchronous = FULL")  # a commit is on disk when it returns
        except BaseException:
            db.close()
            raise
        return db

    def _ensure(self, *, create: bool, thorough: bool = False) -> bool:
        """Make sure the save file is one we can use, once per store: True when there is
        one (`create`: make it if need be). A broken file is moved aside. Games check it
        one at a time (a lock file), so that two never both move a file aside, the
        second moving the fresh file the first has just begun."""
        with self._lock:
            if self._checked and self.path.exists():
                return True
            if not create and not self.path.exists():
                return False
            self.home.mkdir(parents=True, exist_ok=True)
            with _file_lock(self.home / f"{FILE_NAME}.lock"):
                try:
                    self._check(thorough)
                except _Broken as broken:
                    self._move_aside(str(broken))
                    if not create:
                        return False
                    self._check(thorough=False)
            self._checked = True
            return True

    def _check(self, thorough: bool) -> None:
        """Raise _Broken unless the file (made if missing) is a save file we can read;
        then bring it up to date, in WAL mode."""
        try:
            with closing(self._connect()) as db:
                found = schema.version(db)
                if found > schema.VERSION:
                    raise _Broken(
                        f"it was written by a newer version of the game (save format "
                        f"{found}; this version reads up to {schema.VERSION})"
                    )
                check = "integrity_check" if thorough else "quick_check"
                problems = db.execute(f"PRAGMA {check}(1)").fetchall()
                if problems != [("ok",)]:
                    raise _Broken(f"it is damaged ({problems[0][0]})")
                with suppress(sqlite3.OperationalError):  # busy: stays in its old mode
                    db.execute("PRAGMA journal_mode = WAL")
                if found < schema.VERSION:
                    schema.migrate(db)
        except sqlite3.DatabaseError as err:
            if _damaged(err):
                raise _Broken(f"it is not a readable save file ({err})") from err
            raise

    def _move_aside(self, reason: str) -> None:
        """Keep a broken file (and SQLite's files beside it) under a new name, and say
        where it went."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        dest = self.path.with_name(f"{FILE_NAME}.broken-{stamp}")
        n = 1
        while any(Path(f"{dest}{side}").exists() for side in ("", *_SIDE_FILES)):
            n += 1
            dest = self.path.with_name(f"{FILE_NAME}.broken-{stamp}-{n}")
        # Its log first: a fresh file must never meet the old file's log. An empty log
        # and the shared-memory index (rebuilt from the log) hold nothing to keep.
        for side in _SIDE_FILES:
            here = Path(f"{self.path}{side}")
            with suppress(FileNotFoundError):
                if side == "-shm" or here.stat().st_size == 0:
                    here.unlink()
                else:
                    os.replace(here, f"{dest}{side}")
        os.replace(self.path, dest)
        self._tell(
            f"Your save data could not be read: {reason}. It was moved to {dest}, "
            "and the game starts with fresh save data."
        )

    def _tell(self, message: str) -> None:
        self.notice = message if self.notice is None else f"{self.notice}\n{message}"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _damaged(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGED


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`, where the platform has flock (elsewhere, and
    where the lock file cannot be made, go on without: the lock only narrows a race)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        handle = open(path, "a")  # noqa: SIM115 (closed below, after the unlock)
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
