"""The verdict screen lists a lost variant's notes: a trap never awaited, at the line of
the player's own editor (`cruncher.py`), written so that markdown shows it as it is."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

from scheduler_game.level.load import load_level
from scheduler_game.level.run import Attempt, check_level
from scheduler_game.ui.screens.verdict import verdict_markdown

HOG = load_level(Path(__file__).resolve().parents[2] / "levels" / "01-cooperative" / "the-hog.yaml")

DRAFT = """\
async def cruncher():
    for chunk in range(10):
        for part in range(4):
            cpu(2)
            pause()
    print("crunched")
"""

NOTE = "cruncher.py:5: pause() was never awaited: without await it does nothing"


def test_a_lost_verdict_lists_its_notes():
    verdict = check_level(HOG, Attempt(drafts={"cruncher": DRAFT}))
    assert not verdict.passed
    assert verdict.variants[0].notes == [f"{NOTE} (write await pause())"]
    md = verdict_markdown(HOG.level, verdict, None)
    assert f"Notes:\n\n- {NOTE} (write await pause())" in md
    assert f"<li>{NOTE} (write await pause())</li>" in MarkdownIt().render(md)


def test_a_note_quoting_markdown_shows_as_written():
    verdict = check_level(HOG, Attempt(drafts={"cruncher": DRAFT}))
    shown = "mine_1.py:3: q.put(x*2) was never awaited <b>"
    verdict.variants[0].notes = [shown]
    html = MarkdownIt().render(verdict_markdown(HOG.level, verdict, None))
    assert "<li>mine_1.py:3: q.put(x*2) was never awaited &lt;b&gt;</li>" in html
