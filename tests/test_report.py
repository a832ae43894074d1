"""The text report of a sandboxed check draws its timeline from the streamed trace's
overview: the same bytes as drawn from the trace's marks, at any width, in colour or not,
with few tasks or more than the report has rows for."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from scheduler_game import report
from scheduler_game.level.load import load_level
from scheduler_game.level.run import Attempt, check_level
from scheduler_game.level.verdict import Verdict
from scheduler_game.overview import Overview, StreamedTrace
from scheduler_game.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]
LEVELS = [
    ROOT / "levels" / "01-cooperative" / "the-hog.yaml",
    ROOT / "tests" / "level" / "levels" / "lock-order.yaml",
    ROOT / "tests" / "level" / "levels" / "pick-one.yaml",
    ROOT / "tests" / "sandbox" / "arena.yaml",
]
MANY = """\
id: many
title: Many
chapter: Test levels
order: 1
brief: 30 workers, more than the report has rows for, pause and sleep.
settings:
  max_ticks: 100000
  max_tasks: 100
tasks:
  - name: worker
    autostart: false
    code: |
      async def worker(n):
          for k in range(n):
              cpu(k % 3)
              await pause()
          await sleep(7)
  - name: main
    max_wait: 3
    code: |
      async def main():
          workers = [spawn(worker, 200 + 10 * k) for k in range(30)]
          for w in workers:
              await join(w)
goals:
  - all_finish: true
"""


def drawn(verdict: Verdict, width: int, colour: bool, *, marks: bool) -> str:
    console = Console(
        file=io.StringIO(),
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
    )
    if not marks:
        report.render(verdict, console)
        return console.file.getvalue()  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "_model", lambda v, end: Timeline.from_trace(v.trace, end=end))
        report.render(verdict, console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def same_drawing(verdict: Verdict) -> None:
    shown = next((v for v in verdict.variants if not v.passed), verdict.variants[0])
    assert isinstance(shown.trace, StreamedTrace)
    assert isinstance(report._model(shown, max(shown.ticks, 1)), Overview)
    for width in (41, 80, 137):
        for colour in (False, True):
            assert drawn(verdict, width, colour, marks=False) == drawn(
                verdict, width, colour, marks=True
            )


@pytest.mark.parametrize("level", LEVELS, ids=lambda p: p.stem)
@pytest.mark.parametrize("reference", [True, False], ids=["reference", "starter"])
def test_the_report_draws_the_same_from_the_overview(level, reference):
    loaded = load_level(level)
    # a level's starter with a choose task: its first version, as the game starts it
    first = {t.name: t.choose[0].label for t in loaded.level.tasks if t.choose}
    attempt = Attempt(reference=True) if reference else Attempt(choices=first)
    same_drawing(check_level(loaded, attempt))


def test_more_tasks_than_rows(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(MANY)
    verdict = check_level(load_level(path), Attempt())
    assert len(verdict.variants[0].trace.names) == 31
    same_drawing(verdict)
    assert "... and 7 more tasks" in drawn(verdict, 80, False, marks=False)


DUE = ROOT / "tests" / "ui" / "levels" / "due-but-waiting.yaml"


def test_an_asyncio_level_draws_where_each_loop_iteration_began():
    """`loop: asyncio`: a loop row under the cpu row marks each column in which an
    iteration of the event loop began. S is due at 5, but asyncio reads its timer as the
    iteration at 5 begins and runs it in the next one: it waits until 9."""
    verdict = check_level(load_level(DUE), Attempt())
    same_drawing(verdict)
    lines = drawn(verdict, 80, False, marks=False).splitlines()
    start = lines.index("     t 0         10")
    assert lines[start : start + 9] == [
        "     t 0         10",
        "cpu   |abcabababcab",
        "loop  |^  ^ ^ ^  ^ ",
        "a A   |#--#-#-#--# ",
        "b B   |-#--#-#-#--#",
        "c S   |--#..----#  ",
        "  # running  - ready  ! starving  = blocked  . sleeping  _ idle  ^ iteration",
        "  1 column = 1 tick; the cpu row shows who held the CPU",
        "  the loop row: where each loop iteration began; only then are due timers read",
    ]


def test_a_level_of_the_games_loop_draws_no_loop_row():
    """The default loop's report, to the byte, as it was before loops had iterations."""
    verdict = check_level(load_level(LEVELS[0]), Attempt())
    lines = drawn(verdict, 80, False, marks=False).splitlines()
    assert lines[3:9] == [
        "            t 0         30        60        90        120",
        "cpu          |bbbbbbbbbbbbbbbbbbbbbbbbbbbaa_a_aa_a_aa_a_aa_a",
        "a heartbeat  |#--!!!!!!!!!!!!!!!!!!!!!!!!##.#.##.#.##.#.##.#",
        "b cruncher   |###########################                   ",
        "  # running  - ready  ! starving  = blocked  . sleeping  _ idle",
        "  1 column = 3 ticks; the cpu row shows who held the CPU",
    ]
    wide = drawn(verdict, 137, False, marks=False).splitlines()
    assert not [line for line in wide if line.startswith("loop") or "iteration" in line]
