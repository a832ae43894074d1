"""The save file's tables, and the steps that bring an older file up to date.

`PRAGMA user_version` says which steps a file has had. Version 1 is the first release,
exactly: it never set user_version, so such a file reads 0, as a new empty file does;
step 1 creates nothing a first-release file lacks and so leaves it as it is. Each later
step changes the file in place and keeps every row. A step is a list of statements, run
with every other step in one transaction (`migrate`): a file is at one version or the
next, never half way.

Never edit a step once released: add the next one.
"""

from __future__ import annotations

import sqlite3

STEPS: list[list[str]] = [
    # 1, the first release: every attempt at a level, and interview practices.
    [
        """CREATE TABLE IF NOT EXISTS attempts (
            id INTEGER PRIMARY KEY,
            level TEXT NOT NULL,
            at TEXT NOT NULL,
            passed INTEGER NOT NULL,
            ticks INTEGER,
            lines INTEGER
        )""",
        "CREATE INDEX IF NOT EXISTS attempts_level ON attempts(level)",
        """CREATE TABLE IF NOT EXISTS practice (
            id INTEGER PRIMARY KEY,
            level TEXT NOT NULL,
            at TEXT NOT NULL,
            seconds REAL NOT NULL,
            minutes INTEGER NOT NULL,
            passed INTEGER NOT NULL
        )""",
    ],
    # 2: what an attempt scored, the levels solved with their bests, the player's drafts.
    # New columns may be NULL, so a first-release game can still add its rows.
    [
        "ALTER TABLE attempts ADD COLUMN outcome TEXT",
        "ALTER TABLE attempts ADD COLUMN switches INTEGER",
        "ALTER TABLE attempts ADD COLUMN worst_wait INTEGER",
        "ALTER TABLE attempts ADD COLUMN stars INTEGER",
        "ALTER TABLE attempts ADD COLUMN code_hash TEXT",
        "ALTER TABLE attempts ADD COLUMN variants TEXT",  # JSON: a list of objects
        # The levels solved, each with its personal bests: a view of the attempts, so it
        # can never disagree with them (a first-release game may still add attempts).
        # Each best stands on its own: the fewest ticks and the fewest lines may be
        # different wins.
        """CREATE VIEW solved AS
            SELECT level, MIN(at) AS first_at, MIN(ticks) AS ticks, MIN(lines) AS lines,
                MIN(switches) AS switches, MIN(worst_wait) AS worst_wait,
                MAX(stars) AS stars
            FROM attempts WHERE passed GROUP BY level""",
        """CREATE TABLE drafts (
            level TEXT NOT NULL,
            task TEXT NOT NULL,
            source TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (level, task)
        )""",
    ],
]

VERSION = len(STEPS)


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> None:
    """Bring the file up to VERSION in one write transaction. `db` is in autocommit
    mode (isolation_level None). The version is read again once the write lock is held:
    another game may have done the steps meanwhile."""
    db.execute("BEGIN IMMEDIATE")
    try:
        found = version(db)
        if found < VERSION:
            for step in STEPS[found:]:
                for statement in step:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {VERSION}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
