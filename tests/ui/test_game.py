"""The game on screen, driven as a player drives it: Textual's Pilot presses the keys,
the runs go through the real sandbox, and each test reads what the screen shows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import OptionList, RadioSet, Static, TabbedContent

from scheduler_game.level.load import load_level
from scheduler_game.progress import SaveStore
from scheduler_game.ui.app import YieldApp
from scheduler_game.ui.screens.help import HelpScreen
from scheduler_game.ui.screens.level import LevelScreen
from scheduler_game.ui.screens.pick import PickScreen
from scheduler_game.ui.screens.select import LevelSelectScreen
from scheduler_game.ui.screens.stepping import slice_starts
from scheduler_game.ui.screens.verdict import VerdictScreen
from scheduler_game.ui.widgets.output import OutputLog
from scheduler_game.ui.widgets.taskcode import TaskCode
from scheduler_game.ui.widgets.timeline import TimelineView

ROOT = Path(__file__).resolve().parents[2]
HOG = ROOT / "levels" / "01-cooperative" / "the-hog.yaml"
TEST_LEVELS = ROOT / "tests" / "level" / "levels"
TEST_UI_LEVELS = ROOT / "tests" / "ui" / "levels"
HOG_SOLUTION = load_level(HOG).level.tasks[1].solution


@pytest.fixture
def store(tmp_path):
    return SaveStore(home=tmp_path / "home")


def app_for(store, level: Path | None = None, levels=None) -> YieldApp:
    """The game on the-hog (as if it were the whole pack) and `levels`."""
    loaded = load_level(level) if level is not None else None
    pack = store.home.parent / "pack"
    pack.mkdir(exist_ok=True)
    (pack / HOG.name).write_text(HOG.read_text())
    folders = [str(pack), *(str(p) for p in levels or [])]
    return YieldApp(levels=folders, open_level=loaded, store=store, pack=False)


async def until(pilot, condition, timeout: float = 30.0) -> None:
    """Let the app run until `condition()` holds (a run takes the sandbox's time)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            screen = pilot.app.screen
            said = status(screen) if isinstance(screen, LevelScreen) else ""
            raise AssertionError(f"timed out on {screen!r} saying {said!r}")
        await pilot.pause(0.05)


def status(screen) -> str:
    return str(screen.query_one("#status", Static).render())


async def run_level(pilot, screen: LevelScreen) -> None:
    """ctrl+r, then wait for the verdict screen."""
    await pilot.press("ctrl+r")
    await until(pilot, lambda: isinstance(pilot.app.screen, VerdictScreen | PickScreen))


async def test_level_select_lists_chapters_progress_and_broken_files(tmp_path, store):
    broken = tmp_path / "mine"
    broken.mkdir()
    (broken / "bad.yaml").write_text("id: bad\ntitle: [unclosed\n")
    app = app_for(store, levels=[broken])
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LevelSelectScreen)
        options = screen.query_one("#levels", OptionList)
        await until(pilot, lambda: screen.catalog is not None)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0] == "Cooperative multitasking (pack)"
        assert labels[1] == "  ○ The Hog  ◀ next"
        assert labels[2] == "mine (could not load)"
        assert labels[3] == "  ✗ bad.yaml"
        # the broken file is listed with its error at its line, and opening it is refused
        options.highlighted = 3
        await pilot.pause()
        about = screen.query_one("#about")
        error = (
            f"{broken / 'bad.yaml'}:3:1: YAML syntax: expected ',' or ']', but got the end "
            "of the file (while parsing a flow sequence at line 2)"
        )
        assert f"```\n{error}\n```" in about.source
        await pilot.press("enter")
        assert isinstance(app.screen, LevelSelectScreen)
        # the next level opens with Enter
        options.highlighted = 1
        await pilot.press("enter")
        assert isinstance(app.screen, LevelScreen)
        assert app.screen.level.id == "the-hog"


