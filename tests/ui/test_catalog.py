"""Level select's catalog and its cache: a second start reads no level file that has not
changed, and never shows what a file no longer says."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import scheduler_game.level.load as level_load
from scheduler_game.level.errors import LevelErrors
from scheduler_game.progress import SaveStore
from scheduler_game.ui import catalog as catalog_module
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.catalog import CACHE_FILE, load_catalog
from scheduler_game.ui.screens.level import LevelScreen
from scheduler_game.ui.screens.select import LevelSelectScreen
from tests.ui.test_game import until

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "levels"
HOG = PACK / "01-cooperative" / "the-hog.yaml"
LEVELS = [
    HOG,
    PACK / "01-cooperative" / "the-first-pause.yaml",
    PACK / "02-generators" / "one-pass-only.yaml",
]
BROKEN = "id: bad\ntitle: [unclosed\n"
HOUR_NS = 3600 * 10**9


def age(path: Path, hours: int = 1) -> None:
    """Set a file's mtime `hours` back: a file changed a moment ago is never cached (it
    could change again within its file system's mtime granule, with the same stamp)."""
    then = time.time_ns() - hours * HOUR_NS
    os.utime(path, ns=(then, then))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three levels in two chapters and a broken file, all changed an hour ago."""
    root = tmp_path / "mine"
    for level in LEVELS:
        target = root / level.parent.name / level.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(level.read_text())
        age(target)
    bad = root / "bad.yaml"
    bad.write_text(BROKEN)
    age(bad)
    return root


@pytest.fixture
def store(tmp_path: Path) -> SaveStore:
    return SaveStore(home=tmp_path / "home")


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every level file read in full (load_level called), by path."""
    seen: list[str] = []
    real = level_load.load_level

    def counting(path):
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(level_load, "load_level", counting)
    return seen


def no_yaml(monkeypatch) -> None:
    def refuse(path):
        raise AssertionError(f"{path} was read in full")

    monkeypatch.setattr(level_load, "load_level", refuse)


def describe(catalog) -> list[tuple]:
    return [(e.chapter, e.title, e.error, e.status) for e in catalog.entries]


def test_the_second_load_reads_no_yaml_and_gives_the_same_catalog(
    folder, store, reads, monkeypatch
):
    first = load_catalog([str(folder)], store, pack=False)
    assert len(reads) == 4
    assert (store.home / CACHE_FILE).is_file()
    assert describe(first) == [
        ("Cooperative multitasking (mine)", "The First Pause", None, "new"),
        ("Cooperative multitasking (mine)", "The Hog", None, "new"),
        ("Generators (mine)", "One Pass Only", None, "new"),
        ("mine (could not load)", "bad.yaml", f"{folder / 'bad.yaml'}:3:1: " + ERROR, "new"),
    ]
    no_yaml(monkeypatch)
    second = load_catalog([str(folder)], store, pack=False)
    assert second == first  # every entry: path, chapter, summary, error, progress


def test_the_cached_summary_is_what_a_full_load_says(folder, store):
    load_catalog([str(folder)], store, pack=False)
    catalog = load_catalog([str(folder)], store, pack=False)  # from the cache
    entry = next(e for e in catalog.entries if e.path.name == HOG.name)
    level = entry.load().level  # a full load, as when the player opens it
    summary = entry.summary
    assert summary is not None
    assert (summary.id, summary.title, summary.chapter, summary.order) == (
        level.id, level.title, level.chapter, level.order,
    )  # fmt: skip
    assert list(summary.concepts) == list(level.concepts)
    assert summary.brief == level.brief.strip().split("\n\n", 1)[0]
    assert summary.par_ticks == (level.par.ticks if level.par else None)


def test_the_whole_pack_keeps_its_order_from_the_cache(store, monkeypatch):
    first = load_catalog([], store)
    assert len(first.entries) >= 40
    no_yaml(monkeypatch)
    assert load_catalog([], store) == first


def test_progress_is_read_fresh_not_cached(folder, store, monkeypatch):
    load_catalog([str(folder)], store, pack=False)
    store.record("the-hog", True, 40, 5)
    no_yaml(monkeypatch)
    catalog = load_catalog([str(folder)], store, pack=False)
    hog = next(e for e in catalog.entries if e.path.name == HOG.name)
    assert hog.status == "solved"
    assert catalog.next_up() is not None and catalog.next_up().title == "The First Pause"


@pytest.mark.parametrize("change", ["size", "mtime"])
def test_touching_a_file_rereads_exactly_that_file(folder, store, reads, change):
    load_catalog([str(folder)], store, pack=False)
    reads.clear()
    hog = folder / "01-cooperative" / HOG.name
    if change == "size":
        hog.write_text(hog.read_text().replace("title: The Hog", "title: The Big Hog"))
    age(hog, hours=2)  # the stamp differs either way
    catalog = load_catalog([str(folder)], store, pack=False)
    assert reads == [str(hog)]
    titles = [e.title for e in catalog.entries]
    assert ("The Big Hog" if change == "size" else "The Hog") in titles
    reads.clear()
    load_catalog([str(folder)], store, pack=False)
    assert reads == []  # cached again


def test_a_file_broken_since_is_listed_broken(folder, store, reads):
    load_catalog([str(folder)], store, pack=False)
    hog = folder / "01-cooperative" / HOG.name
    hog.write_text(BROKEN)
    age(hog, hours=2)
    catalog = load_catalog([str(folder)], store, pack=False)
    entry = next(e for e in catalog.entries if e.path == hog)
    assert entry.summary is None and entry.chapter == "mine (could not load)"
    assert entry.error == f"{hog}:3:1: " + ERROR


