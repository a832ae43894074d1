"""Nothing is ever lost, tried for real: a game killed (SIGKILL) in the middle of its
saves, a truncated file, a file that is no database at all, one from a newer game, and
two games saving at once."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from scheduler_game.progress import SaveError, SaveStore, schema

ROOT = Path(__file__).resolve().parents[2]

# Saves in a loop and says which it has finished, one line each, after the save returns.
# Each attempt carries ~100 KB of variant results, so a save spans many pages.
WRITER = """\
import sys
from pathlib import Path
from scheduler_game.progress import SaveStore

store = SaveStore(Path(sys.argv[1]))
level = sys.argv[2]
variants = [{"seed": seed, "output": "x" * 2000} for seed in range(50)]
i = 0
while True:
    store.record(level, True, i, 1, variants=variants)
    store.save_draft(level, "task", str(i))
    print(i, flush=True)
    i += 1
"""

# The same loop of saves, but save number STOP (from 0) stops on its way into COMMIT,
# with its pages already in the log: a cache of one page makes SQLite spill them there
# before the commit. It says "committing" and waits to be killed.
STOPPING_WRITER = """\
import sqlite3
import sys
import time
from pathlib import Path
from scheduler_game.progress import SaveStore

home, level, stop = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connect = sqlite3.connect
inserts = 0


def trace(sql):
    global inserts
    if sql.startswith("INSERT INTO attempts"):
        inserts += 1
    elif sql == "COMMIT" and inserts == stop + 1:
        print("committing", flush=True)
        time.sleep(120)


def spilling(*args, **kwargs):
    db = connect(*args, **kwargs)
    db.execute("PRAGMA cache_size = 1")
    db.set_trace_callback(trace)
    return db


sqlite3.connect = spilling
store = SaveStore(home)
variants = [{"seed": seed, "output": "x" * 2000} for seed in range(50)]
for i in range(stop + 1):
    store.record(level, True, i, 1, variants=variants)
    print(i, flush=True)
"""

# Waits for the go file, then saves `count` attempts (and reads now and then).
RACER = """\
import sys
import time
from pathlib import Path
from scheduler_game.progress import SaveStore

home, level, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = SaveStore(home)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
for i in range(count):
    store.record(level, i % 2 == 0, i, 1)
    if i % 25 == 0:
        store.summary()