async def test_the_editor_highlights_python(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+e")
        editor = app.screen.query_one("#code-cruncher", TaskCode).editor
        assert editor.has_focus
        assert editor.language == "python"
        assert editor.is_syntax_aware  # tree-sitter is installed: colours, not plain text


async def test_starter_loses_and_shows_where_it_went_wrong(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await run_level(pilot, screen)
        verdict = app.screen
        assert isinstance(verdict, VerdictScreen)
        assert verdict.score is None
        assert verdict.verdict.variants[0].goals[1].detail == (
            "heartbeat waited 76 ticks (t=5..81) while cruncher ran"
        )
        await pilot.press("w")
        assert app.screen is screen
        view = screen.query_one("#timeline", TimelineView)
        assert view.has_focus
        assert view.cursor == 11  # the heartbeat has waited its 6 ticks from tick 5
        assert status(screen).startswith("tick 11  │ a heartbeat starving")
        where = screen.query_one("#code-heartbeat", TaskCode)
        assert where.editor.cursor_location == (3, 0)  # line 4: await sleep(5)
        assert store.summary()["the-hog"].attempts == 1
        assert store.summary()["the-hog"].solved is False


async def test_written_solution_wins_scores_and_is_recorded(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+e")
        editor = screen.query_one("#code-cruncher", TaskCode).editor
        editor.load_text(HOG_SOLUTION)
        await pilot.pause()
        await run_level(pilot, screen)
        verdict = app.screen
        assert isinstance(verdict, VerdictScreen)
        assert verdict.score is not None
        assert (verdict.score.ticks, verdict.score.lines, verdict.score.stars) == (94, 6, 3)
        await pilot.press("escape")
        assert store.summary()["the-hog"].solved is True
        assert store.summary()["the-hog"].best == 94
        # level select (under the level) now shows it solved; the first escape takes the
        # focus out of the editor, the second leaves the level
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, LevelSelectScreen)
        options = app.screen.query_one("#levels", OptionList)
        await until(pilot, lambda: str(options.get_option_at_index(1).prompt) == "  ● The Hog  ★★★")


async def test_refused_code_is_shown_at_its_line_and_kept(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        code = screen.query_one("#code-cruncher", TaskCode)
        code.editor.load_text("async def cruncher():\n    import os\n")
        await pilot.pause(0.5)  # the rules are checked as the player types
        issues = str(code.query_one(".issues", Static).render())
        assert issues.startswith("✗ line 2, col 5: imports are not allowed")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.run is None and "✗" in status(screen))
        assert status(screen).startswith("✗ cruncher.py:2:5: imports are not allowed")
        assert code.editor.cursor_location == (1, 4)
        assert code.editor.text == "async def cruncher():\n    import os\n"
        assert app.drafts.code[("the-hog", "cruncher")] == code.editor.text


LONG_RUN = TEST_UI_LEVELS / "long-run.yaml"
HUNG = "async def cruncher():\n    while True:\n        pass\n"


async def test_a_hung_run_ends_as_hung_within_seconds(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.query_one("#code-cruncher", TaskCode).editor.load_text(HUNG)
        await pilot.pause()
        started = time.monotonic()
        await run_level(pilot, screen)
        assert time.monotonic() - started < 15
        variant = app.screen.verdict.variants[0]
        assert variant.outcome == "hung"
        assert variant.hung == {"task": "cruncher", "line": 2, "path": "cruncher.py"}


async def test_a_long_run_shows_progress_answers_keys_and_stops_on_escape(store):
    app = app_for(store, LONG_RUN)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        code = screen.query_one("#code-worker", TaskCode)
        code.editor.load_text(code.editor.text + "# mine\n")
        await pilot.pause()
        screen.query_one("#timeline").focus()
        await pilot.press("ctrl+r")
        # the timeline grows while the run goes on (a live copy of the trace)
        await until(pilot, lambda: screen.query_one("#timeline", TimelineView).timeline)
        assert screen.run is not None
        assert status(screen).startswith("Running… tick ")
        tabs = screen.query_one(TabbedContent)
        tabs.active = "tab-goals"  # the screen answers while the run goes on
        await pilot.pause()
        assert tabs.active == "tab-goals"
        await pilot.press("escape")
        started = time.monotonic()
        await until(pilot, lambda: screen.run is None, timeout=5)
        assert time.monotonic() - started < 1
        assert status(screen) == "Stopped. Your code is as you left it; ctrl+r runs it again."
        assert isinstance(app.screen, LevelScreen)
        assert code.editor.text.endswith("# mine\n")


async def test_stepping_replays_the_run_slice_by_slice(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await run_level(pilot, screen)
        await pilot.press("escape", "ctrl+t")
        view = screen.query_one("#timeline", TimelineView)
        starts = slice_starts(screen.timeline)
        assert starts[:4] == [0, 1, 81, 86]  # heartbeat, the hog, heartbeat, heartbeat
        await pilot.press("r")
        assert (view.cursor, view.reveal) == (0, 0)
        await pilot.press("n")
        assert (view.cursor, view.reveal) == (0, 1)
        await pilot.press("n", "n")
        assert (view.cursor, view.reveal) == (81, 86)
        output = screen.query_one(OutputLog)
        assert output.entries[:4] == [
            (0, "heartbeat", "beat"),
            (81, "cruncher", "crunched"),
            (81, "heartbeat", "beat"),
            (86, "heartbeat", "beat"),
        ]
        assert output.shown == 3  # what was printed before tick 86
        await pilot.press("b")
        assert (view.cursor, view.reveal) == (1, 81)
        assert output.shown == 1
        await pilot.press("end")
        assert view.cursor == screen.timeline.end - 1


async def test_choosing_a_version(store):
    app = app_for(store, TEST_LEVELS / "pick-one.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await run_level(pilot, screen)  # A, the first version, is chosen to start with
        assert app.screen.score is None
        await pilot.press("escape", "ctrl+e")
        radios = screen.query_one(RadioSet)
        assert radios.has_focus
        await pilot.press("right", "enter")
        code = screen.query_one("#code-cruncher", TaskCode)
        assert code.choice == "B"
        assert code.editor.text.startswith("def cruncher():\n    for _ in range(15):")
        await run_level(pilot, screen)
        assert app.screen.score is not None


async def test_you_are_the_scheduler(store):
    app = app_for(store, TEST_LEVELS / "lock-order.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        picked = []
        for want in ["alice", "bob", "bob", "bob"]:
            if not picked:
                await pilot.press("ctrl+r")
            await until(pilot, lambda: isinstance(app.screen, PickScreen | VerdictScreen))
            pick = app.screen
            assert isinstance(pick, PickScreen)
            assert pick.picks == len(picked)
            assert sorted(r.task for r in pick.ready) == ["alice", "bob"]
            options = pick.query_one(OptionList)
            options.highlighted = [r.task for r in pick.ready].index(want)
            await pilot.press("enter")
            picked.append(want)
        # alice holds left, bob holds right: the fifth choice is shown, with each line
        await until(pilot, lambda: isinstance(app.screen, PickScreen | VerdictScreen))
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert [(r.task, r.line, r.code.strip()) for r in pick.ready] == [
            ("alice", 3, "await pause()"),
            ("bob", 5, "yield pause()"),
        ]
        await pilot.press("f")  # the rest first come, first served
        await until(pilot, lambda: isinstance(app.screen, VerdictScreen))
        assert app.screen.verdict.variants[0].outcome == "deadlock"
        assert app.screen.score is not None
        assert screen.session.picks == picked


async def test_what_if_it_were_preemptive(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, VerdictScreen))
        await pilot.press("escape")
        await until(pilot, lambda: screen.compare_run is None)
        label = str(screen.query_one("#compare-label", Static).render())
        assert label.startswith("If it were preemptive (a switch every 5 ticks):")
        compare = screen.query_one("#compare", TimelineView)
        assert compare.display and compare.timeline is not None
        assert compare.timeline.names == ["heartbeat", "cruncher"]
        main = screen.query_one("#timeline", TimelineView)
        assert compare.per == main.per  # one scale: the ticks line up, one above the other
        # under preemption the heartbeat never waits long: no cell of its row starves
        row = compare.timeline.row(0, 0, 1, compare.timeline.end)
        assert all(cell.name != "STARVING" for cell in row)
        await pilot.press("f3")
        assert not compare.display


async def test_the_preemptive_comparison_of_an_asyncio_level_says_it_runs_on_the_games_loop(
    store,
):
    app = app_for(store, TEST_UI_LEVELS / "due-but-waiting.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert screen.sub_title.endswith("asyncio's own loop")
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, VerdictScreen))
        await pilot.press("escape")
        await until(pilot, lambda: screen.compare_run is None)
        label = str(screen.query_one("#compare-label", Static).render())
        assert label.startswith(
            "If it were preemptive (a switch every 5 ticks, on the game's loop):"
        )
        compare = screen.query_one("#compare", TimelineView)
        assert len(compare.timeline.iterations) == 0  # no loop iterations: the game's loop
        main = screen.query_one("#timeline", TimelineView)
        assert list(main.timeline.iterations) == [0, 3, 5, 7, 10]


async def test_help_shows_keys_and_the_task_api(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one("Markdown").source
        assert "| **ctrl+r** | run your code" in text
        assert "await pause()" in text  # the task API reference
        assert "the loop row under it marks `^`" in " ".join(text.split())  # asyncio's loop
        await pilot.press("escape")
        assert isinstance(app.screen, LevelScreen)


async def test_drafts_survive_leaving_the_level(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        code = app.screen.query_one("#code-cruncher", TaskCode)
        code.editor.load_text("async def cruncher():\n    pass  # mine\n")
        await pilot.pause()
        await pilot.press("escape")
        assert isinstance(app.screen, LevelSelectScreen)
        await pilot.press("enter")
        code = app.screen.query_one("#code-cruncher", TaskCode)
        assert code.editor.text == "async def cruncher():\n    pass  # mine\n"


async def test_a_crash_in_the_players_code_is_shown_at_its_line(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        code = screen.query_one("#code-cruncher", TaskCode)
        code.editor.load_text(
            "async def cruncher():\n    x = 1\n    await pause()\n    return 1 / 0\n"
        )
        await pilot.pause()
        await run_level(pilot, screen)
        verdict = app.screen
        assert "**cruncher** crashed: `ZeroDivisionError: division by zero`" in (
            verdict.query_one("Markdown").source
        )
        await pilot.press("escape")
        assert code.editor.cursor_location == (3, 4)
        issues = str(code.query_one(".issues", Static).render())
        assert issues == "✗ line 4, col 5: ZeroDivisionError: division by zero"


async def test_the_level_file_reloads_when_it_changes_and_keeps_the_draft(store, tmp_path):
    level = tmp_path / "mine.yaml"
    level.write_text(HOG.read_text())
    app = app_for(store, level)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        code = screen.query_one("#code-cruncher", TaskCode)
        code.editor.load_text("async def cruncher():\n    pass  # mine\n")
        await pilot.pause()
        # a broken file: the error at its line, the screen stays
        level.write_text(HOG.read_text().replace("title: The Hog", "title: [The Hog"))
        await until(pilot, lambda: status(screen).startswith("✗ "))
        assert status(screen) == (
            f"✗ {level}:4:8: YAML syntax: expected ',' or ']', but got ':' (while parsing a "
            "flow sequence at line 3) (the level comes back when the file loads again)"
        )
        assert app.screen is screen
        # fixed: the screen comes back with the new file, the draft kept
        level.write_text(HOG.read_text().replace("title: The Hog", "title: The Big Hog"))
        await until(pilot, lambda: screen.sub_title == "Cooperative multitasking · The Big Hog")
        assert app.screen is screen and screen.level.title == "The Big Hog"
        code = screen.query_one("#code-cruncher", TaskCode)
        assert code.editor.text == "async def cruncher():\n    pass  # mine\n"


async def test_drafts_are_saved_and_come_back_in_the_next_game(store):
    mine = "async def cruncher():\n    pass  # typed yesterday\n"
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#code-cruncher", TaskCode).editor.load_text(mine)
        await pilot.pause()
    assert store.drafts("the-hog") == {"cruncher": mine}  # written on the way out at least
    again = app_for(store, HOG)
    async with again.run_test(size=(100, 30)) as pilot:
        code = again.screen.query_one("#code-cruncher", TaskCode)
        assert code.editor.text == mine


async def test_an_attempt_is_kept_with_its_score(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#code-cruncher", TaskCode).editor.load_text(HOG_SOLUTION)
        await pilot.pause()
        await run_level(pilot, app.screen)
    [attempt] = store.history("the-hog")
    assert (attempt.passed, attempt.ticks, attempt.lines, attempt.stars) == (True, 94, 6, 3)
    assert (attempt.outcome, attempt.switches, attempt.worst_wait) == ("finished", 54, 2)


async def test_a_new_line_keeps_the_indentation(store):
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+e")
        editor = app.screen.query_one("#code-cruncher", TaskCode).editor
        editor.load_text("async def cruncher():\n    for chunk in range(10):")
        editor.move_cursor((1, 27))
        await pilot.press("enter", *"cpu(2)", "enter", *"await pause()")
        await pilot.press("enter", "backspace", *"print(1)")  # back one step: the loop's end
        assert editor.text == (
            "async def cruncher():\n    for chunk in range(10):\n        cpu(2)\n"
            "        await pause()\n    print(1)"
        )


async def test_picks_by_letter_and_undo(store):
    app = app_for(store, TEST_LEVELS / "lock-order.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, PickScreen))
        first = app.screen
        labels = {r.task: r for r in first.ready}
        assert labels["alice"].index == 0  # a: alice, as the timeline names her
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, PickScreen) and app.screen.picks == 1)
        assert screen.session.picks == ["alice"]
        await pilot.press("u")  # undo: asked again where the first pick was made
        await until(pilot, lambda: isinstance(app.screen, PickScreen) and app.screen.picks == 0)
        assert screen.session.picks == []
        assert [r.task for r in app.screen.ready] == ["alice", "bob"]


async def test_f8_shows_the_history_of_the_level(store):
    store.record("the-hog", False, 137, 4, outcome="finished")
    store.record("the-hog", True, 94, 6, stars=3, outcome="finished")
    app = app_for(store, HOG)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f8")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        text = str(app.screen.query_one(Static).render())
        assert "2 attempts, 1 won" in text and "★ your best 94" in text
        await pilot.press("escape")
        assert isinstance(app.screen, LevelScreen)


async def test_a_slice_that_follows_its_own_is_marked(store):
    """The scanner pauses and gets the CPU straight back: the marks merge the two slices,
    the timeline marks where the second begins."""
    level = ROOT / "levels" / "01-cooperative" / "a-subroutine-never-yields.yaml"
    app = app_for(store, level)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        await run_level(pilot, screen)
        await pilot.press("escape", "ctrl+t")
        view = screen.query_one("#timeline", TimelineView)
        assert view.joins == {1: {14, 46}}
        view.per = 1
        view._changed()
        await pilot.pause()
        row = view.render_line(3).text  # the ruler, the CPU, the display, the scanner
        cells = row[view.label_width :]
        assert cells[13:16] == "#▌#"


async def test_an_asyncio_level_shows_where_each_loop_iteration_began(store):
    """`loop: asyncio`: under the CPU row, `^` where each iteration of the event loop
    began. S is due at 5 but runs at 9: its timer is read as the iteration at 5 begins,
    and S runs in the next one, at 7, behind A and B."""
    app = app_for(store, TEST_UI_LEVELS / "due-but-waiting.yaml")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await run_level(pilot, screen)
        await pilot.press("escape", "ctrl+t")
        view = screen.query_one("#timeline", TimelineView)
        await pilot.pause()
        width = view.label_width
        rows = [view.render_line(y).text for y in range(6)]
        drawn = [(row[:width].strip(), row[width:].rstrip()) for row in rows]
        assert drawn[1:] == [
            ("CPU", "abcabababcab"),
            ("loop", "^  ^ ^ ^  ^"),
            ("a A", "#--#-#-#--#"),
            ("b B", "-#--#-#-#--#"),
            ("c S", "--#..----#"),
        ]
        view.set_reveal(6)  # replaying: the iterations still to come are not shown yet
        await pilot.pause()
        assert view.render_line(2).text[width:].rstrip() == "^  ^ ^······"


async def test_a_solution_file_for_two_editable_tasks_fills_both_tabs(store):
    from scheduler_game.level.load import SolutionFile

    level = ROOT / "levels" / "01-cooperative" / "if-it-were-preemptive.yaml"
    loaded = load_level(level)
    editable = [t for t in loaded.level.tasks if t.editable]
    source = "\n\n".join(t.solution for t in editable)
    app = YieldApp(
        open_level=loaded, solution=SolutionFile(source, "mine.py"), store=store, pack=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        for t in editable:  # each tab holds its own task's function
            text = screen.query_one(f"#code-{t.name}", TaskCode).editor.text
            assert f"def {t.name}(" in text
            assert all(f"def {o.name}(" not in text for o in editable if o is not t)
        await run_level(pilot, screen)
        assert app.screen.score is not None


async def test_after_a_win_n_opens_the_next_level(store, tmp_path):
    pack = tmp_path / "two"
    pack.mkdir()
    first = ROOT / "levels" / "01-cooperative" / "the-first-pause.yaml"
    (pack / first.name).write_text(first.read_text())
    (pack / HOG.name).write_text(HOG.read_text())
    app = YieldApp(
        levels=[str(pack)], open_level=load_level(pack / first.name), store=store, pack=False
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.select.catalog is not None)
        solution = load_level(first).level.tasks[1].solution
        app.screen.query_one("#code-baker", TaskCode).editor.load_text(solution)
        await pilot.pause()
        await run_level(pilot, app.screen)
        assert app.screen.score is not None
        await pilot.press("n")
        await until(
            pilot, lambda: isinstance(app.screen, LevelScreen) and app.screen.level.id == "the-hog"
        )
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "LevelSelectScreen",
            "LevelScreen",
        ]
