"""A level on screen without the screen: drafts, lines, scores, where a goal broke."""

from __future__ import annotations

from pathlib import Path

from scheduler_game.level.load import load_level
from scheduler_game.level.run import Attempt, Options, check_level
from scheduler_game.level.verdict import GoalVerdict
from scheduler_game.timeline import Timeline
from scheduler_game.ui.screens.stepping import slice_starts
from scheduler_game.ui.screens.verdict import verdict_markdown
from scheduler_game.ui.session import (
    Drafts,
    LevelSession,
    failure_tick,
)
from scheduler_game.ui.widgets.timeline import zoom_levels

ROOT = Path(__file__).resolve().parents[2]
HOG = load_level(ROOT / "levels" / "01-cooperative" / "the-hog.yaml")
PICK_ONE = load_level(ROOT / "tests" / "level" / "levels" / "pick-one.yaml")


def test_drafts_start_as_the_starter_and_are_shared_across_sessions():
    drafts = Drafts()
    first = LevelSession(HOG, drafts)
    assert first.draft("cruncher") == HOG.level.tasks[1].code
    first.set_draft("cruncher", "async def cruncher():\n    pass\n")
    again = LevelSession(HOG, drafts)
    assert again.draft("cruncher") == "async def cruncher():\n    pass\n"
    assert again.reset_draft("cruncher") == HOG.level.tasks[1].code
    assert drafts.code[("the-hog", "cruncher")] == HOG.level.tasks[1].code


def test_a_choice_starts_at_the_first_version():
    session = LevelSession(PICK_ONE)
    assert session.choice("cruncher") == "A"
    session.set_choice("cruncher", "B")
    assert session.attempt() == Attempt(drafts={}, choices={"cruncher": "B"}, order=None)


def test_lines_map_to_each_task_code_on_screen():
    session = LevelSession(HOG)
    # the heartbeat's code starts at line 22 of the level file: its line 4 is file line 25
    assert session.code_line("heartbeat", HOG.path, 25) == 4
    assert session.code_line("cruncher", "cruncher.py", 3) == 3
    assert session.code_line("heartbeat", "cruncher.py", 3) is None
    assert session.code_line("heartbeat", HOG.path, 5) is None  # in the brief, not code


def test_where_every_task_is_at_a_tick():
    session = LevelSession(HOG)
    verdict = check_level(HOG, session.attempt(), Options(where=True))
    variant = verdict.variants[0]
    timeline = Timeline.from_variant(variant)
    at_11 = session.where(timeline, variant.trace, 11)
    assert [(w.task, w.state, w.waits_on, w.line) for w in at_11] == [
        ("heartbeat", "starving", None, 4),
        ("cruncher", "running", None, None),
    ]
    at_3 = session.where(timeline, variant.trace, 3)
    assert [(w.task, w.state, w.waits_on) for w in at_3] == [
        ("heartbeat", "sleeping", "until 5"),
        ("cruncher", "running", None),
    ]


def test_failure_tick_and_the_losing_words():
    session = LevelSession(HOG)
    verdict = check_level(HOG, session.attempt())
    variant = verdict.variants[verdict.shown_index()]
    failed = [g for g in variant.goals if not g.passed]
    assert [g.goal for g in failed] == ["max_wait heartbeat <= 6"]
    assert failure_tick(variant, failed[0]) == 11
    assert failure_tick(variant, GoalVerdict(goal="all_finish", passed=False)) == 136
    md = verdict_markdown(HOG.level, verdict, session.score(verdict))
    assert md.splitlines()[:5] == [
        "# Not yet",
        "",
        "outcome **finished**: the run ended with no task left to run.",
        "",
        "- ✗ **max_wait heartbeat <= 6**: heartbeat waited 76 ticks (t=5..81) while cruncher ran",
    ]


def test_a_win_scores_stars_against_par():
    session = LevelSession(HOG)
    session.set_draft("cruncher", HOG.level.tasks[1].solution)
    verdict = check_level(HOG, session.attempt())
    score = session.score(verdict)
    assert score is not None
    assert (score.ticks, score.switches, score.worst_wait, score.lines) == (94, 54, 2, 6)
    assert (score.stars, score.par_ticks, score.par_lines) == (3, 100, 6)
    md = verdict_markdown(HOG.level, verdict, score)
    assert md.splitlines()[:3] == [
        "# Solved ★★★",
        "",
        "**94** ticks (par 100) · **54** switches · worst wait **2** · **6** lines of code (par 6)",
    ]
    assert "## Debrief" in md


def test_slice_starts_are_where_each_slice_begins():
    session = LevelSession(HOG)
    verdict = check_level(HOG, session.attempt())
    starts = slice_starts(Timeline.from_variant(verdict.variants[0]))
    assert starts[:6] == [0, 1, 81, 86, 91, 96]
    assert len(starts) == sum(t.switches for t in verdict.variants[0].tasks)


def test_zoom_levels_reach_the_whole_run():
    assert zoom_levels(137) == [1, 2, 5, 10, 20, 50, 100, 200]
    assert zoom_levels(1) == [1]
    assert zoom_levels(1_000_000)[-1] == 1_000_000


def test_a_level_with_no_code_to_write_scores_no_lines():
    """A choice (or an order) is the whole answer: the lines star is not withheld."""
    session = LevelSession(PICK_ONE)
    session.set_choice("cruncher", "B")
    verdict = check_level(PICK_ONE, session.attempt())
    score = session.score(verdict)
    assert score is not None and verdict.lines is None
    assert (score.lines, score.par_lines) == (None, None)
    assert score.stars == 2  # the win and the lines star; pick-one has no par for ticks
    md = verdict_markdown(PICK_ONE.level, verdict, score)
    assert "lines of code" not in md


def test_where_a_task_is_when_the_clock_runs_out_in_its_slice():
    """A loop that never yields ends the run as timeout: the line it was stopped at is
    where it is for its whole last slice."""
    level = load_level(ROOT / "levels" / "02-generators" / "the-endless-stream.yaml")
    session = LevelSession(level)
    verdict = check_level(level, session.attempt(), Options(where=True))
    variant = verdict.variants[0]
    assert variant.outcome == "timeout"
    where = session.where(Timeline.from_variant(variant), variant.trace, variant.ticks - 1)
    assert [(w.task, w.state, w.line) for w in where] == [
        ("heartbeat", "starving", 4),
        ("monitor", "running", 3),  # cpu(2) inside the endless sensor()
    ]


def test_a_solution_too_deep_to_parse_goes_whole_into_the_first_tab():
    from scheduler_game.ui.session import split_solution

    deep = "x = " + "-" * 1_000_000 + "1"  # the parser runs out of memory or stack
    assert split_solution(deep, ["a", "b"]) == {"a": deep, "b": ""}