assert store.notice is None, store.notice
"""


def python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def broken_files(home: Path) -> list[Path]:
    return sorted(p for p in home.iterdir() if ".broken-" in p.name)


def filled_store(home: Path, attempts: int = 300) -> SaveStore:
    """A closed save file with enough rows to span many pages, its log folded in."""
    store = SaveStore(home)
    for i in range(attempts):
        store.record("the-hog", i % 3 == 0, 90 + i, 6, variants=[{"seed": i, "pad": "x" * 200}])
    assert not Path(f"{store.path}-wal").exists()  # the last connection checkpointed
    return store


def assert_moved_aside(home: Path, original: bytes, store: SaveStore) -> None:
    """The broken file was moved, unchanged, to the place the notice names, and the game
    goes on with a fresh file."""
    [moved] = broken_files(home)
    assert moved.name.startswith("progress.sqlite3.broken-")
    assert moved.read_bytes() == original
    notice = store.take_notice()
    assert notice is not None and str(moved) in notice
    assert store.take_notice() is None  # shown once
    store.record("the-hog", True, 94, 6)
    assert SaveStore(home).summary()["the-hog"].attempts == 1
    assert integrity(store.path) == "ok"


# ------------------------------------------------------------------ a kill -9 mid-save


def uncommitted_frames(wal: Path) -> int:
    """How many pages at the end of a write-ahead log belong to no commit (the log's
    format: a 32-byte header, then frames of a 24-byte header and a page; a frame that
    ends a commit says the size of the file after it, others say 0)."""
    data = wal.read_bytes()
    if len(data) < 32:
        return 0
    page, salt = int.from_bytes(data[8:12], "big"), data[16:24]
    pending, at = 0, 32
    while at + 24 + page <= len(data) and data[at + 8 : at + 16] == salt:
        pending = 0 if int.from_bytes(data[at + 4 : at + 8], "big") else pending + 1
        at += 24 + page
    return pending


def kill(process: subprocess.Popen) -> list[str]:
    """SIGKILL, and the lines it had printed before."""
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    assert process.stdout is not None
    return process.stdout.read().split()


def test_a_game_killed_inside_a_save_loses_that_save_and_nothing_else(tmp_path):
    home = tmp_path / "home"
    writer = python(STOPPING_WRITER, str(home), "the-hog", "7")
    assert writer.stdout is not None
    printed = []
    for line in writer.stdout:
        printed.append(line.strip())
        if line.startswith("committing"):
            break
    printed += kill(writer)
    assert printed == [*map(str, range(7)), "committing"]
    # The killed save was half written: its pages are in the log, with no commit.
    assert uncommitted_frames(home / "progress.sqlite3-wal") > 10

    store = SaveStore(home)
    assert [a.ticks for a in store.history("the-hog")] == list(range(7))
    assert store.notice is None
    assert integrity(store.path) == "ok"
    store.record("the-hog", True, 7, 1)
    assert len(SaveStore(home).history("the-hog")) == 8


@pytest.mark.parametrize("round_", range(4))
def test_a_game_killed_at_any_moment_of_its_saves_loses_at_most_the_last(tmp_path, round_):
    home = tmp_path / "home"
    level = f"level-{round_}"
    writer = python(WRITER, str(home), level)
    done: list[int] = []
    assert writer.stdout is not None
    for line in writer.stdout:
        done.append(int(line))
        if len(done) >= 10 + 5 * round_:
            break
    time.sleep(random.uniform(0, 0.02))  # somewhere in a later save
    done += map(int, kill(writer))
    assert done == list(range(len(done)))

    store = SaveStore(home)
    ticks = [a.ticks for a in store.history(level)]
    assert store.notice is None
    # Every save that returned is there, and at most one more (done, not yet printed).
    assert ticks[: len(done)] == done
    assert len(ticks) in (len(done), len(done) + 1)
    draft = int(store.drafts(level)["task"])
    assert len(done) - 1 <= draft <= len(ticks) - 1
    assert integrity(store.path) == "ok"
    store.record(level, True, -1, 1)  # and it takes new saves
    assert len(SaveStore(home).history(level)) == len(ticks) + 1


# -------------------------------------------------------------- files we cannot read


def test_a_truncated_file_is_moved_aside_and_the_game_starts_fresh(tmp_path):
    home = tmp_path / "home"
    store = filled_store(home)
    data = store.path.read_bytes()
    assert len(data) > 100_000
    store.path.write_bytes(data[: len(data) // 2])

    fresh = SaveStore(home)
    assert fresh.summary() == {}  # no crash
    assert_moved_aside(home, data[: len(data) // 2], fresh)


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not a save file\n" * 200,
        random.Random(7).randbytes(8192),
        b"SQLite format 3\x00" + bytes(40),  # cut in the middle of the header
    ],
    ids=["text", "random-bytes", "cut-header"],
)
def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path, garbage):
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.sqlite3").write_bytes(garbage)
    store = SaveStore(home)
    assert store.summary() == {}
    assert_moved_aside(home, garbage, store)


def test_a_garbage_file_found_by_a_save_is_moved_aside_and_the_save_kept(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.sqlite3").write_bytes(b"garbage" * 1000)
    store = SaveStore(home)
    store.record("philosophers", True, 50, 3)
    assert "moved to" in (store.notice or "")
    assert len(broken_files(home)) == 1
    assert store.summary()["philosophers"].solved


def test_a_file_from_a_newer_game_is_moved_aside(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    path = home / "progress.sqlite3"
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE future (x)")
        db.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
        db.commit()
    original = path.read_bytes()
    store = SaveStore(home)
    assert store.summary() == {}
    assert "newer version" in (store.notice or "")
    assert_moved_aside(home, original, store)


def test_a_file_that_breaks_while_the_game_runs_is_moved_aside_too(tmp_path):
    home = tmp_path / "home"
    store = filled_store(home, attempts=10)
    assert store.summary()["the-hog"].attempts == 10
    store.path.write_bytes(b"overwritten by something else" * 100)
    assert store.summary() == {}
    assert "moved to" in (store.notice or "")
    store.record("the-hog", True, 94, 6)
    assert store.summary()["the-hog"].attempts == 1


def test_a_store_that_cannot_be_written_raises_an_oserror_and_reads_nothing(tmp_path):
    home = tmp_path / "home"
    home.write_text("a file where the folder should be")
    store = SaveStore(home)
    with pytest.raises(OSError):
        store.record("the-hog", True, 94, 6)
    assert store.summary() == {}
    assert issubclass(SaveError, OSError)


# ----------------------------------------------------------- two games at once


def test_a_save_waits_for_another_games_save_rather_than_failing(tmp_path):
    home = tmp_path / "home"
    store = filled_store(home, attempts=1)
    holding = threading.Event()

    def other_game() -> None:
        with closing(sqlite3.connect(store.path, isolation_level=None)) as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO attempts(level, at, passed) VALUES ('x', 'now', 0)")
            holding.set()
            time.sleep(0.5)
            db.execute("COMMIT")

    thread = threading.Thread(target=other_game)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    store.record("the-hog", True, 94, 6)  # waits for the other's commit
    waited = time.monotonic() - started
    thread.join()
    assert waited > 0.3
    assert {lvl: p.attempts for lvl, p in store.summary().items()} == {"the-hog": 2, "x": 1}


def test_two_games_saving_200_attempts_each_at_once_keep_all_400(tmp_path):
    home = tmp_path / "home"  # not made yet: the two also race to create it
    go = tmp_path / "go"
    racers = [python(RACER, str(home), f"racer-{n}", "200", str(go)) for n in (1, 2)]
    for racer in racers:
        assert racer.stdout is not None
        assert racer.stdout.readline() == "ready\n"
    go.touch()
    for racer in racers:
        _, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
        assert err == ""

    store = SaveStore(home)
    summary = store.summary()
    assert {lvl: p.attempts for lvl, p in summary.items()} == {"racer-1": 200, "racer-2": 200}
    for n in (1, 2):
        assert [a.ticks for a in store.history(f"racer-{n}")] == list(range(200))
    assert store.notice is None
    assert broken_files(home) == []
    assert integrity(store.path) == "ok"