def test_a_broken_file_stays_listed_with_its_error_from_the_cache(folder, store, monkeypatch):
    first = load_catalog([str(folder)], store, pack=False)
    no_yaml(monkeypatch)
    second = load_catalog([str(folder)], store, pack=False)
    [bad] = [e for e in second.entries if e.summary is None]
    assert bad.path == folder / "bad.yaml"
    assert bad.chapter == "mine (could not load)"
    assert bad.error == f"{folder / 'bad.yaml'}:3:1: " + ERROR
    assert bad == next(e for e in first.entries if e.summary is None)
    with pytest.raises(AssertionError, match="read in full"):
        bad.load()  # opening it reads the file (refused here)


def test_entry_load_reads_the_file_as_it_is_now(folder, store):
    catalog = load_catalog([str(folder)], store, pack=False)
    hog = next(e for e in catalog.entries if e.path.name == HOG.name)
    assert hog.load().level.id == "the-hog"
    hog.path.write_text(BROKEN)
    with pytest.raises(LevelErrors) as bad:
        hog.load()
    assert bad.value.errors[0].format() == f"{hog.path}:3:1: " + ERROR


def test_a_gone_file_is_dropped(folder, store):
    load_catalog([str(folder)], store, pack=False)
    gone = folder / "02-generators" / "one-pass-only.yaml"
    gone.unlink()
    catalog = load_catalog([str(folder)], store, pack=False)
    assert all(e.path != gone for e in catalog.entries)
    files = json.loads((store.home / CACHE_FILE).read_text())["files"]
    assert str(gone.resolve()) not in files
    assert len(files) == 3


def test_files_of_other_folders_are_kept(folder, tmp_path, store, reads):
    other = tmp_path / "other"
    other.mkdir()
    (other / HOG.name).write_text(HOG.read_text())
    age(other / HOG.name)
    load_catalog([str(folder)], store, pack=False)
    load_catalog([str(other)], store, pack=False)
    reads.clear()
    load_catalog([str(folder)], store, pack=False)
    assert reads == []


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "",
        "[]",
        '{"format": 1}',
        '{"format": 999, "game": "x", "files": {}}',
        "\x00\xff garbage",
    ],
    ids=["truncated", "empty", "a-list", "no-files", "other-format", "binary"],
)
def test_a_corrupt_cache_is_ignored_and_rebuilt(folder, store, reads, monkeypatch, text):
    first = load_catalog([str(folder)], store, pack=False)
    cache = store.home / CACHE_FILE
    cache.write_text(text, encoding="utf-8", errors="surrogateescape")
    reads.clear()
    assert load_catalog([str(folder)], store, pack=False) == first
    assert len(reads) == 4  # every file read again
    assert json.loads(cache.read_text())["format"] == catalog_module.CACHE_FORMAT
    no_yaml(monkeypatch)
    assert load_catalog([str(folder)], store, pack=False) == first


def test_a_damaged_record_is_read_again(folder, store, reads):
    first = load_catalog([str(folder)], store, pack=False)
    cache = store.home / CACHE_FILE
    data = json.loads(cache.read_text())
    hog = str((folder / "01-cooperative" / HOG.name).resolve())
    data["files"][hog]["level"]["order"] = "first"
    cache.write_text(json.dumps(data))
    reads.clear()
    assert load_catalog([str(folder)], store, pack=False) == first
    assert reads == [str(folder / "01-cooperative" / HOG.name)]


def test_other_level_code_invalidates_the_cache(folder, store, reads, monkeypatch):
    load_catalog([str(folder)], store, pack=False)
    monkeypatch.setattr(catalog_module, "game_key", lambda: "9.9.9+another-model")
    reads.clear()
    load_catalog([str(folder)], store, pack=False)
    assert len(reads) == 4


def test_the_game_key_names_the_version_and_the_level_code():
    from scheduler_game import __version__

    key = catalog_module.game_key()
    assert key.startswith(f"{__version__}+") and len(key) > len(__version__) + 8


def test_a_file_changed_a_moment_ago_is_not_cached(folder, store, reads):
    hog = folder / "01-cooperative" / HOG.name
    hog.write_text(hog.read_text())  # mtime: now
    load_catalog([str(folder)], store, pack=False)
    reads.clear()
    load_catalog([str(folder)], store, pack=False)
    assert reads == [str(hog)]


def test_the_cache_is_written_whole(folder, store):
    load_catalog([str(folder)], store, pack=False)
    assert [p.name for p in store.home.iterdir() if "catalog" in p.name] == [CACHE_FILE]


def test_an_unwritable_cache_is_no_error(folder, tmp_path):
    home = tmp_path / "home-file"
    home.write_text("a file where the save folder should be")
    store = SaveStore(home=home)
    catalog = load_catalog([str(folder)], store, pack=False)
    assert len(catalog.entries) == 4


async def test_a_level_broken_after_listing_shows_its_error_when_opened(folder, store):
    app = YieldApp(levels=[str(folder)], store=store, pack=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LevelSelectScreen)
        await until(pilot, lambda: screen.catalog is not None)
        entry = screen.catalog.next_up()
        assert entry is not None and entry.title == "The First Pause"
        entry.path.write_text(BROKEN)
        await pilot.press("enter")
        assert isinstance(app.screen, LevelSelectScreen)
        assert any(str(entry.path) in n.message for n in app._notifications)
        # the list is read again: the file is now listed as broken
        await until(
            pilot,
            lambda: (
                screen.catalog is not None
                and any(e.path == entry.path and e.summary is None for e in screen.catalog.entries)
            ),
        )
        # a level that loads opens as before
        await pilot.press("n")
        assert isinstance(app.screen, LevelScreen)
        assert app.screen.level.id == "the-hog"


ERROR = (
    "YAML syntax: expected ',' or ']', but got the end of the file "
    "(while parsing a flow sequence at line 2)"
)
