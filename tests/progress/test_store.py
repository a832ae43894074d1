"""The save store as the game uses it: attempts and what they add up to, history,
drafts, practices, and a first-release save file brought up to date in place."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from scheduler_game.progress import LevelProgress, SaveStore, hash_code, schema

# The first release's schema, exactly as it shipped (it never set user_version).
FIRST_RELEASE = """
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
FIRST_RELEASE_INSERT = (
    "INSERT INTO attempts(level, at, passed, ticks, lines) VALUES (?, ?, ?, ?, ?)"
)


@pytest.fixture
def store(tmp_path: Path) -> SaveStore:
    return SaveStore(home=tmp_path / "home")


def pragma(path: Path, name: str) -> object:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(f"PRAGMA {name}").fetchone()[0]


def test_reading_an_empty_home_makes_nothing(store):
    assert store.summary() == {}
    assert store.history("the-hog") == []
    assert store.practices() == []
    assert store.drafts("the-hog") == {}
    store.clear_draft("the-hog", "cruncher")
    assert not store.home.exists()
    assert store.notice is None


def test_summary_counts_attempts_and_keeps_each_best_on_its_own(store):
    store.record("the-hog", False, 137, 4)
    store.record("the-hog", True, 100, 9, stars=1)
    store.record("the-hog", True, 94, 12, stars=2)
    store.record("the-hog", True, 120, 6, stars=3)
    store.record("the-hog", False, 50, 2, stars=None)  # a loss sets no best
    store.record("philosophers", False, None, None)
    assert store.summary() == {
        "the-hog": LevelProgress(True, 94, 5, best_lines=6, stars=3),
        "philosophers": LevelProgress(False, None, 1, best_lines=None, stars=0),
    }


def test_a_win_without_stars_is_worth_one():
    assert LevelProgress(True, 94, 1) == LevelProgress(True, 94, 1, None, 0)  # old shape


def test_a_win_recorded_without_stars_counts_one_star(store):
    store.record("the-hog", True, 94, 6)  # as the cli records today
    assert store.summary()["the-hog"].stars == 1


def test_history_holds_every_attempt_oldest_first_with_what_it_scored(store):
    variants = [{"seed": 1, "passed": True, "outcome": "finished", "ticks": 94}]
    store.record("the-hog", False, 137, 4, outcome="finished", switches=30, worst_wait=14)
    store.record(
        "the-hog", True, 94, 6, outcome="finished", switches=41, worst_wait=5, stars=3,
        code_hash=hash_code({"cruncher": "pass"}), variants=variants,
    )  # fmt: skip
    store.record("other", True, 1, 1)
    first, second = store.history("the-hog")
    assert (first.passed, first.ticks, first.lines, first.stars) == (False, 137, 4, None)
    assert (first.outcome, first.switches, first.worst_wait) == ("finished", 30, 14)
    assert first.variants is None and first.code_hash is None
    assert (second.passed, second.ticks, second.lines, second.stars) == (True, 94, 6, 3)
    assert second.variants == variants
    assert second.code_hash == hash_code({"cruncher": "pass"})
    assert first.at <= second.at and first.at.utcoffset() is not None


def test_hash_code_tells_code_apart_whatever_the_order_of_tasks():
    a = hash_code({"alice": "x = 1", "bob": "y = 2"})
    assert a == hash_code({"bob": "y = 2", "alice": "x = 1"})
    assert a != hash_code({"alice": "x = 1", "bob": "y = 3"})
    assert hash_code("print(1)") == hash_code("print(1)") != hash_code("print(2)")


def test_drafts_are_kept_per_level_and_task(store):
    store.save_draft("the-hog", "cruncher", "async def cruncher():\n    pass\n")
    store.save_draft("the-hog", "cruncher", "async def cruncher():\n    await pause()\n")
    store.save_draft("the-hog", "heartbeat", "beat")
    store.save_draft("philosophers", "alice", "think")
    assert SaveStore(store.home).drafts("the-hog") == {
        "cruncher": "async def cruncher():\n    await pause()\n",
        "heartbeat": "beat",
    }
    store.clear_draft("the-hog", "cruncher")
    assert store.drafts("the-hog") == {"heartbeat": "beat"}
    assert store.drafts("philosophers") == {"alice": "think"}
    assert store.drafts("nowhere") == {}


