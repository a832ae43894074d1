"""Save data: every attempt at a level, in one SQLite file.

It lives in the user data dir (platformdirs), or in `$SCHEDULER_GAME_HOME` when set.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    level TEXT NOT NULL,
    at TEXT NOT NULL,
    passed INTEGER NOT NULL,
    ticks INTEGER,
    lines INTEGER
);
CREATE INDEX IF NOT EXISTS attempts_level ON attempts(level);
CREATE TABLE IF NOT EXISTS practice (
    id INTEGER PRIMARY KEY,
    level TEXT NOT NULL,
    at TEXT NOT NULL,
    seconds REAL NOT NULL,
    minutes INTEGER NOT NULL,
    passed INTEGER NOT NULL
);
"""


def data_home() -> Path:
    env = os.environ.get("SCHEDULER_GAME_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("scheduler-game", appauthor=False))


@dataclass(frozen=True)
class LevelProgress:
    solved: bool
    best: int | None  # the fewest ticks of a winning run
    attempts: int


class SaveStore:
    """The player's save data: every attempt at a level, and what they add up to."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or data_home()
        self.path = self.home / "progress.sqlite3"

    def _connect(self) -> sqlite3.Connection:
        self.home.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.executescript(SCHEMA)
        return db

    def record(self, level: str, passed: bool, ticks: int | None, lines: int | None) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO attempts(level, at, passed, ticks, lines) VALUES (?, ?, ?, ?, ?)",
                (level, datetime.now(UTC).isoformat(), int(passed), ticks, lines),
            )

    def record_practice(self, level: str, seconds: float, minutes: int, passed: bool) -> None:
        """An interview practice: the first submission's result and the time it took."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO practice(level, at, seconds, minutes, passed) VALUES (?, ?, ?, ?, ?)",
                (level, datetime.now(UTC).isoformat(), seconds, minutes, int(passed)),
            )

    def practices(self, level: str | None = None) -> list[tuple[str, float, int, bool]]:
        """Every practice (of one level, if given), oldest first: (level, seconds,
        minutes, passed)."""
        if not self.path.exists():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT level, seconds, minutes, passed FROM practice "
                "WHERE ? IS NULL OR level = ? ORDER BY id",
                (level, level),
            ).fetchall()
        return [(lvl, secs, mins, bool(ok)) for lvl, secs, mins, ok in rows]

    def summary(self) -> dict[str, LevelProgress]:
        if not self.path.exists():
            return {}
        with self._connect() as db:
            rows = db.execute(
                "SELECT level, MAX(passed), MIN(CASE WHEN passed THEN ticks END), COUNT(*) "
                "FROM attempts GROUP BY level"
            ).fetchall()
        return {lvl: LevelProgress(bool(s), best, n) for lvl, s, best, n in rows}
