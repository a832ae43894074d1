"""Interview practice: a problem, a clock, no hints, one judged submission."""

from __future__ import annotations

from pathlib import Path

from scheduler_game.level.load import load_level
from scheduler_game.progress import SaveStore
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.screens.practice import PracticeScreen, clock
from scheduler_game.ui.screens.verdict import VerdictScreen
from scheduler_game.ui.widgets.taskcode import TaskCode
from tests.ui.test_game import HOG, status, until

SOLUTION = load_level(HOG).level.tasks[1].solution


def interview_folder(tmp_path: Path) -> Path:
    """The hog, tagged as an interview problem, alone in a folder."""
    folder = tmp_path / "track"
    folder.mkdir()
    text = HOG.read_text().replace(
        "concepts: [cooperative-multitasking, starvation]", "concepts: [interview, starvation]"
    )
    (folder / "hog-interview.yaml").write_text(text)
    return folder


def test_clock():
    assert [clock(s) for s in (0, 59.9, 61, 1800, -3)] == [
        "00:00", "00:59", "01:01", "30:00", "00:00",
    ]  # fmt: skip


async def test_the_first_submission_is_judged_on_variants_and_random_orders(tmp_path):
    store = SaveStore(home=tmp_path / "home")
    app = YieldApp(levels=[str(interview_folder(tmp_path))], store=store, practice=5, pack=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PracticeScreen) and app.screen.sub_title)
        screen = app.screen
        assert screen.level.id == "the-hog"  # the only problem tagged interview
        assert screen.sub_title.startswith("Interview practice · The Hog · 0")
        assert screen.sub_title.endswith(" left")
        assert screen.check_action("hint", ()) is False  # no hints in an interview
        screen.query_one("#code-cruncher", TaskCode).editor.load_text(SOLUTION)
        await pilot.pause()
        # ctrl+r tries the example: shown, not judged, not kept
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.run is None and screen.verdict is not None)
        assert status(screen) == "On the example your code holds. F5 submits it when you are ready."
        assert store.practices() == [] and screen.taken is None
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, VerdictScreen))
        verdict = app.screen
        assert verdict.verdict.passed and verdict.verdict.shuffled == 20
        text = verdict.query_one("Markdown").source
        assert text.startswith("**Interview answer passed** in 00:0")
        assert text.splitlines()[0].endswith(
            " of 5:00, judged on 1 hidden variant and 20 random orders."
        )
        assert "## Debrief" in text
        [(level, seconds, minutes, passed)] = store.practices()
        assert (level, minutes, passed) == ("the-hog", 5, True)
        assert 0 < seconds < 60
        # later runs are practice: not judged again, not recorded again
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, VerdictScreen))
        assert app.screen.verdict.shuffled == 0
        assert len(store.practices()) == 1


async def test_a_lost_interview_still_shows_the_debrief(tmp_path):
    store = SaveStore(home=tmp_path / "home")
    app = YieldApp(levels=[str(interview_folder(tmp_path))], store=store, practice=5, pack=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PracticeScreen) and app.screen.sub_title)
        await pilot.press("f5")  # the starter, submitted: the hog starves the heartbeat
        await until(pilot, lambda: isinstance(app.screen, VerdictScreen))
        text = app.screen.query_one("Markdown").source
        assert text.startswith("**Interview answer did not pass** in 00:0")
        assert "- ✗ **max_wait heartbeat <= 6**" in text
        assert "## Debrief" in text
        assert [p[3] for p in store.practices()] == [False]