def test_practices_as_before(store):
    store.record_practice("ping-pong", 312.5, 30, True)
    store.record_practice("the-hog", 61.0, 15, False)
    assert store.practices() == [("ping-pong", 312.5, 30, True), ("the-hog", 61.0, 15, False)]
    assert store.practices("the-hog") == [("the-hog", 61.0, 15, False)]


def test_a_new_file_is_at_the_current_version_in_wal_mode(store):
    store.record("the-hog", True, 94, 6)
    assert pragma(store.path, "user_version") == schema.VERSION
    assert pragma(store.path, "journal_mode") == "wal"


def test_a_first_release_file_is_brought_up_to_date_in_place_keeping_its_rows(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    path = home / "progress.sqlite3"
    with closing(sqlite3.connect(path)) as db:  # as the first release wrote it
        db.executescript(FIRST_RELEASE)
        db.executemany(
            FIRST_RELEASE_INSERT,
            [
                ("the-hog", "2025-01-02T10:00:00+00:00", 0, 137, 4),
                ("the-hog", "2025-01-02T10:05:00+00:00", 1, 100, 6),
                ("the-hog", "2025-01-02T10:09:00+00:00", 1, 94, 8),
                ("philosophers", "2025-01-03T09:00:00+00:00", 0, None, None),
            ],
        )
        db.execute(
            "INSERT INTO practice(level, at, seconds, minutes, passed) VALUES (?, ?, ?, ?, ?)",
            ("ping-pong", "2025-01-04T08:00:00+00:00", 700.0, 30, 1),
        )
        db.commit()
    assert pragma(path, "user_version") == 0
    inode = path.stat().st_ino

    store = SaveStore(home)
    assert store.summary() == {
        "the-hog": LevelProgress(True, 94, 3, best_lines=6, stars=1),
        "philosophers": LevelProgress(False, None, 1),
    }
    assert store.notice is None
    assert path.stat().st_ino == inode  # in place: not a new file
    assert sorted(p.name for p in home.iterdir() if "broken" in p.name) == []
    assert pragma(path, "user_version") == schema.VERSION
    assert pragma(path, "journal_mode") == "wal"
    assert store.practices() == [("ping-pong", 700.0, 30, True)]
    old = store.history("the-hog")
    assert [(a.passed, a.ticks, a.lines) for a in old] == [(False, 137, 4), (True, 100, 6),
                                                           (True, 94, 8)]  # fmt: skip
    assert old[0].at.isoformat() == "2025-01-02T10:00:00+00:00"
    assert all(a.stars is None and a.outcome is None and a.variants is None for a in old)

    # The new fields and drafts work on the migrated file ...
    store.record("the-hog", True, 90, 7, outcome="finished", stars=3, variants=[{"seed": 0}])
    store.save_draft("the-hog", "cruncher", "pass")
    assert store.summary()["the-hog"] == LevelProgress(True, 90, 4, best_lines=6, stars=3)
    assert store.drafts("the-hog") == {"cruncher": "pass"}
    # ... and a first-release game may still add its rows, which count at once.
    with closing(sqlite3.connect(path)) as db:
        db.executescript(FIRST_RELEASE)
        db.execute(FIRST_RELEASE_INSERT, ("philosophers", "2025-02-01T00:00:00+00:00", 1, 50, 3))
        db.commit()
    assert SaveStore(home).summary()["philosophers"] == LevelProgress(True, 50, 2, 3, 1)


def test_a_file_at_the_current_version_is_left_as_it_is(store):
    store.record("the-hog", True, 94, 6)
    before = store.path.stat().st_ino
    again = SaveStore(store.home)
    assert again.summary()["the-hog"].attempts == 1
    assert again.notice is None
    assert store.path.stat().st_ino == before
