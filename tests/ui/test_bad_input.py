"""Bad input is part of the game: task code that hangs, raises, allocates, floods the
output, recurses or prints escape sequences, a syntax error, a broken level file. Each
is told at its line, the game keeps answering, and the player's code stays as it was."""

from __future__ import annotations

from textual.widgets import Label, Markdown, OptionList, Static, TabbedContent

from scheduler_game.ui.screens.level import LevelScreen
from scheduler_game.ui.screens.select import LevelSelectScreen
from scheduler_game.ui.screens.verdict import VerdictScreen
from scheduler_game.ui.widgets.output import OutputLog
from scheduler_game.ui.widgets.taskcode import TaskCode

from .test_game import HOG, app_for, run_level, status, store, until  # noqa: F401

HOW = " F2 shows the verdict; the timeline (ctrl+t) shows how it went."


async def _check(store, code: str, on_screen) -> None:  # noqa: F811
    """Run `code` as the cruncher at 80x24, let `on_screen(pilot, screen, editor, verdict
    markdown)` look, then check that the game still answers and the code is kept."""
    app = app_for(store, HOG)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tc = screen.query_one("#code-cruncher", TaskCode)
        tc.editor.load_text(code)
        await pilot.pause()
        await run_level(pilot, screen)
        verdict = app.screen
        assert isinstance(verdict, VerdictScreen)
        source = verdict.query_one(Markdown).source
        await pilot.press("escape")
        assert app.screen is screen
        await on_screen(pilot, screen, tc, source)
        # the game still answers: another tab, another run; the code is intact and saved
        tabs = screen.query_one(TabbedContent)
        tabs.active = "tab-goals"
        await pilot.pause()
        assert tabs.active == "tab-goals"
        await run_level(pilot, screen)
        await pilot.press("escape")
        assert tc.editor.text == code
        assert app.drafts.code[("the-hog", "cruncher")] == code


def _issues(tc: TaskCode) -> str:
    return str(tc.query_one(".issues", Static).render())


async def test_a_loop_that_never_yields_is_marked_at_its_line(store):  # noqa: F811
    async def seen(pilot, screen, tc, source):
        assert "outcome **hung**" in source
        assert "**cruncher** never gave the CPU up (line 2)." in source
        assert status(screen) == (  # the first reason, where the eye already is
            "Not yet: all_finish: hung: cruncher ran at line 2 for too long without giving "
            "up the CPU, so nothing else could ever run again." + HOW
        )
        assert _issues(tc) == "✗ line 2, col 5: never gave the CPU up: add an await"
        assert tc.editor.cursor_location == (1, 4)

    await _check(store, "async def cruncher():\n    while True: pass\n", seen)


async def test_a_raise_is_marked_at_the_column_of_its_statement(store):  # noqa: F811
    async def seen(pilot, screen, tc, source):
        assert "**cruncher** crashed: `ValueError: boom`" in source
        assert _issues(tc) == "✗ line 2, col 5: ValueError: boom"
        assert tc.editor.cursor_location == (1, 4)

    await _check(store, 'async def cruncher():\n    raise ValueError("boom")\n', seen)


async def test_allocating_gigabytes_is_a_memory_error(store):  # noqa: F811
    async def seen(pilot, screen, tc, source):
        assert "**cruncher** crashed: `MemoryError`" in source
        assert _issues(tc) == "✗ line 2, col 5: MemoryError"

    await _check(store, "async def cruncher():\n    x = [0] * 10**10\n", seen)


async def test_infinite_recursion_is_a_recursion_error(store):  # noqa: F811
    code = "async def cruncher():\n    def f(n):\n        return f(n + 1)\n    f(0)\n"

    async def seen(pilot, screen, tc, source):
        error = "RecursionError: maximum recursion depth exceeded"
        assert f"**cruncher** crashed: `{error}`" in source
        # Python reports the recursion at the def line of the function entered
        assert _issues(tc) == f"✗ line 2, col 5: {error}"

    await _check(store, code, seen)


async def test_a_flood_of_output_is_cut_and_said_so(store):  # noqa: F811
    code = "async def cruncher():\n    for i in range(100000):\n        print(i)\n"

    async def seen(pilot, screen, tc, source):
        assert "outcome **hung**" in source
        screen.query_one(TabbedContent).active = "tab-output"
        await pilot.pause(0.3)
        out = screen.query_one(OutputLog)
        assert (len(out.entries), out.dropped) == (10000, 90000)
        assert out.lines[-1].text == "… 90000 more lines were not kept"

    await _check(store, code, seen)


async def test_escape_sequences_in_output_are_shown_escaped(store):  # noqa: F811
    code = 'async def cruncher():\n    print("\\x1b[2J\\x1b]0;pwned\\x07")\n'

    async def seen(pilot, screen, tc, source):
        screen.query_one(TabbedContent).active = "tab-output"
        await pilot.pause(0.3)
        lines = [line.text for line in screen.query_one(OutputLog).lines]
        assert "     1 cruncher: \\x1b[2J\\x1b]0;pwned\\x07" in lines
        assert not any("\x1b" in line or "\x07" in line for line in lines)

    await _check(store, code, seen)


async def test_a_syntax_error_mid_file_is_shown_at_its_spot(store):  # noqa: F811
    code = "async def cruncher():\n    x = 1\n    y = (2 +\n    print('a')\n    await pause()\n"
    app = app_for(store, HOG)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        tc = screen.query_one("#code-cruncher", TaskCode)
        tc.editor.load_text(code)
        await pilot.pause()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.run is None and "✗" in status(screen))
        assert isinstance(app.screen, LevelScreen)
        assert status(screen) == "✗ cruncher.py:3:9: syntax error: '(' was never closed"
        assert _issues(tc) == "✗ line 3, col 9: syntax error: '(' was never closed"
        assert tc.editor.cursor_location == (2, 8)
        assert tc.editor.text == code
        assert app.drafts.code[("the-hog", "cruncher")] == code


async def test_a_broken_level_error_wraps_to_be_read_at_80_columns(tmp_path, store):  # noqa: F811
    broken = tmp_path / "mine"
    broken.mkdir()
    (broken / "bad.yaml").write_text("\t- tab: 1\n")
    app = app_for(store, levels=[broken])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, LevelSelectScreen)
        await until(pilot, lambda: screen.catalog is not None)
        options = screen.query_one("#levels", OptionList)
        options.highlighted = options.option_count - 1
        await until(pilot, lambda: screen.query("#about MarkdownFence Label"))
        await pilot.pause(0.2)
        fence = screen.query_one("#about MarkdownFence")
        assert "found character '\\t' that cannot start any token" in fence.code
        label = fence.query_one(Label)
        detail = screen.query_one("#detail")
        assert label.region.right <= detail.region.right  # nothing is cut off at the right
        assert label.region.height > 1  # wrapped onto more lines
