"""What the screens show, as SVG snapshots (pytest-textual-snapshot), at 80x24 and
120x40. After a deliberate change of the look: `pytest tests/ui --snapshot-update`, then
look at every changed SVG before committing it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scheduler_game.level.load import load_level
from scheduler_game.progress import SaveStore
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.screens.verdict import VerdictScreen
from scheduler_game.ui.widgets.taskcode import TaskCode

ROOT = Path(__file__).resolve().parents[2]
HOG = ROOT / "levels" / "01-cooperative" / "the-hog.yaml"
TEST_LEVELS = ROOT / "tests" / "level" / "levels"
DUE = ROOT / "tests" / "ui" / "levels" / "due-but-waiting.yaml"  # loop: asyncio
SIZES = [(80, 24), (120, 40)]


def make_app(tmp_path: Path, level: bool = True, open_level: Path = HOG) -> YieldApp:
    """The game on the-hog and the test levels only: the pack grows, these stay put."""
    loaded = load_level(open_level) if level else None
    folder = tmp_path / "levels"
    folder.mkdir()
    (folder / "the-hog.yaml").write_text(HOG.read_text())
    for f in TEST_LEVELS.glob("*.yaml"):
        (folder / f.name).write_text(f.read_text())
    return YieldApp(
        levels=[str(folder)], open_level=loaded, store=SaveStore(home=tmp_path / "home"), pack=False
    )


async def _run(pilot, solution: bool = False) -> None:
    screen = pilot.app.screen
    if solution:
        code = screen.query_one("#code-cruncher", TaskCode)
        code.editor.load_text(load_level(HOG).level.tasks[1].solution)
        await pilot.pause()  # the draft is saved from the editor's Changed message
    await pilot.press("ctrl+r")
    deadline = time.monotonic() + 30
    while not isinstance(pilot.app.screen, VerdictScreen):
        assert time.monotonic() < deadline, "the run took too long"
        await pilot.pause(0.05)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_level_select(snap_compare, tmp_path, size):
    async def read(pilot):
        while pilot.app.select.catalog is None:
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(make_app(tmp_path, level=False), terminal_size=size, run_before=read)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_level_before_a_run(snap_compare, tmp_path, size):
    async def edit(pilot):
        await pilot.press("ctrl+e")
        code = pilot.app.screen.query_one("#code-cruncher", TaskCode)
        code.editor.cursor_blink = False  # a blinking cursor is drawn or not by the clock
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=edit)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_verdict_of_a_loss(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=_run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_level_after_a_loss(snap_compare, tmp_path, size):
    async def show_where(pilot):
        await _run(pilot)
        await pilot.press("w")
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=show_where)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_verdict_of_a_win(snap_compare, tmp_path, size):
    async def win(pilot):
        await _run(pilot, solution=True)
        assert pilot.app.screen.score is not None, "the snapshot of a win must be a win"

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=win)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_level_after_a_run_on_asyncios_loop(snap_compare, tmp_path, size):
    """`loop: asyncio`: the loop row, under the CPU, marks where each iteration began."""

    async def look(pilot):
        await _run(pilot)
        await pilot.press("escape", "ctrl+t")
        await pilot.pause()

    app = make_app(tmp_path, open_level=DUE)
    assert snap_compare(app, terminal_size=size, run_before=look)
